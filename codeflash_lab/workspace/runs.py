"""``.codeflash/runs/``: one JSON file per measurement, written atomically, never edited."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codeflash_lab.workspace.layout import Workspace

__all__ = ["RUN_SCHEMA_VERSION", "load_runs", "save_run"]

RUN_SCHEMA_VERSION = 1


def save_run(
    workspace: Workspace | str | os.PathLike[str], kind: str, payload: Mapping[str, Any]
) -> Path:
    """Write one measurement as ``runs/<UTC time>-<kind>-<id>.json`` and return its path.

    Args:
        workspace: the project's :class:`Workspace` (or the project folder).
        kind: what was measured (``bench``, ``compare``, ``sweep``, ``debug``, ``profile``, ...).
        payload: JSON-serialisable data; ``kind``, ``id``, ``created`` and ``schema`` are added.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    if not kind or not kind.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"kind: expected a short word, got {kind!r}")
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%S}-{kind}-{secrets.token_hex(3)}"
    doc = {"schema": RUN_SCHEMA_VERSION, "kind": kind, "id": run_id, "created": now.isoformat()}
    doc.update(payload)
    target = ws.runs_dir / f"{run_id}.json"
    fd, tmp = tempfile.mkstemp(dir=ws.runs_dir, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, default=str)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_runs(
    workspace: Workspace | str | os.PathLike[str], kind: str | None = None
) -> list[dict[str, Any]]:
    """All saved measurements (oldest first), optionally only those of one ``kind``.

    Files that are not valid JSON are skipped; each loaded dict gets a ``_path`` key.
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    if not ws.runs_dir.is_dir():
        return []
    out: list[dict[str, Any]] = []
    for path in sorted(ws.runs_dir.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or (kind is not None and doc.get("kind") != kind):
            continue
        doc["_path"] = str(path)
        out.append(doc)
    return out
