"""Read, merge and write the app's env file (python-dotenv syntax) without losing a line.

The base of the new text is the user's env file when it has content (its order, comments and
values stay as they are), else the example. DB keys are filled in place; keys the example
(or the app) has and the file lacks are appended under a marker comment.

Longer than most modules: reading, merging and writing share the line model (_Entry, the
split and render of one line), which must not drift apart between them.
"""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import Binding, Reader, parse_stream, parse_value

from devdb.errors import DevdbError

ADDED_MARKER = "# added by devdb"
# Written bare only when a shell sourcing the file (`set -a; . .env`) would read it the same.
_SAFE_VALUE = re.compile(r"[A-Za-z0-9_./:@%+,=?-]*")
_UNQUOTED_COMMENT = re.compile(r"\s+#")  # python-dotenv's rule for a comment after a bare value
_EOL = re.compile(r"\r\n|\n|\r")
# Linux refuses an environment string ("KEY=value") of 32 pages or more (MAX_ARG_STRLEN).
MAX_ENV_ENTRY_BYTES = 32 * 4096 - 1

# devdb names the bad line itself; python-dotenv's own warning would repeat it (twice).
logging.getLogger("dotenv.main").disabled = True


@dataclass
class EnvPlan:
    path: Path
    text: str
    changed: bool
    db_keys: list[str]  # DB keys present in `text`
    kept_user_values: list[str]  # DB keys where the user's own value was kept
    appended: list[str] = field(default_factory=list)  # keys added at the end
    values: dict[str, str] = field(default_factory=dict, repr=False)  # raw values in `text`


@dataclass
class _Entry:
    binding: Binding
    text: str  # the line(s) to write for this binding


def _line_of(text: str, offset: int) -> int:
    return len(_EOL.findall(text[:offset])) + 1


