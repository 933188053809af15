"""Finishing or rolling back records an interrupted run left behind, and keep commits without a row.

``record`` and ``status`` call :func:`recover` under the ledger lock before anything
else: an entry whose keep commit landed (found by its ``Codeflash-Experiment`` trailer
even when the journal never saw it) is finished, its row appended unless results.tsv
already holds it; one whose commit never landed is rolled back. :func:`orphan_commits`
reports keep commits that no record accounts for (the journal itself was lost).
"""

from __future__ import annotations

from dataclasses import replace

from codeflash_lab._git import is_git_repo, run_git
from codeflash_lab.experiments.ledger_scan import LedgerDigest, scan_ledger
from codeflash_lab.experiments.record_txn import (
    TRAILER,
    append,
    experiment_of,
    finish,
    refresh,
    with_commit,
)
from codeflash_lab.workspace.experiment_record import (
    ExperimentRecord,
    experiments_dir,
    finish_record,
    pending_dir,
    pending_records,
    write_pending,
)
from codeflash_lab.workspace.handoff import fold_text
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import count_rows, row_line

__all__ = ["find_commit", "orphan_commits", "recover"]


def find_commit(ws: Workspace, record_id: str, limit: int = 50) -> str | None:
    if not is_git_repo(ws.project):
        return None
    fmt = f"--format=%H%x1f%(trailers:key={TRAILER},valueonly,separator=%x2C)"
    out = run_git(["log", f"-{limit}", fmt], ws.project, check=False)
    for line in out.splitlines():
        sha, _, ids = line.partition("\x1f")
        if record_id in [i.strip() for i in ids.split(",")]:
            return sha
    return None


def _row_number(ws: Workspace, record: ExperimentRecord) -> int | None:
    """The number of the record's row if results.tsv already holds it.

    Every record recovers leftovers before it appends, so a row the interrupted record
    wrote is still the last one: only the end of the file is read.
    """
    path = ws.results_tsv
    if not path.exists():
        return None
    wanted = row_line(experiment_of(record)).rstrip("\n").encode("utf-8")
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 65536))
        lines = [line for line in fh.read().split(b"\n") if line.strip()]
    if lines and lines[-1].rstrip(b"\r") == wanted:
        return count_rows(path)
    return None


def _still_staged(ws: Workspace, files: tuple[str, ...]) -> list[str]:
    if not files or not is_git_repo(ws.project):
        return []
    top = run_git(["rev-parse", "--show-toplevel"], ws.project).strip()
    out = run_git(["diff", "--cached", "--name-only", "-z"], top, check=False)
    return sorted(set(out.split("\0")) & set(files))


def _drop_temp_files(ws: Workspace) -> None:
    """Temp files of atomic writes a kill cut short (safe under the ledger lock, which also
    holds HANDOFF.md's: nobody else is writing them)."""
    for folder, pattern in (
        (pending_dir(ws), ".tmp-*.json"),
        (experiments_dir(ws), ".tmp-*.json"),
        (ws.root, ".tmp-*.md"),
    ):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)


def recover(ws: Workspace) -> list[str]:
    """Finish or roll back the journal entries left behind (call under :func:`ledger_lock`).

    Temp files of atomic writes a kill cut short are removed. An entry whose keep commit
    never landed is rolled back (its sidecar says so); any other is finished: the commit is found by its trailer, the row appended unless it is
    there, HANDOFF.md rebuilt. Returns one line per entry.
    """
    lines: list[str] = []
    _drop_temp_files(ws)
    for record in pending_records(ws):
        if record.extra.get("commits") and not record.steps.get("commit"):
            sha = find_commit(ws, record.id)
            if sha is None:
                finish_record(ws, replace(record, state="rolled-back"))
                staged = _still_staged(ws, record.files)
                note = f"; still staged: {', '.join(staged)}" if staged else ""
                lines.append(
                    f"[recovered] record {record.id} ({fold_text(record.description)}) rolled "
                    f"back: its keep commit never landed{note}"
                )
                continue
            record = with_commit(record, sha).step(commit=sha)
            write_pending(ws, record)
        digest: LedgerDigest | None = None
        if not record.steps.get("row"):
            number = _row_number(ws, record)
            if number is not None:
                record = record.step(row=number)
            else:
                digest = scan_ledger(ws.results_tsv, strict=False)
                record = append(ws, record, digest)
        digest = digest or scan_ledger(ws.results_tsv, strict=False)
        record = refresh(ws, record, digest)
        finish(ws, record)
        lines.append(
            f"[recovered] experiment {record.steps['row']} ({fold_text(record.description)}): "
            "finished the record an interrupted run left behind"
        )
    return lines


def orphan_commits(ws: Workspace, limit: int = 20) -> list[str]:
    """Keep commits (with a ``Codeflash-Experiment`` trailer) that no record accounts for."""
    if not is_git_repo(ws.project):
        return []
    fmt = f"--format=%h%x1f%(trailers:key={TRAILER},valueonly,separator=%x2C)"
    out = run_git(["log", f"-{limit}", "--abbrev=12", fmt], ws.project, check=False)
    lines = []
    for line in out.splitlines():
        sha, _, ids = line.partition("\x1f")
        for rid in (i.strip() for i in ids.split(",") if i.strip()):
            known = (experiments_dir(ws) / f"{rid}.json").exists() or (
                pending_dir(ws) / f"{rid}.json"
            ).exists()
            if not known:
                lines.append(
                    f"[ledger] keep commit {sha} ({TRAILER}: {rid}) has no row in results.tsv "
                    f"and no record: record it with 'codeflash-lab record --commit {sha} ...' "
                    "and its numbers, or revert it"
                )
    return lines
