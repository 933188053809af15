"""The result of an A/B compare: verdict, rule, per-criterion evidence, JSON and text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codeflash_lab.bench.compare_text import format_compare_html, format_compare_text
from codeflash_lab.bench.decision import Criterion, Decision
from codeflash_lab.bench.model import BenchConfig, Run, aggregate_latency
from codeflash_lab.bench.stats import median
from codeflash_lab.verdicts import Ruling

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CompareResult"]


def _arm(label: str, spec: str, runs: tuple[Run, ...]) -> dict[str, Any]:
    return {
        "label": label,
        "spec": spec,
        "latency_ms": aggregate_latency(runs),
        "throughput_ops_s": median([r.throughput_ops_s for r in runs]) if runs else 0.0,
        "errors": sum(r.errors for r in runs),
        "runs": [r.to_dict() for r in runs],
    }


@dataclass(frozen=True)
class CompareResult:
    """An A/B comparison and its verdict.

    Attributes:
        target: what was compared (``"A vs B"`` or the target measured at two revisions).
        labels: names of the arms.
        config: settings of the first round (runs may have been lengthened since).
        a_runs: A's runs, in order taken.
        b_runs: B's runs, in order taken.
        decision: verdict, rule, reason and per-criterion evidence.
        order: arm of each run in the order taken (``A B B A A B ...``).
        interrupted: Ctrl-C cut the rounds short.
        environment: machine and software facts.
        git: ``{"sha", "dirty"}`` of the project (or ``{"base", "head"}`` SHAs).
        methodology_id: id of the settings (the budget is not part of it).
        saved_to: the ``.codeflash/runs/`` file, when saved.
        specs: what each arm measured, as the user named it.
        budget_s: the compare's time budget.
        elapsed_s: wall time the compare took.
        run_seconds: measured seconds per run of each round (lengthened runs show here).
        preset: the preset's name.
        failure: why a later run failed (the rounds stopped there; the finished runs are
            kept and saved), or ``None``.
        left_out: finished runs of an incomplete last round (saved, not in the verdict).
    """

    target: str
    labels: tuple[str, str]
    config: BenchConfig
    a_runs: tuple[Run, ...]
    b_runs: tuple[Run, ...]
    decision: Decision
    order: tuple[str, ...] = ()
    interrupted: bool = False
    environment: dict[str, Any] = field(default_factory=dict)
    git: dict[str, Any] = field(default_factory=dict)
    methodology_id: str | None = None
    saved_to: str | None = None
    specs: tuple[str, str] = ("A", "B")
    budget_s: float | None = None
    elapsed_s: float | None = None
    run_seconds: tuple[float, ...] = ()
    preset: str = "full"
    failure: str | None = None
    left_out: tuple[Run, ...] = ()

    @property
    def verdict(self) -> str:
        """``KEEP``, ``DISCARD``, ``INCONCLUSIVE`` or ``TRADEOFF``."""
        return self.decision.verdict

    @property
    def reason(self) -> str:
        """Why, in words."""
        return self.decision.reason

    @property
    def rule(self) -> str:
        """The rule that decided (``threshold``, ``confirmed``, ``noise``, ``unproven`` ...)."""
        return str(self.decision.rule)

    @property
    def screened_only(self) -> bool:
        """Always ``False``: no verdict is given before the first look."""
        return False

    @property
    def ruling(self) -> Ruling:
        """The verdict in the shared vocabulary, resting on the saved file (when saved)."""
        facts = {
            "budget_s": self.budget_s,
            "elapsed_s": None if self.elapsed_s is None else round(self.elapsed_s, 2),
            "runs_per_arm": [len(self.a_runs), len(self.b_runs)],
        }
        return self.decision.ruling(ref=self.saved_to, facts=facts)

    @property
    def confirmed(self) -> bool | None:
        """The answer to the ledger's "did repeated runs confirm a gain?" question.

        ``True`` for a KEEP, ``False`` for a DISCARD (noise, regression, errors), ``None``
        when the compare was INCONCLUSIVE or a TRADEOFF.
        """
        return {"KEEP": True, "DISCARD": False}.get(self.verdict)

    @property
    def regression(self) -> bool:
        """Some criterion got worse, noise-checked (``--fail-on regression``)."""
        return self.decision.regression

    @property
    def criteria(self) -> dict[str, Criterion]:
        """Per-criterion evidence (``p50``, ``p99``, ``throughput``)."""
        return self.decision.criteria

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``compare --format json``; saved as ``runs/`` kind ``compare``)."""
        crit = self.decision.criteria
        return {
            "target": self.target,
            "mode": self.config.mode,
            "concurrency": self.config.concurrency,
            "methodology_id": self.methodology_id,
            "verdict": self.verdict,
            "rule": self.rule,
            "reason": self.reason,
            "ruling": self.ruling.to_dict(),
            "regression": self.regression,
            "small_change": self.decision.small_change,
            "a": _arm(self.labels[0], self.specs[0], self.a_runs),
            "b": _arm(self.labels[1], self.specs[1], self.b_runs),
            "criteria": {k: c.to_dict() for k, c in crit.items()},
            "noise": {
                "cv_pct": {k: (c.cv * 100 if c.cv is not None else None) for k, c in crit.items()},
                "runs_per_arm": [len(self.a_runs), len(self.b_runs)],
            },
            "sequential": {
                **self.decision.design.to_dict(),
                "rounds": self.decision.rounds,
                "look": self.decision.look,
                "settled": self.decision.settled,
                "preset": self.preset,
                "budget_s": self.budget_s,
                "elapsed_s": self.elapsed_s,
                "run_seconds": list(self.run_seconds),
            },
            "warnings": [
                {**w.to_dict(), "arm": r.arm}
                for r in (*self.a_runs, *self.b_runs)
                for w in r.warnings
            ],
            "order": list(self.order),
            "screened_only": False,
            "interrupted": self.interrupted,
            "failure": self.failure,
            "left_out": [r.to_dict() for r in self.left_out],
            "config": self.config.to_dict(),
            "environment": self.environment,
            "git": self.git,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: gain, its interval, per-round ratio range, zone."""
        import pandas as pd

        rows = []
        for name, c in self.decision.criteria.items():
            row = {"criterion": name, **c.to_dict()}
            row.pop("gain_ci")
            iv = c.interval
            row["gain_ci"] = None if iv is None else f"{iv.low:+.1%} to {iv.high:+.1%}"
            rows.append(row)
        return pd.DataFrame(rows)

    def format_text(self) -> str:
        """The verdict line, each arm's numbers, each criterion's interval, warnings."""
        return format_compare_text(self)

    def __str__(self) -> str:
        return self.format_text()

    def _repr_html_(self) -> str:
        return format_compare_html(self)