def _decode(data: bytes, path: Path, fix: str) -> str:
    """`data` as text, or one line naming path:line when it is not UTF-8 or holds a NUL."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DevdbError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x})", fix
        ) from None
    if "\0" in text:
        raise DevdbError(f"{path}:{_line_of(text, text.index(chr(0)))}: a NUL byte", fix)
    return text


def _check_environment_sizes(entries: list[_Entry], text: str, path: Path, fix: str) -> None:
    """A value that cannot go into a process environment, refused where it is written."""
    offset = 0
    for entry in entries:
        key, value = entry.binding.key, entry.binding.value
        if key is not None and value is not None:
            size = len(f"{key}={value}".encode("utf-8", errors="surrogateescape"))
            if size > MAX_ENV_ENTRY_BYTES:
                line = _line_of(text, offset + len(entry.text) - len(entry.text.lstrip()))
                raise DevdbError(
                    f"{path}:{line}: {key} is {size // 1024} kB, too long for a process "
                    f"environment (the limit is {MAX_ENV_ENTRY_BYTES // 1024} kB)",
                    fix,
                )
        offset += len(entry.text)


def _parse(text: str, path: Path, *, strict: bool) -> list[_Entry]:
    entries: list[_Entry] = []
    offset = 0
    for binding in parse_stream(io.StringIO(text)):
        if binding.error and strict:
            original = binding.original.string
            line = _line_of(text, offset + len(original) - len(original.lstrip()))
            raise DevdbError(
                f"{path}:{line}: python-dotenv cannot parse this line",
                "fix that line (KEY=value, quotes closed)",
            )
        offset += len(binding.original.string)
        entries.append(_Entry(binding, binding.original.string))
    return entries


_EXAMPLE_FIX = "fix the env example file"


def _read_example(example: Path) -> str:
    try:
        data = example.read_bytes()
    except OSError as exc:
        raise DevdbError(f"cannot read {example}: {exc.strerror}", _EXAMPLE_FIX) from exc
    return _decode(data, example, _EXAMPLE_FIX)


def _read_example_entries(example: Path) -> tuple[str, list[_Entry]]:
    text = _read_example(example)
    entries = _parse(text, example, strict=True)
    _check_environment_sizes(entries, text, example, _EXAMPLE_FIX)
    return text, entries


def check_example(example: Path) -> None:
    """The env example's one-line error now, before a server starts, rather than after the
    migrations when the env file is written."""
    _read_example_entries(example)


def example_values(example: Path | None) -> dict[str, str]:
    """The example's raw values (no interpolation), {} when there is none or it cannot be
    read: the commands that need it whole call check_example first."""
    if example is None or not example.is_file():
        return {}
    try:
        return _values(_parse(_read_example(example), example, strict=False))
    except DevdbError:
        return {}


def _values(entries: list[_Entry]) -> dict[str, str]:
    """Raw values, last one wins (python-dotenv's rule); a bare `KEY` line has none."""
    values: dict[str, str] = {}
    for entry in entries:
        key, value = entry.binding.key, entry.binding.value
        if key is not None and value is not None:
            values[key] = value
        elif key is not None:
            values.pop(key, None)
    return values


def quote_value(value: str) -> str:
    """`value` as python-dotenv reads it back: bare when safe, else quoted.

    python-dotenv expands `${NAME}` in every value, quoted or not, with no escape: such a
    value reads back as written only without interpolation.
    """
    if _SAFE_VALUE.fullmatch(value):
        return value
    if "'" not in value:
        # single quotes decode only `\\` and `\'`
        return "'" + value.replace("\\", "\\\\") + "'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# python-dotenv parses (parse_stream) but cannot rewrite in place: set_key rewrites the line
# whole (quotes, `export`, the inline comment go) and a Binding has no span of its value.
def _split_line(original: str) -> tuple[str, str, str]:
    """(text up to and including "=", text after the value, line ending) of a binding."""
    eol_match = re.search(r"(\r\n|\n|\r)$", original)
    eol = eol_match.group(0) if eol_match else ""
    body = original[: len(original) - len(eol)]
    if "=" not in body:  # bare `KEY` or `export KEY`, maybe with a comment
        head = body.split("#", 1)[0].rstrip()
        return head + "=", "", eol
    equal = body.index("=")
    after = body[equal + 1 :]
    stripped = after.lstrip(" \t")
    head = body[: equal + 1] + after[: len(after) - len(stripped)]
    if stripped.startswith(("'", '"')):
        reader = Reader(io.StringIO(stripped))
        parse_value(reader)
        return head, stripped[reader.position.chars :], eol
    if stripped.startswith("#") and head[-1] != "=":  # `KEY= # comment`: empty value
        return head, " " + stripped, eol
    comment = _UNQUOTED_COMMENT.search(stripped)
    return head, (stripped[comment.start() :] if comment else ""), eol


def _render_line(original: str, key: str, value: str) -> str:
    """`original` (one binding's text) with its value replaced; `export`, comment kept."""
    head, tail, eol = _split_line(original)
    return f"{head}{quote_value(value)}{tail}{eol}"


def _strip_blank_lines(text: str) -> str:
    """`text` without the blank lines python-dotenv folds into the start of a binding."""
    body = text.lstrip()
    if not body:
        return ""
    start = len(text) - len(body)
    cut = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start))
    return text[cut + 1 :]


def _leading_comments(entries: list[_Entry], index: int) -> list[str]:
    """The comment lines right above entry `index`, with no blank line between."""
    lines: list[str] = []
    if _EOL.match(entries[index].text.lstrip(" \t")):
        return lines
    for entry in reversed(entries[:index]):
        text = entry.text
        if entry.binding.key is not None or entry.binding.error or not text.strip().startswith("#"):
            break
        lines.insert(0, _strip_blank_lines(text))
        if _EOL.match(text.lstrip(" \t")):  # a blank line above this comment
            break
    return lines


