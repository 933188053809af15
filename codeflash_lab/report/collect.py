"""Gather everything a report shows from a project's ``.codeflash/`` folder (I/O only).

Nothing here raises for a damaged or missing file: a problem becomes a line in
``ReportInputs.warnings`` and the report shows what it could read.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.errors import ResultsFormatError, WorkspaceError
from codeflash_lab.workspace.handoff import fold_text
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.methodology import lock_entries, methodology_markdown
from codeflash_lab.workspace.results import ResultsLog, read_results
from codeflash_lab.workspace.runs import load_runs
from codeflash_lab.workspace.setup_md import parse_setup_md

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReportInputs", "collect_inputs", "read_records"]

_HANDOFF_LIMIT = 20_000
#: Free-text columns of results.tsv, shown on one line each in tables and charts.
_FREE_TEXT = ("target_test", "description", "pattern", "status", "commit")
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"


@dataclass
class ReportInputs:
    """The raw material of a report, read from ``.codeflash/``."""

    workspace: Workspace
    log: ResultsLog
    frame: pd.DataFrame
    scan: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    compare: dict[str, Any] | None = None
    bench: dict[str, Any] | None = None
    sweep: dict[str, Any] | None = None
    lag: dict[str, Any] | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    environment_source: str = ""
    methodology: dict[str, Any] | None = None
    locks: list[dict[str, Any]] = field(default_factory=list)
    benches: list[dict[str, Any]] = field(default_factory=list)
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    setup: dict[str, str] = field(default_factory=dict)
    handoff: str = ""
    warnings: list[str] = field(default_factory=list)


def _folded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with control characters in its free text folded or escaped (``fold_text``)."""
    for column in _FREE_TEXT:
        if column not in frame.columns or frame[column].dtype != object:
            continue
        text = frame[column]
        mask = text.map(lambda v: isinstance(v, str)) & text.astype(str).str.contains(_CONTROL)
        if mask.any():
            frame.loc[mask, column] = text[mask].map(fold_text)
    return frame


def _latest(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    return runs[-1] if runs else None


def _read_text(path: Path, warnings: list[str], limit: int | None = None) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        warnings.append(f"{path.name} could not be read: {exc.strerror or exc}")
        return ""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "\n…"
    return text


def _json(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return doc if isinstance(doc, dict) else None


def read_records(ws: Workspace) -> dict[int, dict[str, Any]]:
    """Each results.tsv row's experiment record (sidecar), by row number.

    The row-to-record index ``experiments/rows.tsv`` (``number, id, verdict line``)
    is read first; a sidecar that names its row (``steps.row``) fills the gaps.
    Rows with neither have no entry. Unreadable files are skipped.
    """
    folder = ws.root / "experiments"
    if not folder.is_dir():
        return {}
    out: dict[int, dict[str, Any]] = {}
    for p in folder.glob("*.json"):
        doc = _json(p)
        row = (doc or {}).get("steps", {}).get("row") if doc else None
        if doc is not None and isinstance(row, int) and doc.get("state") != "rolled-back":
            out[row] = doc
    index = folder / "rows.tsv"
    try:
        lines = index.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split("\t", 2)
        if len(parts) >= 2 and parts[0].isdigit():
            doc = _json(folder / f"{parts[1]}.json")
            if doc is not None:
                out[int(parts[0])] = doc
    return out


def collect_inputs(project: Workspace | str | os.PathLike[str]) -> ReportInputs:
    """Read results.tsv, the latest runs of each kind, methodology, setup.md and HANDOFF.md.

    Args:
        project: a :class:`Workspace`, the project folder, or its ``.codeflash`` folder.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
    """
    from codeflash_lab.viz.data import experiments_frame, with_compare_percentiles

    if isinstance(project, Workspace):
        ws = project
    else:
        path = Path(project)
        ws = Workspace(path.parent if path.name == ".codeflash" else path)
    ws.require()
    warnings: list[str] = []
    try:
        log = read_results(ws.results_tsv, strict=False)
    except ResultsFormatError as exc:
        warnings.append(f"results.tsv could not be read, so no experiment is shown: {exc}")
        log = ResultsLog(path=ws.results_tsv, rows=())
    warnings.extend(f"results.tsv {w}; that cell is left blank" for w in log.warnings[:20])
    if len(log.warnings) > 20:
        warnings.append(f"… and {len(log.warnings) - 20} more non-numeric cells in results.tsv")
    runs = load_runs(ws)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in runs:
        by_kind.setdefault(str(doc.get("kind", "")), []).append(doc)
    frame = _folded(with_compare_percentiles(experiments_frame(log), by_kind.get("compare", [])))
    inputs = ReportInputs(
        workspace=ws,
        log=log,
        frame=frame,
        scan=_latest(by_kind.get("scan", [])),
        review=_latest(by_kind.get("review", [])),
        compare=_latest(by_kind.get("compare", [])),
        bench=_latest(by_kind.get("bench", [])),
        sweep=_latest(by_kind.get("sweep", [])),
        lag=_latest(by_kind.get("lag", [])),
        warnings=warnings,
    )
    measured = [
        d
        for d in runs
        if d.get("kind") in ("bench", "compare") and isinstance(d.get("environment"), dict)
    ]
    if measured:
        inputs.environment = dict(measured[-1]["environment"])
        inputs.environment_source = (
            f"{measured[-1].get('kind')} run {measured[-1].get('id', '')}".strip()
        )
    inputs.benches = by_kind.get("bench", [])
    inputs.records = read_records(ws)
    methodology_text = _read_text(ws.methodology_json, warnings)
    if methodology_text:
        try:
            data = json.loads(methodology_text)
            inputs.methodology = data if isinstance(data, dict) else None
            inputs.locks = lock_entries(ws)
        except (ValueError, WorkspaceError) as exc:
            warnings.append(f"methodology.json is not readable ({exc}); methodology not shown")
    inputs.setup = parse_setup_md(_read_text(ws.setup_md, warnings))
    inputs.handoff = _with_lock(_read_text(ws.handoff_md, warnings, _HANDOFF_LIMIT), ws)
    return inputs


_LOCK_SECTION = re.compile(r"(^## Locked methodology[ \t]*\n)(.*?)(?=^## |\Z)", re.M | re.S)


def _with_lock(handoff: str, ws: Workspace) -> str:
    """HANDOFF.md as shown: its lock section read from methodology.json, the one source,
    even when the file on disk was written before the lock."""
    if not handoff:
        return handoff
    try:
        body = methodology_markdown(ws)
    except WorkspaceError:
        return handoff
    if body is None:
        return handoff
    return _LOCK_SECTION.sub(lambda m: f"{m.group(1)}\n{body}\n\n", handoff, count=1)
