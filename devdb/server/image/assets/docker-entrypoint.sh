#!/bin/sh
# docker-entrypoint.sh of devdb-offline/pgvector:pg18, for busybox ash (POSIX sh + pipefail).
#
# Same contract as the official postgres:18 entrypoint (docker-library/postgres):
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (postgres),
#   POSTGRES_DB (defaults to POSTGRES_USER), POSTGRES_INITDB_ARGS (eval'd), POSTGRES_INITDB_WALDIR,
#   POSTGRES_HOST_AUTH_METHOD (defaults to password_encryption, i.e. scram-sha-256), *_FILE
#   secrets, /docker-entrypoint-initdb.d/{*.sh,*.sql,*.sql.gz,*.sql.xz}, old-layout data refused.
#   Started as root (the default), it chowns PGDATA and runs itself again as postgres (999).
# Differences: the socket-only temporary server runs only when there is work for it (POSTGRES_DB
# other than postgres, or init files) and is started without pg_ctl, whose -w polls every 100 ms;
# the locale is C.UTF-8 (LANG), not en_US.utf8; sockets are in /var/run/postgresql and /tmp (the
# wheel's libpq default); no nss_wrapper, so --user must be root or 999; no .sql.zst.
# The password reaches initdb through a pipe from the printf builtin: never on a command line,
# never in a file.
set -e
# shellcheck disable=SC3040 # busybox ash has pipefail
set -o pipefail

# usage: file_env VAR [DEFAULT]   VAR may instead come from the file named by VAR_FILE (not both)
file_env() {
	_fe_var=$1
	_fe_def=${2:-}
	eval "_fe_val=\${$_fe_var:-}; _fe_file=\${${_fe_var}_FILE:-}"
	if [ -n "$_fe_val" ] && [ -n "$_fe_file" ]; then
		printf >&2 'error: both %s and %s_FILE are set (but are exclusive)\n' "$_fe_var" "$_fe_var"
		exit 1
	fi
	if [ -n "$_fe_file" ]; then
		_fe_val=$(cat "$_fe_file")
	elif [ -z "$_fe_val" ]; then
		_fe_val=$_fe_def
	fi
	export "$_fe_var=$_fe_val"
	unset "${_fe_var}_FILE" _fe_val _fe_file
}

# arguments that make postgres print something and exit: no initialisation for those
_pg_want_help() {
	for _arg; do
		case "$_arg" in
			-'?' | --help | --describe-config | -V | --version) return 0 ;;
		esac
	done
	return 1
}

docker_setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

docker_create_db_directories() {
	mkdir -p "$PGDATA"
	# PostgreSQL insists on 0700; ignore failures (it will say so itself)
	chmod 700 "$PGDATA" 2>/dev/null || :
	mkdir -p /var/run/postgresql 2>/dev/null || :
	chmod 3775 /var/run/postgresql 2>/dev/null || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		chmod 700 "$POSTGRES_INITDB_WALDIR" 2>/dev/null || :
	fi
	if [ "$(id -u)" = 0 ]; then
		find "$PGDATA" /var/run/postgresql ${POSTGRES_INITDB_WALDIR:+"$POSTGRES_INITDB_WALDIR"} \
			! -user postgres -exec chown postgres:postgres '{}' +
	fi
}

docker_verify_minimum_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ trust != "$POSTGRES_HOST_AUTH_METHOD" ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.

			       See PostgreSQL documentation about "trust":
			       https://www.postgresql.org/docs/current/auth-trust.html
		EOE
		exit 1
	fi
	if [ trust = "$POSTGRES_HOST_AUTH_METHOD" ]; then
		cat >&2 <<-'EOW'
			********************************************************************************
			WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust". This will allow
			         anyone with access to the Postgres port to access your database without
			         a password, even if POSTGRES_PASSWORD is set.
			********************************************************************************
		EOW
	fi
}

