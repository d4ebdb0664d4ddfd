#!/usr/bin/env bash
# Creates VENV and installs devdb into it (editable, with EXTRAS when given).
# uv when it is on PATH or can be fetched in a few seconds (about 1 s to install, against
# about 15 s for venv + pip); pip otherwise, e.g. offline with a local index in pip.conf.
# usage: scripts/install-venv.sh VENV PYTHON [EXTRAS]     DEVDB_INSTALLER=pip forces pip
set -euo pipefail
venv=$1
python=$2
target=.
[ -n "${3:-}" ] && target=".[$3]"

with_pip() {
	echo "devdb: installing with pip (uv not available)" >&2
	[ -x "$venv/bin/pip" ] || "$python" -m venv --clear "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check -e "$target"
}

uv=""
if [ "${DEVDB_INSTALLER:-}" != pip ]; then
	uv=$(command -v uv || true)
	tool="$venv/.uv-tool"
	if [ -z "$uv" ] && [ -x "$tool/bin/uv" ]; then
		uv="$tool/bin/uv"
	elif [ -z "$uv" ] && "$python" -m pip install -q --disable-pip-version-check --retries 0 \
		--timeout 5 --target "$tool" uv >/dev/null 2>&1; then
		uv="$tool/bin/uv"
	fi
fi
if [ -z "$uv" ]; then
	with_pip
	exit
fi
if ! { [ -x "$venv/bin/python" ] || "$uv" venv -q --allow-existing --python "$python" "$venv"; } ||
	! "$uv" pip install -q --python "$venv/bin/python" -e "$target"; then
	with_pip
fi
