"""Print the lint corpus's per-rule precision/recall table.

.venv/bin/python bench/lint_corpus_report.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_lint_corpus import corpus_results, score_table

if __name__ == "__main__":
    print(score_table(corpus_results()))
