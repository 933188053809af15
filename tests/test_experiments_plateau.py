"""Plateau, rotation and stuck rules, at each boundary: 2 vs 3, 4 vs 5, 49% vs 51%."""

from __future__ import annotations

import json

import pytest

from codeflash_lab.categories import STRATEGIES
from codeflash_lab.experiments.plateau import STUCK_CHECKLIST, keep_gain, ledger_status
from codeflash_lab.workspace.results import Experiment


def row(status: str, pattern: str = "sequential-awaits", gain: float = 20.0) -> Experiment:
    """A row whose latency fell by ``gain`` percent (for a KEEP) or rose by 1% (DISCARD)."""
    after = 100.0 - gain if status == "KEEP" else 101.0
    return Experiment.build(
        commit="abc",
        target_test="t",
        baseline_latency_ms=100.0,
        optimized_latency_ms=after,
        baseline_throughput=None,
        optimized_throughput=None,
        concurrency=10,
        status=status,
        pattern=pattern,
        description="x",
    )


def test_empty_log() -> None:
    s = ledger_status([])
    assert s.experiments == 0
    assert s.current_strategy == STRATEGIES[0]
    assert s.flags() == []
    assert "No experiments yet" in s.advice


@pytest.mark.parametrize(("n", "flag"), [(2, False), (3, True)])
def test_irreducible_and_rotation_start_at_three_consecutive_discards(n: int, flag: bool) -> None:
    s = ledger_status([row("KEEP")] + [row("DISCARD")] * n)
    assert s.consecutive_discards == n
    assert s.irreducible is flag
    assert s.rotate is flag
    assert s.current_strategy == "sequential-await gathering"
    assert s.next_strategy == (STRATEGIES[1] if flag else STRATEGIES[0])


def test_rotation_counts_discards_within_one_strategy_family() -> None:
    # await-in-loop shares the gathering family with sequential-awaits
    mixed = [row("DISCARD", "sequential-awaits"), row("DISCARD", "await-in-loop")]
    assert ledger_status([*mixed, row("DISCARD", "sequential-awaits")]).rotate
    other = [*mixed, row("DISCARD", "blocking-call")]
    s = ledger_status(other)
    assert s.irreducible
    assert not s.rotate
    assert s.same_strategy_discards == 1
    assert s.current_strategy == "blocking-call removal"


def test_rotation_walks_the_order_and_ends() -> None:
    s = ledger_status([row("DISCARD", "client-per-request")] * 3)
    assert s.next_strategy == "architectural restructuring"
    last = ledger_status([row("DISCARD", "unbounded-gather")] * 3)
    assert last.rotate
    assert last.next_strategy is None
    assert "every strategy has been tried" in last.advice


@pytest.mark.parametrize(("n", "stuck"), [(4, False), (5, True)])
def test_stuck_starts_at_five_consecutive_discards(n: int, stuck: bool) -> None:
    patterns = ["sequential-awaits", "blocking-call", "client-per-request", "unbounded-gather"]
    rows = [row("DISCARD", patterns[i % 4]) for i in range(n)]
    s = ledger_status(rows)
    assert s.stuck is stuck
    assert s.stuck_checklist == (STUCK_CHECKLIST if stuck else ())
    assert s.experiments_left == (3 if stuck else None)
    assert not s.stop


@pytest.mark.parametrize(("n", "left", "stop"), [(7, 1, False), (8, 0, True)])
def test_stop_after_three_more_experiments_once_stuck(n: int, left: int, stop: bool) -> None:
    s = ledger_status([row("DISCARD")] * n)
    assert s.experiments_left == left
    assert s.stop is stop


def test_a_keep_resets_the_run_of_discards() -> None:
    s = ledger_status([row("DISCARD")] * 6 + [row("KEEP")])
    assert s.consecutive_discards == 0
    assert not s.stuck
    assert s.flags() == []


def _keeps(ratio: float) -> list[Experiment]:
    gains = [64.0, 64.0 * ratio, 64.0 * ratio**2, 64.0 * ratio**3]
    return [row("KEEP", gain=g) for g in gains]


@pytest.mark.parametrize(("ratio", "flag"), [(0.49, True), (0.51, False)])
def test_diminishing_returns_at_half_the_previous_gain(ratio: float, flag: bool) -> None:
    s = ledger_status(_keeps(ratio))
    assert s.diminishing_returns is flag
    assert s.stop is flag


def test_diminishing_returns_needs_four_keeps() -> None:
    assert not ledger_status(_keeps(0.1)[1:]).diminishing_returns


def test_gain_is_the_larger_of_latency_and_throughput() -> None:
    r = Experiment.build(
        commit="a",
        target_test="t",
        baseline_latency_ms=850,
        optimized_latency_ms=310,
        baseline_throughput=12,
        optimized_throughput=33,
        concurrency=50,
        status="KEEP",
        pattern="sequential-awaits",
        description="d",
    )
    assert keep_gain(r) == pytest.approx(175.0)


def test_failed_patterns_and_renderings() -> None:
    rows = [row("DISCARD", "blocking-call")] * 3 + [row("KEEP")]
    s = ledger_status(rows)
    assert s.failed_patterns == ("blocking-call",)
    d = s.to_dict()
    for key in (
        "experiments",
        "keeps",
        "discards",
        "consecutive_discards",
        "irreducible",
        "diminishing_returns",
        "rotate",
        "stuck",
        "current_strategy",
        "next_strategy",
        "advice",
    ):
        assert key in d
    json.dumps(d)
    assert "4 experiments: 1 kept, 3 discarded" in s.to_text()
    assert "<table>" in s._repr_html_()
    assert s.to_frame().loc["keeps", "value"] == 1


def test_correctness_keeps_without_a_gain_are_left_out_of_the_chain() -> None:
    rows = _keeps(0.6)
    rows.insert(2, row("KEEP", gain=0.0))
    s = ledger_status(rows)
    assert s.keeps == 5
    assert not s.diminishing_returns
    assert len(s.recent_keep_gains) == 4


def test_markdown_view_is_a_list() -> None:
    md = ledger_status([row("DISCARD")] * 5).to_markdown().splitlines()
    assert md[0] == "- 5 experiments: 0 kept, 5 discarded; 5 consecutive discard(s)"
    assert md[-1].startswith("   6. ")
