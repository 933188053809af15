"""Scanner precision on public async applications, judged by hand.

Each application in ``scan_labels/apps.tsv`` is fetched as a pinned sdist (``pip download
--no-binary :all: --no-deps name==version``) into a work folder, never into the
repository, and scanned as a new user would (default view: test files and low-confidence
findings hidden; their counts are printed). A seeded random sample of the shown findings,
stratified by category (up to ``--per-category`` each), is looked up in
``scan_labels/labels.tsv`` (``app, file:line, code, TP|FP, reason``). A sampled finding
without a label fails the run and is printed with its context, so new findings get judged.

Precision is printed per category (goal >= 0.8 where >= 5 were sampled) and overall, both
as sampled and weighted by each category's share of the shown findings (goal >= 0.85).
The held-out application is scored apart with ``--held-out``, once, at the end. The
held-out apps so far, each scored once and then moved to the tuned set: datasette,
gns3-server, pantalaimon, jupyter-server, jupyterhub, then heisenbridge with slack-machine,
uvicorn with lona and appdaemon with aiohttp-devtools (each pair scored together). The next
one is pinned in ``apps.tsv`` before it is scanned.

Run: ``.venv/bin/python benchmarks/scan_real_apps.py [--held-out] [--seed N] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from codeflash_lab.scan import Finding, scan_paths

LABELS = Path(__file__).resolve().parent / "scan_labels"


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return rows[1:]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def dist_matches(stem: str, name: str, version: str) -> bool:
    """True when ``stem`` (an sdist's file name without ``.tar.gz``, or the folder it
    unpacks to) is ``name``-``version``, with the name spelt either way: normalised as
    PEP 625 asks (``aiohttp_devtools-1.1.2``) or in the older hyphen form
    (``aiohttp-devtools-1.1.2``), in any case."""
    suffix = f"-{version}".lower()
    return stem.lower().endswith(suffix) and _normal(stem[: -len(suffix)]) == _normal(name)


def _archive_stem(path: Path) -> str | None:
    return path.name[: -len(".tar.gz")] if path.name.lower().endswith(".tar.gz") else None


def fetch(name: str, version: str, workdir: Path) -> Path | str:
    """The extracted sdist folder, or the reason it could not be had."""
    for candidate in workdir.iterdir():
        if candidate.is_dir() and dist_matches(candidate.name, name, version):
            return candidate
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
         "--quiet", "-d", str(workdir), f"{name}=={version}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    archive = next(
        (
            a
            for a in sorted(workdir.iterdir())
            if (stem := _archive_stem(a)) is not None and dist_matches(stem, name, version)
        ),
        None,
    )
    if proc.returncode != 0 or archive is None:
        return f"not fetched ({proc.stderr.strip().splitlines()[-1:] or 'no sdist'})"
    with tarfile.open(archive) as tar:
        tops = {m.name.split("/", 1)[0] for m in tar.getmembers() if m.name.strip("/")}
        tar.extractall(workdir, filter="data")
    found = [workdir / t for t in sorted(tops) if (workdir / t).is_dir()]
    return found[0] if len(found) == 1 else f"sdist {archive.name} has no single top folder"


def context(f: Finding, radius: int = 4) -> str:
    lines = Path(f.path).read_text(encoding="utf-8", errors="replace").splitlines()
    lo, hi = max(0, f.line - 1 - radius), min(len(lines), f.line + radius)
    return "\n".join(
        f"      {n + 1:5d}{'>' if n + 1 == f.line else ' '} {lines[n]}" for n in range(lo, hi)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held-out", action="store_true", help="score the held-out app(s)")
    parser.add_argument("--seed", type=int, default=15, help="sampling seed")
    parser.add_argument("--per-category", type=int, default=10, help="sample size per category")
    parser.add_argument("--workdir", default=None, help="where sdists are kept")
    args = parser.parse_args()
    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / "codeflash-real-apps")
    workdir.mkdir(parents=True, exist_ok=True)
    role = "held-out" if args.held_out else "tuned"
    labels = {(r[0], r[1], r[2]): (r[3], r[4]) for r in _rows(LABELS / "labels.tsv")}

    shown: list[tuple[str, str, Finding]] = []
    hidden_tests = hidden_low = files = 0
    print(f"applications ({role}):")
    for name, version, app_role, scan in _rows(LABELS / "apps.tsv"):
        if app_role != role:
            continue
        folder = fetch(name, version, workdir)
        if isinstance(folder, str):
            print(f"  {name}=={version}: skipped: {folder}")
            continue
        result = scan_paths([folder / scan], cache=False)
        files += result.files_scanned
        hidden_tests += result.hidden_tests
        hidden_low += result.hidden_low
        print(
            f"  {name}=={version}: {result.files_scanned} files, {len(result.findings)} shown, "
            f"{result.hidden_tests} hidden in tests, {result.hidden_low} hidden as low confidence"
        )
        for f in result.findings:
            shown.append((name, f"{Path(f.path).relative_to(folder).as_posix()}:{f.line}", f))
    by_cat: dict[str, list[tuple[str, str, Finding]]] = defaultdict(list)
    for item in shown:
        by_cat[item[2].category].append(item)
    rng = random.Random(args.seed)
    sample: list[tuple[str, str, Finding]] = []
    for cat in sorted(by_cat):
        items = sorted(by_cat[cat], key=lambda i: (i[0], i[1], i[2].code))
        sample += rng.sample(items, min(args.per_category, len(items)))
    missing = [s for s in sample if (s[0], s[1], s[2].code) not in labels]
    if missing:
        print(f"\n{len(missing)} sampled findings have no label; judge them in labels.tsv:")
        for app, where, f in missing:
            print(f"{app}\t{where}\t{f.code}\t?\t{f.confidence}: {f.message[:110]}")
            print(context(f))
        return 2
    if not sample:
        why = "no findings shown" if files else f"no application with role {role} was scanned"
        print(f"\nnothing to score: {why}; precision not computed")
        return 0 if files else 2
    tp: Counter[str] = Counter()
    n: Counter[str] = Counter()
    for app, where, f in sample:
        n[f.category] += 1
        tp[f.category] += labels[(app, where, f.code)][0] == "TP"
    print(
        f"\nsample: seed {args.seed}, up to {args.per_category} per category, {len(sample)} judged"
    )
    print(f"{'category':<22} {'shown':>5} {'sampled':>7} {'TP':>4} {'precision':>9}")
    ok = True
    for cat in sorted(n):
        p = tp[cat] / n[cat]
        flag = "" if n[cat] < 5 or p >= 0.8 else "  below 0.8"
        ok = ok and not flag
        print(f"{cat:<22} {len(by_cat[cat]):>5} {n[cat]:>7} {tp[cat]:>4} {p:>9.2f}{flag}")
    raw = sum(tp.values()) / max(1, sum(n.values()))
    weighted = sum(len(by_cat[c]) * tp[c] / n[c] for c in n) / max(1, len(shown))
    ok = ok and weighted >= 0.85
    print(f"precision over the sample: {raw:.2f}; weighted by category share: {weighted:.2f} "
          "(goal >= 0.85)")  # fmt: skip
    judged = [(a, w, f) for a, w, f in shown if (a, w, f.code) in labels]
    if judged:
        good = sum(labels[(a, w, f.code)][0] == "TP" for a, w, f in judged)
        print(
            f"all shown findings with a label: {len(judged)} of {len(shown)}, precision "
            f"{good / len(judged):.2f} (information: beyond the sample)"
        )
    print(
        f"hidden by the defaults: {hidden_tests} findings in test files, {hidden_low} at low "
        f"confidence ({files} files scanned, {len(shown)} findings shown)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
