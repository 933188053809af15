"""The report object: built once from ``.codeflash/``, rendered as one self-contained HTML file."""

from __future__ import annotations

import html
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeflash_lab.report.charts import Chart, run_charts, target_charts
from codeflash_lab.report.collect import ReportInputs, collect_inputs
from codeflash_lab.report.summary import Summary, TargetSummary, summarize, target_summary
from codeflash_lab.verdicts import Evidence, Ruling

if TYPE_CHECKING:
    from codeflash_lab.workspace.layout import Workspace

__all__ = ["Chart", "Report", "TargetSection", "build_report"]

_IMPACT_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class TargetSection:
    """One target's own part of the report: its numbers, charts and latest measurement.

    Attributes:
        name: the target (``target_test``).
        anchor: the section's HTML id.
        summary: its experiments, keeps, baseline and value in force.
        charts: its own charts (one target per axis).
        latest: the latest measurement of the code in force for it (see
            :func:`latest_in_force`); empty when there is none.
        unmeasured: how its kept numbers were obtained when not all were measured
            (``"typed, not measured"``), else ``""``.
    """

    name: str
    anchor: str
    summary: TargetSummary
    charts: tuple[Chart, ...]
    latest: dict[str, Any] = field(default_factory=dict)
    unmeasured: str = ""