def plan_env_file(
    target: Path,
    example: Path | None,
    db_values: Mapping[str, str],
    *,
    declared_keys: list[str] | None = None,
    previously_written: Mapping[str, str] | None = None,
    is_devdbs: Callable[[str, str], bool] | None = None,
) -> EnvPlan:
    """What the env file at `target` should hold; nothing is written.

    DB keys get `db_values` unless the target holds a non-empty value for the key that is
    neither the example's nor `previously_written`'s (devdb's last write) nor one that
    `is_devdbs` recognises (any earlier write): that is the user's own value, kept and
    reported. Input that would end badly later (not UTF-8, NUL, a value too long for an
    environment, an unparsable example line) raises DevdbError naming file:line. With `declared_keys`, a DB key is written only
    when the app declares it or the example/target has it (settings may forbid others).
    """
    previously_written = previously_written or {}
    target_fix = f"fix or remove {target.name}; devdb rewrites only its DB keys"
    try:
        current_bytes = target.read_bytes() if target.is_file() else None
    except OSError as exc:
        raise DevdbError(f"cannot read {target}: {exc.strerror}", target_fix) from exc
    current_text = _decode(current_bytes, target, target_fix) if current_bytes else ""
    target_entries = _parse(current_text, target, strict=False)
    _check_environment_sizes(target_entries, current_text, target, target_fix)
    target_values = _values(target_entries)

    example_entries: list[_Entry] = []
    example_text = ""
    if example is not None:
        example_text, example_entries = _read_example_entries(example)
    template_values = _values(example_entries)

    allowed: set[str] | None = None
    if declared_keys is not None:
        allowed = {key.upper() for key in declared_keys}
        allowed |= {
            entry.binding.key.upper()
            for entry in (*example_entries, *target_entries)
            if entry.binding.key
        }

    kept: list[str] = []

    def fill(key: str) -> str | None:
        """The value to write for DB key `key`, or None to keep the current one."""
        user_value = target_values.get(key)
        if (
            user_value
            and user_value
            not in (template_values.get(key), previously_written.get(key), db_values[key])
            and not (is_devdbs is not None and is_devdbs(key, user_value))
        ):
            kept.append(key)
            return None
        return db_values[key]

    base_is_target = bool(current_text.strip())
    base = target_entries if base_is_target else example_entries
    newline = "\r\n" if "\r\n" in (current_text if base_is_target else example_text) else "\n"
    lines: list[str] = []
    decided: dict[str, str | None] = {}
    last_index = {entry.binding.key: index for index, entry in enumerate(base) if entry.binding.key}
    for index, entry in enumerate(base):
        key = entry.binding.key
        if key is not None and last_index[key] != index:
            continue  # a key written twice: one line, the last (python-dotenv's value)
        if key is not None and key in db_values and (allowed is None or key.upper() in allowed):
            if key not in decided:
                decided[key] = fill(key)
            value = decided[key]
            lines.append(entry.text if value is None else _render_line(entry.text, key, value))
        else:
            lines.append(entry.text)
    present = {entry.binding.key for entry in base if entry.binding.key}

    # Keys the example has and the base lacks, then DB keys nobody has written yet.
    appended: list[str] = []
    extra_lines: list[str] = []
    if base_is_target:
        example_last = {e.binding.key: i for i, e in enumerate(example_entries) if e.binding.key}
        for index, entry in enumerate(example_entries):
            key = entry.binding.key
            if key is None or key in present or example_last[key] != index:
                continue
            present.add(key)
            appended.append(key)
            extra_lines += _leading_comments(example_entries, index)
            line = _strip_blank_lines(entry.text)
            if key in db_values:
                line = _render_line(line, key, db_values[key])
            extra_lines.append(line if _EOL.search(line[-1:]) else line + newline)
    for key, value in db_values.items():
        if key in present or (allowed is not None and key.upper() not in allowed):
            continue
        present.add(key)
        appended.append(key)
        extra_lines.append(f"{key}={quote_value(value)}{newline}")
    if extra_lines:
        text_so_far = "".join(lines)
        if text_so_far and not text_so_far.endswith(("\n", "\r")):
            lines.append(newline)
        if text_so_far.strip() and not text_so_far.endswith(("\n\n", "\r\n\r\n")):
            lines.append(newline)
        source = f" from {example.name}" if base_is_target and example is not None else ""
        lines.append(f"{ADDED_MARKER}{source}{newline}")
        lines += extra_lines

    text = "".join(lines)
    new_values = _values(_parse(text, target, strict=False))
    misread = [
        key
        for key in present & db_values.keys()
        if allowed is None or key.upper() in allowed
        if new_values.get(key) != (target_values[key] if key in kept else db_values[key])
    ]
    if misread:
        raise _unreadable_after_merge(target, current_text, target_entries, misread[0])
    db_keys = [key for key in new_values if key in db_values]
    return EnvPlan(
        path=target,
        text=text,
        changed=current_bytes != text.encode("utf-8", errors="surrogateescape"),
        db_keys=db_keys,
        kept_user_values=kept,
        appended=appended,
        values=new_values,
    )


