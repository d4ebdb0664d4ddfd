"""The labelled migration corpus: every rule has an unsafe case and a safe twin.

Each file in tests/lint_corpus/ starts with `# expect: DD201,DD204` (or `# expect: none`).
A code found but not expected is a false positive, an expected code not found a miss;
both fail. `pytest -s tests/test_lint_corpus.py` (or bench/lint_corpus_report.py) prints
per-rule precision and recall.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from devdb.lint import RULES, LintConfig, format_report, lint_files

CORPUS = Path(__file__).parent / "lint_corpus"
# The files are linted without a project around them: the dimension is given.
CONFIG = LintConfig(embedding_dim=384, embedding_dim_source="the corpus config")
# Checked once per project (env.py), not per file: covered by test_lint_real.py.
PROJECT_RULES = {"DD210"}
_EXPECT = re.compile(r"^#\s*expect:\s*(?P<codes>.*)$")


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.py"))


def expected_codes(path: Path) -> set[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = _EXPECT.match(first)
    assert m, f"{path.name}: first line must be `# expect: CODES` or `# expect: none`"
    codes = m.group("codes").strip()
    return set() if codes == "none" else {c.strip() for c in codes.split(",")}


@dataclass
class Scores:
    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]

    def precision(self, code: str) -> float:
        found = self.tp[code] + self.fp[code]
        return self.tp[code] / found if found else 1.0

    def recall(self, code: str) -> float:
        wanted = self.tp[code] + self.fn[code]
        return self.tp[code] / wanted if wanted else 1.0


@cache
def corpus_results() -> dict[str, tuple[set[str], set[str]]]:
    """file name -> (expected codes, found codes), linting the corpus like `--all`."""
    files = corpus_files()
    report = lint_files(files, CONFIG, all_revision_files=files)
    found: dict[str, set[str]] = {p.name: set() for p in files}
    for f in report.findings:
        found[Path(f.path).name].add(f.code)
    return {p.name: (expected_codes(p), found[p.name]) for p in files}


def score(results: dict[str, tuple[set[str], set[str]]]) -> Scores:
    s = Scores(Counter(), Counter(), Counter())
    for expected, found in results.values():
        for code in expected & found:
            s.tp[code] += 1
        for code in found - expected:
            s.fp[code] += 1
        for code in expected - found:
            s.fn[code] += 1
    return s


def score_table(results: dict[str, tuple[set[str], set[str]]]) -> str:
    s = score(results)
    rows = [f"{'code':<6} {'TP':>3} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>6}  title"]
    for code, info in RULES.items():
        rows.append(
            f"{code:<6} {s.tp[code]:>3} {s.fp[code]:>3} {s.fn[code]:>3} "
            f"{s.precision(code):>9.2f} {s.recall(code):>6.2f}  {info.title}"
        )
    tp, fp, fn = sum(s.tp.values()), sum(s.fp.values()), sum(s.fn.values())
    micro_p = tp / (tp + fp) if tp + fp else 1.0
    micro_r = tp / (tp + fn) if tp + fn else 1.0
    safe = [n for n, (e, _) in results.items() if "_safe_" in n or "_base_" in n]
    safe_fp = sum(1 for n in safe if results[n][1] - results[n][0])
    rows.append(
        f"all    {tp:>3} {fp:>3} {fn:>3} {micro_p:>9.2f} {micro_r:>6.2f}  "
        f"({len(results)} files, {safe_fp} of {len(safe)} safe twins with a false positive)"
    )
    return "\n".join(rows)


def test_corpus_is_big_enough_and_covers_every_rule() -> None:
    files = corpus_files()
    assert len(files) >= 40
    unsafe_codes = set().union(*(expected_codes(p) for p in files if "_unsafe_" in p.name))
    safe_prefixes = {p.name.split("_")[0].upper() for p in files if "_safe_" in p.name}
    for code in set(RULES) - PROJECT_RULES:
        assert code in unsafe_codes, f"no unsafe corpus case expects {code}"
        assert code in safe_prefixes, f"no safe twin ({code.lower()}_safe_*.py) for {code}"


@pytest.mark.parametrize("name", [p.name for p in corpus_files()])
def test_corpus_file(name: str) -> None:
    expected, found = corpus_results()[name]
    if expected != found:
        report = lint_files([CORPUS / name], CONFIG, all_revision_files=corpus_files())
        detail = format_report(report, "text")
        pytest.fail(
            f"{name}: false positives {sorted(found - expected)}, "
            f"missed {sorted(expected - found)}\n{detail}"
        )


def test_corpus_precision_recall() -> None:
    results = corpus_results()
    print("\n" + score_table(results))
    s = score(results)
    assert not s.fp and not s.fn