@dataclass(frozen=True)
class Report:
    """A finished report: every section's data plus the charts as SVG.

    Render it with :meth:`to_html` / :meth:`to_file`; in a notebook it shows itself
    in an isolated frame.
    """

    title: str
    project: str
    generated: str
    version: str
    summary: Summary
    charts: tuple[Chart, ...]
    experiments: tuple[dict[str, Any], ...]
    experiments_total: int
    targets: tuple[TargetSection, ...] = ()
    findings: tuple[dict[str, Any], ...] = ()
    findings_total: int = 0
    scanned: bool = False
    files_scanned: int | None = None
    review: tuple[dict[str, Any], ...] = ()
    reviewed: str = ""
    methodology: dict[str, Any] = field(default_factory=dict)
    locks: tuple[dict[str, Any], ...] = ()
    setup: dict[str, str] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    environment_source: str = ""
    handoff: str = ""
    latest_bench: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_html(self) -> str:
        """The whole report as one HTML document (no external resources)."""
        from codeflash_lab.report.render import render_report

        return render_report(self)

    def to_file(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_html` to ``path`` (creating folders) and return the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_html(), encoding="utf-8")
        return target

    def to_dict(self) -> dict[str, Any]:
        """The report's data as a JSON-ready dict (charts by title, without their SVG)."""
        return {
            "title": self.title,
            "project": self.project,
            "generated": self.generated,
            "version": self.version,
            "summary": self.summary.to_dict(),
            "charts": [{"key": c.key, "title": c.title, "message": c.message} for c in self.charts],
            "targets": [
                {
                    "name": t.name,
                    "words": t.summary.words(),
                    "charts": [c.key for c in t.charts],
                    "latest": t.latest,
                }
                for t in self.targets
            ],
            "locks": list(self.locks),
            "experiments_total": self.experiments_total,
            "findings_total": self.findings_total,
            "review": list(self.review),
            "methodology": self.methodology,
            "environment": self.environment,
            "warnings": list(self.warnings),
        }

    def _repr_html_(self) -> str:
        doc = html.escape(self.to_html(), quote=True)
        return (
            f'<iframe srcdoc="{doc}" title="{html.escape(self.title)}" '
            'style="width:100%;height:900px;border:1px solid #ddd;border-radius:6px"></iframe>'
        )


def _target_sections(inputs: ReportInputs, max_points: int) -> list[TargetSection]:
    from codeflash_lab.viz import target_frames

    out = []
    for i, (name, rows) in enumerate(target_frames(inputs.frame), start=1):
        out.append(
            TargetSection(
                name=name,
                anchor=f"target-{i}",
                summary=target_summary(name, rows),
                charts=tuple(target_charts(i, rows.iloc[-max_points:])),
                latest=latest_in_force(name, rows, inputs.benches, inputs.records),
                unmeasured=_unmeasured(rows, inputs.records),
            )
        )
    return out


def _source(record: dict[str, Any] | None) -> str:
    """``measured``, ``typed`` or ``asserted`` from a row's record (``""``: no record)."""
    ruling = (record or {}).get("ruling")
    if isinstance(ruling, dict) and isinstance(ruling.get("evidence"), dict):
        return str(ruling["evidence"].get("source") or "")
    return ""


def _unmeasured(rows: Any, records: dict[int, dict[str, Any]]) -> str:
    """``"typed, not measured"`` when a KEEP of these rows rests on typed numbers."""
    keeps = rows[rows["status"] == "KEEP"] if len(rows) else rows
    sources = {_source(records.get(int(n))) for n in keeps.index}
    return "typed, not measured" if "typed" in sources else ""


def latest_in_force(
    name: str,
    rows: Any,
    benches: list[dict[str, Any]],
    records: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The latest measurement of the code in force for target ``name``.

    With no KEEP, the code in force is the baseline: the target's latest saved
    benchmark. After a KEEP, it is the latest saved benchmark of that KEEP's commit
    (clean tree); without one, the KEEP's own "after" numbers from results.tsv.

    Args:
        name: the target.
        rows: its rows of the experiment frame.
        benches: saved ``bench`` runs, oldest first.
        records: the rows' experiment records, by row number (say whether the KEEP's
            numbers were typed).
    """
    mine = [b for b in benches if str(b.get("target", "")) == name]
    keeps = rows[rows["status"] == "KEEP"] if len(rows) else rows
    if not len(keeps):
        return (
            _bench_line(mine[-1], "a benchmark of the baseline code (nothing kept yet)")
            if mine
            else {}
        )
    number, last = keeps.index[-1], keeps.iloc[-1]
    commit = str(last.get("commit") or "")
    for b in reversed(mine):
        git = b.get("git") if isinstance(b.get("git"), dict) else {}
        sha = str(git.get("sha") or "")
        if (
            commit
            and sha
            and not git.get("dirty")
            and (sha.startswith(commit) or commit.startswith(sha))
        ):
            return _bench_line(b, f"a benchmark of the code in force (commit {commit[:10]})")
    return {
        "target": name,
        "concurrency": _cell(last.get("concurrency")),
        "p50_ms": _cell(last.get("optimized_latency_ms")),
        "p99_ms": _cell(last.get("optimized_p99_ms")),
        "throughput_ops_s": _cell(last.get("optimized_throughput")),
        "created": "",
        "source": (
            f"typed in for experiment #{number}, the last KEEP, not measured (no "
            "benchmark of the kept code was saved)"
            if _source((records or {}).get(int(number))) == "typed"
            else f"the after side of experiment #{number}, the last KEEP (no later "
            "benchmark of the kept code was saved)"
        ),
    }


def _cell(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _ruling_cells(record: dict[str, Any] | None, status: str) -> dict[str, Any]:
    """Verdict, rule, reason and evidence of one row, from its record when there is one."""
    if record and isinstance(record.get("ruling"), dict):
        try:
            ruling = Ruling.from_dict(record["ruling"])
        except ValueError:
            ruling = None
        if ruling is not None:
            return {
                "verdict": str(ruling.verdict),
                "rule": str(ruling.rule),
                "reason": ruling.reason,
                "evidence": ruling.evidence.label(),
                "typed": ruling.evidence.source.value == "typed",
            }
    if record and record.get("status"):
        evidence = Evidence.from_dict(
            record.get("evidence") if isinstance(record.get("evidence"), dict) else None
        )
        return {
            "verdict": status,
            "rule": "",
            "reason": "",
            "evidence": evidence.label(),
            "typed": False,
        }
    return {"verdict": status, "rule": "", "reason": "", "evidence": "", "typed": False}


def _experiment_rows(inputs: ReportInputs, limit: int) -> tuple[dict[str, Any], ...]:
    frame = inputs.frame
    if len(frame) > limit:
        frame = frame.iloc[-limit:]
    columns = (
        "commit",
        "target_test",
        "status",
        "pattern",
        "description",
        "baseline_latency_ms",
        "optimized_latency_ms",
        "latency_change",
        "baseline_throughput",
        "optimized_throughput",
        "throughput_change",
        "concurrency",
        "tests_passed",
        "tests_failed",
    )
    records = frame.reset_index()[["experiment", *columns]].to_dict("records")
    out = []
    for r in records:
        row = {k: _cell(v) for k, v in r.items()}
        row.update(_ruling_cells(inputs.records.get(int(r["experiment"])), str(r["status"])))
        out.append(row)
    return tuple(out)


def _findings(scan: dict[str, Any] | None, limit: int) -> tuple[tuple[dict[str, Any], ...], int]:
    items = [f for f in (scan or {}).get("findings") or [] if isinstance(f, dict)]
    items.sort(
        key=lambda f: (
            _IMPACT_ORDER.get(str(f.get("impact", "")).upper(), 3),
            str(f.get("path", "")),
            int(f.get("line") or 0) if str(f.get("line") or 0).isdigit() else 0,
        )
    )
    return tuple(items[:limit]), len(items)


def _review(review: dict[str, Any] | None) -> tuple[tuple[dict[str, Any], ...], str]:
    if not review:
        return (), ""
    items = [f for f in review.get("findings") or [] if isinstance(f, dict)]
    items.sort(key=lambda f: _SEVERITY_ORDER.get(str(f.get("severity", "")), 3))
    base, head = review.get("base") or "", review.get("head") or ""
    span = f"{base}..{head}" if base or head else ""
    return tuple(items), span or str(review.get("created", ""))


def _bench_line(bench: dict[str, Any] | None, source: str = "") -> dict[str, Any]:
    """A saved benchmark's headline numbers (empty when none was saved)."""
    if not bench:
        return {}
    raw = bench.get("latency_ms")
    lat: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "target": str(bench.get("target", "")),
        "concurrency": bench.get("concurrency"),
        "p50_ms": lat.get("p50"),
        "p99_ms": lat.get("p99"),
        "throughput_ops_s": bench.get("throughput_ops_s"),
        "created": str(bench.get("created", ""))[:16].replace("T", " "),
        "source": source,
    }


def build_report(
    project: Workspace | str | os.PathLike[str],
    *,
    title: str | None = None,
    table_limit: int = 1000,
    findings_limit: int = 25,
    max_points: int = 400,
) -> Report:
    """Build the report of a project from its ``.codeflash/`` folder.

    Args:
        project: the project folder (or its :class:`Workspace`, or ``.codeflash`` itself).
        title: the page title (default: "Async performance report: <project name>").
        table_limit: the experiments table lists at most the last this many rows.
        findings_limit: at most this many scanner findings are listed.
        max_points: per-experiment charts draw at most the last this many experiments.

    Returns:
        The :class:`Report`; call ``to_file(path)`` to write it.

    Raises:
        WorkspaceError: the project has no ``.codeflash/`` folder.
        ValueError: a limit below 1.
    """
    from codeflash_lab import __version__

    for name, value in (
        ("table_limit", table_limit),
        ("findings_limit", findings_limit),
        ("max_points", max_points),
    ):
        if value < 1:
            raise ValueError(f"{name}: must be at least 1, got {value}")
    inputs = collect_inputs(project)
    name = inputs.workspace.project.name
    findings, findings_total = _findings(inputs.scan, findings_limit)
    review, reviewed = _review(inputs.review)
    methodology = dict(inputs.methodology or {})
    scanned_files = (inputs.scan or {}).get("files_scanned")
    targets = _target_sections(inputs, max_points)
    latest = (
        {}
        if targets
        else _bench_line(inputs.bench, "the latest saved benchmark; no experiment recorded yet")
    )
    return Report(
        title=title or f"Async performance report: {name}",
        project=str(inputs.workspace.project),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
        summary=summarize(inputs.frame, inputs.log.rows),
        charts=tuple(run_charts(inputs)),
        experiments=_experiment_rows(inputs, table_limit),
        targets=tuple(targets),
        experiments_total=len(inputs.frame),
        findings=findings,
        findings_total=findings_total,
        scanned=inputs.scan is not None,
        files_scanned=scanned_files if isinstance(scanned_files, int) else None,
        review=review,
        reviewed=reviewed,
        methodology=methodology,
        locks=tuple(inputs.locks),
        setup=inputs.setup,
        environment=inputs.environment,
        environment_source=inputs.environment_source,
        handoff=inputs.handoff,
        latest_bench=latest,
        warnings=tuple(inputs.warnings),
    )