# PostgreSQL 18+ images keep data in /var/lib/postgresql/18/docker: refuse to initialise a new
# cluster next to data of the old layout (or of another major version), as the official image does.
docker_error_old_databases() {
	[ "$PGDATA" = "/var/lib/postgresql/$PG_MAJOR/docker" ] || return 0
	_old=
	for _d in /var/lib/postgresql /var/lib/postgresql/data /var/lib/postgresql/*/docker; do
		if [ -s "$_d/PG_VERSION" ]; then
			_old="$_old $_d"
		fi
	done
	[ -n "$_old" ] || return 0
	cat >&2 <<-EOE
		Error: in 18+, these Docker images are configured to store database data in a
		       format which is compatible with "pg_ctlcluster" (specifically, using
		       major-version-specific directory names).

		       See also https://github.com/docker-library/postgres/pull/1259

		       Counter to that, there appears to be PostgreSQL data in:
		        $_old

		       This is usually the result of upgrading the Docker image without upgrading
		       the underlying database using "pg_upgrade" (which requires both versions).
	EOE
	exit 1
}

docker_init_database_dir() {
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# printf is a shell builtin: the password goes down a pipe, not through argv or a file.
	# The encoding and locale come from LANG (C.UTF-8); POSTGRES_INITDB_ARGS can override them.
	printf '%s\n' "$POSTGRES_PASSWORD" |
		eval 'initdb --username="$POSTGRES_USER" --pwfile=/dev/stdin '"$POSTGRES_INITDB_ARGS"' "$@"'
	# initdb rewrites this line of postgresql.conf.sample, so it is appended here. /tmp is the
	# compiled-in default of the wheel's libpq: a plain `psql` inside the container connects.
	printf "\nunix_socket_directories = '/var/run/postgresql,/tmp'\n" >>"$PGDATA/postgresql.conf"
}

pg_setup_hba_conf() {
	if [ "$1" = postgres ]; then
		shift
	fi
	if [ -z "$POSTGRES_HOST_AUTH_METHOD" ]; then
		POSTGRES_HOST_AUTH_METHOD=$(postgres -C password_encryption "$@")
	fi
	{
		printf '\n'
		if [ trust = "$POSTGRES_HOST_AUTH_METHOD" ]; then
			printf '# warning trust is enabled for all connections\n'
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
}

# psql on the temporary server's socket (init scripts that are sourced may call this too)
docker_process_sql() {
	if [ -n "$POSTGRES_DB" ]; then
		set -- --dbname "$POSTGRES_DB" "$@"
	fi
	PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \
		--no-psqlrc "$@"
}

# true once postmaster.pid says "ready" on its status line (line 8), as `pg_ctl -w` checks
_postmaster_ready() {
	[ -r "$PGDATA/postmaster.pid" ] || return 1
	_n=0
	while IFS= read -r _line; do
		_n=$((_n + 1))
		if [ "$_n" -eq 8 ]; then
			case "$_line" in
				ready*) return 0 ;;
			esac
			return 1
		fi
	done <"$PGDATA/postmaster.pid"
	return 1
}

# socket only (listen_addresses=''): nothing answers on TCP while the database is set up
docker_temp_server_start() {
	if [ "$1" = postgres ]; then
		shift
	fi
	NOTIFY_SOCKET='' postgres "$@" -c listen_addresses='' -p "${PGPORT:-5432}" &
	_temp_pid=$!
	_tries=0
	until _postmaster_ready; do
		if ! kill -0 "$_temp_pid" 2>/dev/null; then
			echo >&2 'error: the temporary server did not start (see the log above)'
			exit 1
		fi
		_tries=$((_tries + 1))
		if [ "$_tries" -ge 6000 ]; then
			echo >&2 'error: the temporary server was not ready within 60 seconds'
			exit 1
		fi
		usleep 10000
	done
}

docker_temp_server_stop() {
	kill -INT "$_temp_pid" # fast shutdown, as `pg_ctl -m fast stop`
	wait "$_temp_pid"
}

docker_setup_db() {
	PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \
		--no-psqlrc --quiet --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
		SELECT format('CREATE DATABASE %I', :'db')
		WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
	EOSQL
}

_has_init_files() {
	for _f in /docker-entrypoint-initdb.d/*; do
		if [ -e "$_f" ]; then
			return 0
		fi
	done
	return 1
}

docker_process_init_files() {
	printf '\n'
	for f; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					printf '%s: running %s\n' "$0" "$f"
					"$f"
				else
					printf '%s: sourcing %s\n' "$0" "$f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql)
				printf '%s: running %s\n' "$0" "$f"
				docker_process_sql -f "$f"
				printf '\n'
				;;
			*.sql.gz)
				printf '%s: running %s\n' "$0" "$f"
				gunzip -c "$f" | docker_process_sql
				printf '\n'
				;;
			*.sql.xz)
				printf '%s: running %s\n' "$0" "$f"
				xzcat "$f" | docker_process_sql
				printf '\n'
				;;
			*.sql.zst)
				printf >&2 'error: %s: this image has no zstd; use .sql, .sql.gz or .sql.xz\n' "$f"
				exit 1
				;;
			*) printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
		printf '\n'
	done
}

_main() {
	# a first argument that looks like a flag is meant for postgres
	case "${1:-}" in
		-*) set -- postgres "$@" ;;
	esac

	if [ "${1:-}" = postgres ] && ! _pg_want_help "$@"; then
		docker_setup_env
		docker_create_db_directories
		if [ "$(id -u)" = 0 ]; then
			# run this script again as postgres (the official image uses gosu). The "--" matters:
			# without it busybox su would take a postgres "-c name=value" as its own -c.
			exec su -p -s /bin/sh -- postgres "$0" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			docker_verify_minimum_env
			docker_error_old_databases
			# check dir permissions to reduce the likelihood of a half-initialised database
			ls /docker-entrypoint-initdb.d/ >/dev/null

			docker_init_database_dir
			pg_setup_hba_conf "$@"

			# matters only when POSTGRES_INITDB_ARGS makes local connections ask for a password
			export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
			if [ "$POSTGRES_DB" != postgres ] || _has_init_files; then
				docker_temp_server_start "$@"
				docker_setup_db
				docker_process_init_files /docker-entrypoint-initdb.d/*
				docker_temp_server_stop
			fi
			unset PGPASSWORD

			printf '\nPostgreSQL init process complete; ready for start up.\n\n'
		else
			printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
		fi
	fi

	exec "$@"
}

_main "$@"
