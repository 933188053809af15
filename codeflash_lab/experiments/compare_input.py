"""Numbers and the ruling for a results.tsv row taken from a saved compare run (``.codeflash/runs/``).

A compare saved with a ``"ruling"`` key (verdict, rule, reason, evidence) is taken as
it is, its evidence pointing at the compare file. An older compare without one gives
its verdict and small-change answer, as before, and a B arm that failed a larger
share of its operations than A is a DISCARD under the ``errors`` rule either way.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.runs import load_runs

__all__ = ["CompareNumbers", "load_compare"]


@dataclass(frozen=True, slots=True)
class CompareNumbers:
    """The parts of a ``CompareResult.to_dict()`` a row and a decision need.

    ``confirmed`` maps the compare result onto the ledger's question for small
    changes: ``KEEP`` is a confirmed gain, and so is a ``DISCARD`` whose
    ``small_change`` is ``"confirmed"`` (a consistent gain under the 10% threshold);
    any other ``DISCARD`` is noise; ``INCONCLUSIVE`` and ``TRADEOFF`` leave it open.
    """

    source: str
    target: str
    concurrency: int | None
    baseline_latency_ms: float | None
    optimized_latency_ms: float | None
    baseline_throughput: float | None
    optimized_throughput: float | None
    p99_change: float | None
    verdict: str
    confirmed: bool | None
    ruling: Ruling | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        doc = asdict(self)
        doc["ruling"] = None if self.ruling is None else self.ruling.to_dict()
        return doc


#: B may fail this much more often than A (share of ops) before the errors rule applies.
ERROR_RATE_MARGIN = 0.001


def _error_rate(side: Any) -> float | None:
    if not isinstance(side, dict):
        return None
    runs = side.get("runs")
    if isinstance(runs, list) and runs:
        ops = sum(float(r.get("ops") or 0) for r in runs if isinstance(r, dict))
        errors = sum(float(r.get("errors") or 0) for r in runs if isinstance(r, dict))
        return errors / ops if ops else None
    return None


def _ruling(doc: dict[str, Any], source: str) -> Ruling | None:
    """The compare's own ruling, else an ``errors`` DISCARD when B failed more ops."""
    evidence_ref = source
    raw = doc.get("ruling")
    if isinstance(raw, dict):
        try:
            ruling = Ruling.from_dict(raw)
        except ValueError as exc:
            raise WorkspaceError(f"{source}: unreadable ruling ({exc})") from None
        ev = ruling.evidence
        return ruling.with_evidence(
            Evidence(Source.MEASURED, ev.ref or evidence_ref, ev.summary, ev.facts)
        )
    rate_a, rate_b = _error_rate(doc.get("a")), _error_rate(doc.get("b"))
    if rate_a is not None and rate_b is not None and rate_b > rate_a + ERROR_RATE_MARGIN:
        return Ruling(
            Verdict.DISCARD,
            Rule.ERRORS,
            f"B fails more operations: {rate_b:.1%} of ops vs {rate_a:.1%} for A",
            Evidence(Source.MEASURED, evidence_ref, facts={"error_rate": [rate_a, rate_b]}),
        )
    return None


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _side(doc: dict[str, Any], key: str) -> tuple[float | None, float | None]:
    side = doc.get(key) or {}
    if not isinstance(side, dict):
        return None, None
    latency = side.get("latency_ms") or {}
    p50 = _float(latency.get("p50")) if isinstance(latency, dict) else None
    return p50, _float(side.get("throughput_ops_s"))


def load_compare(workspace: Workspace | str | os.PathLike[str], spec: str) -> CompareNumbers:
    """Read a compare run: ``spec`` is a JSON file path or ``latest``.

    Raises:
        WorkspaceError: no compare run saved, the file is unreadable, it is not a
            compare result, or its ruling is malformed (the message names the file).
    """
    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    if spec == "latest":
        runs = load_runs(ws, "compare")
        if not runs:
            raise WorkspaceError(
                f"{ws.runs_dir}: no saved compare run; run 'codeflash-lab compare' first"
            )
        # file names share a one-second resolution; "created" has microseconds
        doc = max(runs, key=lambda r: str(r.get("created", "")))
        source = str(doc.get("_path", "latest"))
    else:
        path = Path(spec)
        if not path.is_absolute() and not path.exists():
            path = ws.runs_dir / spec
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise WorkspaceError(f"{spec}: cannot read the compare run ({exc.strerror})") from exc
        except ValueError as exc:
            raise WorkspaceError(f"{path}: not valid JSON ({exc})") from exc
        source = str(path)
    if not isinstance(doc, dict) or "a" not in doc or "b" not in doc:
        raise WorkspaceError(f"{source}: not a compare result (no 'a' and 'b' sides)")
    a50, a_thr = _side(doc, "a")
    b50, b_thr = _side(doc, "b")
    criteria = doc.get("criteria") or {}
    p99 = criteria.get("p99") if isinstance(criteria, dict) else None
    verdict = str(doc.get("verdict", "")).upper()
    confirmed = {"KEEP": True, "DISCARD": False}.get(verdict)
    if verdict == "DISCARD" and str(doc.get("small_change", "")).lower() == "confirmed":
        confirmed = True
    conc = doc.get("concurrency")
    return CompareNumbers(
        source=source,
        target=str(doc.get("target", "")),
        concurrency=int(conc) if isinstance(conc, int | float) else None,
        baseline_latency_ms=a50,
        optimized_latency_ms=b50,
        baseline_throughput=a_thr,
        optimized_throughput=b_thr,
        p99_change=_float(p99.get("change_pct")) if isinstance(p99, dict) else None,
        verdict=verdict,
        confirmed=confirmed,
        ruling=_ruling(doc, source),
    )
