"""What one guided demo run produced: its experiments, the ledger's state, the report."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DemoResult", "ExperimentOutcome"]


@dataclass(frozen=True, slots=True)
class ExperimentOutcome:
    """One experiment of the demo, as measured and decided.

    Attributes:
        number: its row number in results.tsv.
        name: the exercise applied (see :mod:`codeflash_lab.demo.catalog`).
        pattern: category slug.
        status: ``KEEP`` or ``DISCARD`` as recorded.
        reason: why, in words (the rules' reason, or what stopped the experiment).
        compare_verdict: the harness's own A/B verdict (``KEEP``, ``DISCARD``,
            ``INCONCLUSIVE``, ``TRADEOFF``), or ``""`` when nothing was measured.
        latency_before_ms: p50 before the change.
        latency_after_ms: p50 with the change.
        throughput_before: requests per second before.
        throughput_after: requests per second with the change.
        tests_failed: failing tests with the change.
        commit: the keep commit, or ``None`` for a discard.
    """

    number: int
    name: str
    pattern: str
    status: str
    reason: str
    compare_verdict: str
    latency_before_ms: float | None
    latency_after_ms: float | None
    throughput_before: float | None
    throughput_after: float | None
    tests_failed: int
    commit: str | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DemoResult:
    """The outcome of :func:`codeflash_lab.demo.run_demo`.

    Attributes:
        workdir: the scratch folder.
        project: the scratch git repository (holds ``.codeflash/``).
        settings: the measurement sizes used (``DemoSettings.to_dict()``).
        experiments: every experiment, in order.
        status_text: the ledger's state at the end (plateau, rotation, advice).
        report: the HTML report.
        elapsed_s: wall time of the whole run.
        lines: every progress line printed, in order.
    """

    workdir: Path
    project: Path
    settings: dict[str, Any]
    experiments: tuple[ExperimentOutcome, ...]
    status_text: str
    report: Path | None
    elapsed_s: float
    lines: tuple[str, ...] = field(default=())

    @property
    def keeps(self) -> tuple[ExperimentOutcome, ...]:
        """The kept experiments."""
        return tuple(e for e in self.experiments if e.status == "KEEP")

    @property
    def discards(self) -> tuple[ExperimentOutcome, ...]:
        """The discarded experiments."""
        return tuple(e for e in self.experiments if e.status == "DISCARD")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "workdir": str(self.workdir),
            "project": str(self.project),
            "settings": self.settings,
            "experiments": [e.to_dict() for e in self.experiments],
            "status": self.status_text,
            "report": None if self.report is None else str(self.report),
            "elapsed_s": round(self.elapsed_s, 1),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment."""
        import pandas as pd

        return pd.DataFrame([e.to_dict() for e in self.experiments])

    def to_text(self) -> str:
        """A few lines: counts, elapsed time, where the report is."""
        lines = [
            f"{len(self.experiments)} experiments: {len(self.keeps)} kept, "
            f"{len(self.discards)} discarded, in {self.elapsed_s:.0f} s",
        ]
        for e in self.experiments:
            lines.append(f"  {e.number:>2}. {e.status:<7} {e.name}: {e.reason}")
        if self.report is not None:
            lines.append(f"report: {self.report}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{e.number}</td><td>{html.escape(e.name)}</td>"
            f"<td><b>{html.escape(e.status)}</b></td><td>{html.escape(e.reason)}</td></tr>"
            for e in self.experiments
        )
        report = (
            f"<p>Report: <code>{html.escape(str(self.report))}</code></p>" if self.report else ""
        )
        return (
            f"<div><p>{len(self.keeps)} kept, {len(self.discards)} discarded in "
            f"{self.elapsed_s:.0f} s</p><table><tr><th>#</th><th>exercise</th><th>status</th>"
            f"<th>reason</th></tr>{rows}</table>{report}</div>"
        )
