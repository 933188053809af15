"""``.codeflash/experiments/rows.tsv``: which record (and which evidence) stands behind each row.

results.tsv keeps its 14 columns, so the link from a row to its sidecar lives
here: one line per recorded row, ``number<TAB>id<TAB>verdict line``, appended under
the ledger lock right after the row. HANDOFF.md reads it to say, for every row it
lists, which rule decided and whether the numbers were measured, typed or asserted.
Rows recorded before this file existed (or written by hand) have no line.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from codeflash_lab.workspace.experiment_record import experiments_dir
from codeflash_lab.workspace.handoff import fold_text
from codeflash_lab.workspace.layout import Workspace

__all__ = ["append_row_evidence", "read_row_evidence", "row_index_path"]


def row_index_path(ws: Workspace) -> Path:
    """``.codeflash/experiments/rows.tsv``."""
    return experiments_dir(ws) / "rows.tsv"


def append_row_evidence(ws: Workspace, number: int, record_id: str, label: str) -> None:
    """Add the line of row ``number`` (one ``write``, fsynced)."""
    path = row_index_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{number}\t{record_id}\t{fold_text(label)}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_row_evidence(ws: Workspace, numbers: Collection[int]) -> dict[int, tuple[str, str]]:
    """``{number: (record id, verdict line)}`` for the rows asked for (streamed; the
    last line of a number wins; unreadable lines are skipped)."""
    path = row_index_path(ws)
    wanted = set(numbers)
    out: dict[int, tuple[str, str]] = {}
    if not wanted or not path.is_file():
        return out
    with path.open("rb") as fh:
        for raw in fh:
            parts = raw.decode("utf-8", "replace").rstrip("\n").split("\t", 2)
            if len(parts) == 3 and parts[0].isdigit() and int(parts[0]) in wanted:
                out[int(parts[0])] = (parts[1], parts[2])
    return out
