"""lint_files: read, render, replay history, run the rules, apply suppressions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devdb.errors import DevdbError
from devdb.lint.context import FILE_CHECKS, STMT_CHECKS, FileCtx
from devdb.lint.history import RevisionGraph
from devdb.lint.model import RULES, Finding, LintConfig, LintReport, Suppressed
from devdb.lint.pysource import PySource, read_source
from devdb.lint.schema import Schema
from devdb.lint.sqlrender import Chunk, Rendered, render_upgrade
from devdb.lint.sqlrules import ParseError, Stmt, ename, kind, names, parse_chunks, relname


@dataclass
class _Prepared:
    stmts: list[Stmt] = field(default_factory=list)
    rendered: Rendered | None = None
    parse_errors: list[ParseError] = field(default_factory=list)
    skipped: str | None = None  # why upgrade() was not run

    @property
    def complete(self) -> bool:
        r = self.rendered
        return r is not None and r.error is None and not self.parse_errors


# Runs a migration on a scratch database at its down_revision: (file, ancestors in order)
# -> what it executed; None when no database is available.
LiveRunner = Callable[[Path, list[Path]], Rendered | None]


class _Linter:
    def __init__(
        self, config: LintConfig, sources: dict[Path, PySource], live: LiveRunner | None = None
    ) -> None:
        self.config = config
        self.live = live
        self.no_database = False
        self.sources = sources
        self.graph = RevisionGraph(sources)
        self.prepared: dict[Path, _Prepared] = {}
        self.after: dict[Path, Schema] = {}
        # Tables created by unreleased revisions up to and including this one.
        self.fresh_after: dict[Path, set[str]] = {}
        self.complete: dict[Path, bool] = {}
        self.initial = Schema(
            tables={t.lower() for t in (config.existing_tables or set())},
            extensions={e.lower() for e in config.preinstalled_extensions},
        )

    def prepare(self, path: Path, before: Schema | None = None) -> _Prepared:
        """Render and parse upgrade(); `before` (the schema earlier revisions leave) answers
        the inspector of migrations that look at the database first."""
        cached = self.prepared.get(path)
        if cached is not None:
            return cached
        src = self.sources[path]
        prep = _Prepared()
        if src.syntax_error:
            prep.skipped = "syntax error"
        elif src.external_calls:
            # Never run code that talks to the outside world just to lint it.
            prep.skipped = "it calls external services"
        else:
            prep.rendered = render_upgrade(
                path, self.config.import_paths, _schema_at(before or self.initial)
            )
            if prep.rendered.error and not prep.rendered.import_failed:
                prep.rendered = self._run_live(path) or prep.rendered
            prep.stmts, prep.parse_errors = parse_chunks(prep.rendered.chunks)
        self.prepared[path] = prep
        return prep

    def _run_live(self, path: Path) -> Rendered | None:
        if self.live is None or self.no_database:
            return None
        ancestry = self.graph.ancestors(path)
        if not ancestry.complete:
            return None
        result = self.live(path, ancestry.order)
        if result is None:
            self.no_database = True  # asked once per run
        return result

    def _ensure(self, target: Path) -> None:
        """Compute schema-after and history-complete for `target` and its ancestors.

        Iterative post-order over the revision graph with memoisation: a linear chain of
        n revisions costs O(n) in total, not O(n) per linted file.
        """
        stack: list[tuple[Path, bool]] = [(target, False)]
        pending: set[Path] = set()
        while stack:
            node, ready = stack.pop()
            if node in self.after:
                continue
            parents, known = self.graph.parents(node)
            if not ready:
                if node in pending:
                    continue  # a cycle in down_revision: stop here
                pending.add(node)
                stack.append((node, True))
                stack.extend((p, False) for p in parents if p not in self.after)
                continue
            self.after[node] = self._after(node, parents)
            self.fresh_after[node] = self._fresh_after(node, parents)
            self.complete[node] = known and all(
                self.complete.get(p, False)
                and self.prepare(p).complete
                and not self.sources[p].syntax_error
                for p in parents
            )

    def _after(self, node: Path, parents: list[Path]) -> Schema:
        schema = self._before(node, parents)
        for stmt in self.prepare(node, schema.copy()).stmts:
            schema.apply(stmt.node)
        return schema

    def _fresh_before(self, parents: list[Path]) -> set[str]:
        return set().union(*(self.fresh_after.get(p, set()) for p in parents))

    def _fresh_after(self, node: Path, parents: list[Path]) -> set[str]:
        if self.sources[node].revision not in self.config.unreleased_revisions:
            return set()
        fresh = self._fresh_before(parents)
        for stmt in self.prepare(node).stmts:
            _track_new_tables(stmt, fresh, None)
        return fresh

    def _before(self, node: Path, parents: list[Path]) -> Schema:
        if len(parents) == 1 and parents[0] in self.after:
            return self.after[parents[0]].copy()
        if not parents:
            return self.initial.copy()
        # A merge point (rare): replay every ancestor once, parents first.
        schema = self.initial.copy()
        for anc in self.graph.ancestors(node).order:
            for stmt in self.prepare(anc).stmts:
                schema.apply(stmt.node)
        return schema

    def schema_before(self, path: Path) -> tuple[Schema, bool]:
        """The schema earlier revisions leave behind, and whether that history is complete
        (reaches the base, every revision known and rendered to the end)."""
        parents, known = self.graph.parents(path)
        for p in parents:
            self._ensure(p)
        complete = known and all(
            self.complete.get(p, False) and self.prepare(p).complete for p in parents
        )
        return self._before(path, parents), complete

    def lint(self, path: Path, shown: str) -> tuple[list[Finding], list[Suppressed]]:
        src = self.sources[path]
        ctx = FileCtx(path=shown, src=src, config=self.config, schema=Schema())
        if src.syntax_error:
            where = f" (line {src.syntax_error_line})" if src.syntax_error_line else ""
            ctx.add("DD003", src.syntax_error_line, f"{src.syntax_error}{where}")
            return ctx.findings, []
        if src.revision is None and src.upgrade is None:
            return [], []  # not a migration (a helper module next to the revisions)
        ctx.schema, ctx.history_complete = self.schema_before(path)
        prep = self.prepare(path, ctx.schema.copy())
        ctx.new_tables = self._fresh_before(self.graph.parents(path)[0])
        ctx.rendered = prep.rendered
        ctx.rendered_ok = prep.complete
        ctx.stmts = prep.stmts
        _walk(ctx)
        for check in FILE_CHECKS:
            check(ctx)
        _render_findings(ctx, prep, self.live is None or self.no_database)
        return _apply_suppressions(ctx, prep)


def _schema_at(before: Schema) -> Callable[[list[Chunk]], Schema]:
    def schema_at(chunks: list[Chunk]) -> Schema:
        schema = before.copy()
        for stmt in parse_chunks(chunks)[0]:
            schema.apply(stmt.node)
        return schema

    return schema_at


def _track_new_tables(stmt: Stmt, new_tables: set[str], schema: Schema | None) -> None:
    node, k = stmt.node, kind(stmt.node)
    if k == "CreateStmt":
        table = relname(node.relation)
        if not (node.if_not_exists and schema is not None and table in schema.tables):
            new_tables.add(table)
    elif k == "RenameStmt" and ename(node.renameType) == "OBJECT_TABLE":
        if relname(node.relation) in new_tables:
            new_tables.add(str(node.newname).lower())
    elif k == "DropStmt" and ename(node.removeType) == "OBJECT_TABLE":
        for obj in node.objects or ():
            new_tables.discard(names(obj)[-1])


def _walk(ctx: FileCtx) -> None:
    in_txn = True
    for stmt in ctx.stmts:
        stmt.in_transaction = in_txn
        for check in STMT_CHECKS:
            check(ctx, stmt)
        node = stmt.node
        if kind(node) == "TransactionStmt":
            tk = ename(node.kind)
            if tk in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                in_txn = True
            elif tk in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                in_txn = False
        _track_new_tables(stmt, ctx.new_tables, ctx.schema)
        ctx.schema.apply(node)


def _render_findings(ctx: FileCtx, prep: _Prepared, no_database: bool) -> None:
    if prep.skipped:
        ctx.add("DD004", None, f"upgrade() not rendered: {prep.skipped}; SQL checks skipped")
    r = prep.rendered
    if r is not None and r.error:
        explained = {f.line for f in ctx.findings if f.code in ("DD402", "DD305")}
        pgvector_gap = "DD305" in {f.code for f in ctx.findings} and "NameError" in r.error
        if r.error_line not in explained and not pgvector_gap:
            if r.import_failed:
                message = f"importing the module failed: {r.error}"
            elif r.ran_on_database:
                message = f"upgrade() cannot be rendered offline and {r.error}"
            else:
                if "OfflineBind" in r.error or "OfflineInspector" in r.error:
                    message = (
                        "upgrade() reads from the database in a way devdb cannot answer "
                        f"offline ({r.error})"
                    )
                else:
                    message = f"upgrade() raised {r.error} when rendered offline"
                message += "; statements after this line not checked"
                if r.stubbed and "StubUsedAsValue" not in r.error:
                    message += f" (not installed here: {', '.join(r.stubbed)})"
                if no_database:
                    message += "; with the dev database up (devdb up) it is run on a scratch copy"
            ctx.add("DD004", r.error_line, message)
    for err in prep.parse_errors:
        snippet = " ".join(err.sql.split())[:60]
        ctx.add("DD005", err.line, f"PostgreSQL's parser rejects `{snippet}`: {err.message}")


def _apply_suppressions(ctx: FileCtx, prep: _Prepared) -> tuple[list[Finding], list[Suppressed]]:
    meta: list[Finding] = []
    honoured = []
    saved = ctx.findings
    ctx.findings = meta
    for s in ctx.src.suppressions:
        if s.malformed:
            ctx.add("DD001", s.line, "malformed: write `# devdb: ignore DD204 -- reason`")
            continue
        unknown = [c for c in s.codes if c not in RULES]
        if unknown:
            ctx.add("DD002", s.line, f"unknown rule code(s) {', '.join(unknown)}")
        if not s.codes:
            ctx.add("DD001", s.line, "ignore[] names no rule code: not honoured")
        elif not s.reason:
            ctx.add("DD001", s.line, f"ignore[{','.join(s.codes)}] has no reason: not honoured")
        else:
            honoured.append(s)
    ctx.findings = saved
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for f in ctx.findings:
        match = next(
            (
                s
                for s in honoured
                if f.code in s.codes
                and (s.first is None or (f.line is not None and s.first <= f.line <= (s.last or 0)))
            ),
            None,
        )
        if match is not None:
            suppressed.append(Suppressed(f.code, f.path, f.line, match.reason))
        else:
            kept.append(f)
    if prep.skipped and any(f.code == "DD105" for f in kept):
        # DD105 already says the SQL was not checked.
        kept = [f for f in kept if not (f.code == "DD004" and f.line is None)]
    return kept + meta, suppressed


def revision_files(paths: list[Path]) -> dict[str, Path]:
    """revision id -> file, read with ast only (nothing imported or run)."""
    out: dict[str, Path] = {}
    for p in paths:
        rev = read_source(Path(p)).revision
        if rev:
            out.setdefault(rev, Path(p))
    return out


def lint_files(
    paths: list[Path],
    config: LintConfig,
    *,
    all_revision_files: list[Path] | None = None,
    progress: Callable[[str], None] | None = None,
    live: LiveRunner | None = None,
) -> LintReport:
    """Lint migration files. `all_revision_files` (every file in the versions directory)
    tells what earlier revisions created: tables, columns, indexes, extensions. `live` runs
    a migration offline rendering cannot handle on a scratch database instead."""
    for p in paths:
        if not Path(p).is_file():
            raise DevdbError(f"no such migration file: {p}", "check the path or revision id")
    shown = {Path(p).resolve(): str(p) for p in reversed(paths)}
    targets = list(dict.fromkeys(Path(p).resolve() for p in paths))
    others = [Path(p).resolve() for p in all_revision_files or []]
    universe = list(dict.fromkeys([*targets, *others]))
    sources = {p: read_source(p) for p in universe if p.is_file()}
    linter = _Linter(config, sources, live)
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    for path in targets:
        if progress is not None:
            progress(f"linting {shown[path]}")
        found, hidden = linter.lint(path, shown[path])
        findings.extend(found)
        suppressed.extend(hidden)
    findings.sort(key=lambda f: (f.path, f.line or 0, f.code))
    return LintReport(
        findings=findings, files=[shown[p] for p in targets], suppressed_findings=suppressed
    )
