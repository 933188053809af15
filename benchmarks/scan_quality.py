"""Scanner quality on the annotated sample corpus, and agreement with ruff and flake8-async.

Prints precision and recall per category over ``tests/scan_cases`` (expected findings are
the ``# expect: CODE`` comments), then checks that every blocking-call and dangling-task
finding of ``ruff check --select ASYNC,RUF006`` (with preview rules) on the same files is
also found by codeflash-lab. Lines marked ``# linter-false-positive: why`` are known false
alarms of those linters and are listed apart. flake8-async's findings are compared too,
for information (its ASYNC232 reports each method call on a file object we report at
``open()``).

Run: ``.venv/bin/python benchmarks/scan_quality.py [FOLDER]``
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from codeflash_lab.categories import SLUGS
from codeflash_lab.scan import RULES, scan_paths

ROOT = Path(__file__).resolve().parent.parent
_CODE = r"CFL\d{3}(?:/(?:high|medium|low))?"
_EXPECT = re.compile(rf"#\s*expect:\s*(?P<codes>{_CODE}(?:\s*,\s*{_CODE})*)")
#: External rule codes that belong to our blocking-call and dangling-task categories.
_BLOCKING = re.compile(r"ASYNC(2[0-5]\d)$")
_DANGLING = {"RUF006", "ASYNC300"}


def expected(folder: Path) -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted(folder.glob("*.py")):
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = _EXPECT.search(text)
            if m:
                for code in m.group("codes").split(","):
                    out.add((path.name, n, RULES[code.strip().partition("/")[0]].category))
    return out


def _category(code: str) -> str | None:
    if code in _DANGLING:
        return "dangling-task"
    return "blocking-call" if _BLOCKING.match(code) else None


def ruff_findings(folder: Path) -> set[tuple[str, int, str]]:
    """``(file, line, category)`` of ruff's blocking-call and dangling-task findings."""
    venv_bin = Path(sys.executable).parent
    ruff = shutil.which("ruff", path=str(venv_bin)) or shutil.which("ruff")
    if not ruff:
        print("ruff not found: comparison skipped")
        return set()
    proc = subprocess.run(
        [ruff, "check", "--isolated", "--preview", "--select", "ASYNC,RUF006",
         "--output-format", "json", "--exit-zero", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = set()
    for item in json.loads(proc.stdout or "[]"):
        cat = _category(item["code"] or "")
        if cat:
            found.add((Path(item["filename"]).name, item["location"]["row"], cat))
    return found


def flake8_async_findings(folder: Path) -> set[tuple[str, int, str]]:
    """The same for flake8-async (2xx blocking calls, ASYNC300)."""
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "ASYNC",
         "--format", "%(path)s:%(row)d:%(code)s", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = set()
    for line in proc.stdout.splitlines():
        path, row, code = line.rsplit(":", 2)
        cat = _category(code)
        if cat:
            found.add((Path(path).name, int(row), cat))
    return found


def known_linter_false_positives(folder: Path) -> dict[tuple[str, int], str]:
    out = {}
    for path in sorted(folder.glob("*.py")):
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            m = re.search(r"#\s*linter-false-positive:\s*(.+)$", text)
            if m:
                out[(path.name, n)] = m.group(1).strip()
    return out


def compare(label: str, external: set, ours: set, known: dict) -> int:
    missed = sorted(f for f in external - ours if f[:2] not in known)
    excused = sorted(f for f in external - ours if f[:2] in known)
    print(
        f"{label}: {len(external)} blocking/dangling findings; also found by codeflash-lab: "
        f"{len(external - set(missed) - set(excused))}; known linter false alarms: "
        f"{len(excused)}; missed: {len(missed)}"
    )
    for name, line, _ in excused:
        print(f"  not reported on purpose at {name}:{line}: {known[(name, line)]}")
    for name, line, cat in missed:
        print(f"  missed {cat} at {name}:{line}")
    return len(missed)


def main(folder: Path) -> int:
    result = scan_paths([folder], cache=False, min_confidence="low")
    low = sum(f.confidence == "low" for f in result.findings)
    print(f"(every confidence counts here; {low} of the findings are low confidence)")
    ours = {(Path(f.path).name, f.line, f.category) for f in result.findings}
    want = expected(folder)
    tp = Counter(c for _, _, c in ours & want)
    fp = Counter(c for _, _, c in ours - want)
    fn = Counter(c for _, _, c in want - ours)
    print(f"Sample corpus: {folder} ({result.files_scanned} files, {len(want)} expected findings)")
    print(f"{'category':<22} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
    worst = 1.0
    for slug in SLUGS:
        t, p, n = tp[slug], fp[slug], fn[slug]
        precision = t / (t + p) if t + p else 1.0
        recall = t / (t + n) if t + n else 1.0
        worst = min(worst, precision, recall)
        print(f"{slug:<22} {t:>4} {p:>4} {n:>4} {precision:>10.2f} {recall:>8.2f}")
    print(f"lowest precision/recall: {worst:.2f} (goal: >= 0.90)")
    known = known_linter_false_positives(folder)
    ruff = ruff_findings(folder)
    # A finding also covers its related lines (each use of one file object, listed at open()).
    covered = ours | {
        (Path(f.path).name, n, f.category) for f in result.findings for n in f.related
    }
    missed = compare("ruff ASYNC + RUF006", ruff, covered, known)
    compare("flake8-async (information)", flake8_async_findings(folder), covered, known)
    extra = {(n, line, c) for n, line, c in ours if c in ("blocking-call", "dangling-task")}
    print(f"blocking/dangling findings ruff does not report: {len(extra - ruff)}")
    return 0 if not missed and worst >= 0.9 else 1


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "scan_cases"
    raise SystemExit(main(target))