def _unreadable_after_merge(target: Path, text: str, entries: list[_Entry], key: str) -> DevdbError:
    """A line of the user's file python-dotenv cannot parse (an unclosed quote) would swallow
    the lines devdb writes after it: name that line rather than write a file that misreads."""
    offset = 0
    for entry in entries:
        if entry.binding.error:
            line = _line_of(text, offset + len(entry.text) - len(entry.text.lstrip()))
            return DevdbError(
                f"{target}:{line}: python-dotenv cannot parse this line, and {key} written "
                "after it would be read as part of it",
                "fix that line (KEY=value, quotes closed), then run devdb again",
            )
        offset += len(entry.text)
    return DevdbError(
        f"{target}: {key} would not read back as written",
        f"fix {target.name} (KEY=value lines, quotes closed), then run devdb again",
    )


def write_env_file(plan: EnvPlan) -> None:
    """Write `plan.text` atomically with mode 0600 (only when it changed)."""
    if not plan.changed:
        return
    import tempfile

    path = plan.path.resolve() if plan.path.is_symlink() else plan.path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(plan.text.encode("utf-8", errors="surrogateescape"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_env_values(path: Path, *, interpolate: bool = True) -> dict[str, str]:
    """The env file's values as the app sees them (python-dotenv; bare keys dropped)."""
    if not path.is_file():
        return {}
    values = dotenv_values(path, interpolate=interpolate, encoding="utf-8")
    return {key: value for key, value in values.items() if value is not None}


def ensure_gitignored(project_root: Path, relative: str) -> bool:
    """Make git ignore `relative` (the env file); True when .gitignore was changed.

    Asks `git check-ignore`; where git is missing or fails inside a repository, falls back
    to looking for the entry in .gitignore. Outside a git repository nothing is done.
    """
    import subprocess

    is_repo = (project_root / ".git").exists()
    try:
        result = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", "--", relative],
            cwd=project_root,
            capture_output=True,
            timeout=10,
            check=False,
        )
        code: int | None = result.returncode
    except (OSError, subprocess.TimeoutExpired):
        code = None
    if code == 0:
        return False
    entry = "/" + relative.replace(os.sep, "/").lstrip("/")
    gitignore = project_root / ".gitignore"
    existing = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    if code != 1:  # not a repository, or git unusable
        listed = {entry, entry.lstrip("/"), Path(relative).name}
        if not is_repo or any(line.strip() in listed for line in existing.splitlines()):
            return False
    separator = "" if not existing or existing.endswith("\n") else "\n"
    with gitignore.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}{entry}\n")
    return True


def is_tracked(project_root: Path, path: Path) -> bool:
    """True when git tracks `path` (a committed env file); False without git or a repository."""
    import subprocess

    if not path.is_file():
        return False
    try:
        result = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", str(path.resolve())],
            cwd=path.parent,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0
