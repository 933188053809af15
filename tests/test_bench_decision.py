"""The A/B verdict: zones on the gain's interval, rule precedence, and the adaptive loop
driven by scripted runs through the real round logic."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from codeflash_lab.bench.decision import decide
from codeflash_lab.bench.model import BenchConfig, Run
from codeflash_lab.bench.rounds import run_rounds
from codeflash_lab.bench.sequential import Design
from codeflash_lab.verdicts import Rule, Verdict


def run(
    p50: float,
    throughput: float,
    *,
    p99: float | None = None,
    ops: int = 5000,
    errors: int = 0,
    arm: str | None = None,
) -> Run:
    p99 = p99 if p99 is not None else p50 * 1.5
    return Run(
        index=0,
        mode="closed",
        concurrency=1,
        ok_ops=ops,
        errors=errors,
        error_kinds={},
        first_error=None,
        elapsed_s=1.0,
        throughput_ops_s=throughput,
        latency_ms={
            "p50": p50,
            "p90": p50 * 1.2,
            "p99": p99,
            "p999": p99 * 1.1,
            "max": p99 * 2,
            "min": p50 / 2,
            "mean": p50,
            "std": 0.1,
        },
        arm=arm,
    )


# Per-round wiggle of about 1 %, the same for every scripted arm.
WIGGLE = [1.0, 1.012, 0.991, 1.006, 0.995, 1.009, 0.988, 1.003, 0.997, 1.011, 0.993, 1.002]


def arm(p50: float, rounds: int, *, p99_factor: float = 1.5, shift: int = 0) -> list[Run]:
    out = []
    for i in range(rounds):
        w = WIGGLE[(i + shift) % len(WIGGLE)]
        out.append(run(p50 * w, 1000.0 / (p50 * w), p99=p50 * w * p99_factor))
    return out


def test_a_clear_gain_is_kept_under_the_threshold_rule() -> None:
    d = decide(arm(10.0, 6), arm(7.0, 6, shift=5))
    assert (d.verdict, d.rule) == ("KEEP", Rule.THRESHOLD), d.reason
    assert d.settled
    assert d.criteria["p50"].interval is not None
    assert d.criteria["p50"].interval.low >= 0.10
    assert not d.regression


def test_a_small_gain_the_rounds_support_is_kept_as_confirmed() -> None:
    d = decide(arm(10.0, 8), arm(9.4, 8, shift=1))
    assert (d.verdict, d.rule) == ("KEEP", Rule.CONFIRMED), d.reason
    assert "not shown to reach 10 %" in d.reason
    assert d.small_change == "confirmed"


def test_identical_arms_are_noise_only_when_the_interval_rules_out_the_floor() -> None:
    d = decide(arm(10.0, 6), arm(10.0, 6, shift=2))
    assert (d.verdict, d.rule) == ("DISCARD", Rule.NOISE), d.reason
    assert "rule out a gain of 3 %" in d.reason


# Eight rounds of an A/A compare with about 3 % run-to-run spread (p50 ms per round).
AA_A = [10.18, 10.38, 9.9, 9.75, 9.82, 10.4, 9.71, 10.4]
AA_B = [10.0, 10.31, 10.37, 9.94, 9.74, 10.09, 10.4, 10.53]


def test_noise_is_read_from_a_one_sided_bound_at_its_own_error_rate() -> None:
    a = [run(x, 1000.0 / x) for x in AA_A]
    b = [run(x, 1000.0 / x) for x in AA_B]
    d = decide(a, b)
    assert (d.verdict, d.rule) == ("DISCARD", Rule.NOISE), d.reason
    p50 = d.criteria["p50"].interval
    assert p50 is not None
    assert p50.noise_high is not None
    # The two-sided interval still reaches past the 3 % floor; the noise bound does not.
    assert p50.high > 0.03 > p50.noise_high
    assert p50.noise_confidence == pytest.approx(1 - 0.20 * 0.3)
    assert "gain at most" in d.reason
    assert "one-sided 94 %" in d.reason
    assert "at most" in d.evidence_summary()
    # With beta at half of alpha, spent like alpha, the noise bound is the two-sided
    # interval's upper end: the same rounds do not settle.
    strict = decide(a, b, design=Design(beta=0.025, noise_spend=(4, 8, 12, 16)))
    assert (strict.verdict, strict.rule) == ("INCONCLUSIVE", Rule.UNPROVEN), strict.reason
    strict_p50 = strict.criteria["p50"].interval
    assert strict_p50 is not None
    assert strict_p50.noise_high == pytest.approx(strict_p50.high)


def test_a_loss_the_noise_bound_rules_out_stays_open_until_it_is_a_regression() -> None:
    # B about 25 % slower with wide spread: at look 4 the noise bound is far under the
    # floor, but the two-sided interval still reaches above it. Calling that "noise" would
    # hide a regression from --fail-on regression, so the compare goes on.
    a_p50 = [10.0, 11.0, 9.0, 10.5, 10.2, 10.8, 9.4, 10.1]
    b_p50 = [12.0, 16.5, 9.6, 13.0, 13.1, 14.0, 12.0, 13.2]
    a = [run(x, 1000.0 / x) for x in a_p50]
    b = [run(x, 1000.0 / x) for x in b_p50]
    first = decide(a[:4], b[:4])
    p50 = first.criteria["p50"].interval
    assert p50 is not None
    assert p50.noise_bound < -0.03 < 0.03 < p50.high
    assert (first.verdict, first.rule) == ("INCONCLUSIVE", Rule.UNPROVEN), first.reason
    assert not first.settled
    second = decide(a, b)
    assert (second.verdict, second.rule) == ("DISCARD", Rule.REGRESSION), second.reason
    assert second.regression


def test_the_noise_error_rate_never_moves_a_keep_or_a_regression() -> None:
    for a, b, want in (
        (arm(10.0, 6), arm(7.0, 6, shift=5), Rule.THRESHOLD),
        (arm(10.0, 8), arm(9.4, 8, shift=1), Rule.CONFIRMED),
        (arm(10.0, 6), arm(10.6, 6, shift=4), Rule.REGRESSION),
    ):
        for beta in (0.025, 0.2, 0.4):
            d = decide(a, b, design=Design(beta=beta))
            assert d.rule == want, (beta, d.reason)


def test_the_noise_bound_spends_beta_with_the_looks_shares() -> None:
    design = Design()
    assert design.beta == 0.20
    # Its shares lean early: 40, 30, 20 and 10 %.
    assert design.noise_shares == pytest.approx((0.4, 0.3, 0.2, 0.1))
    assert design.noise_confidence_at(4) == pytest.approx(1 - 0.2 * 0.4)
    assert design.noise_confidence_at(10, final=True) == pytest.approx(1 - 0.2 * 0.3)
    assert design.to_dict()["noise_confidence_per_look"] == pytest.approx([0.92, 0.94, 0.96, 0.98])
    for bad in (0.0, 0.5, -0.1):
        with pytest.raises(ValueError, match="beta"):
            Design(beta=bad)
    with pytest.raises(ValueError, match="noise_spend"):
        Design(noise_spend=(1, 2))


def test_opposite_moves_are_a_tradeoff() -> None:
    d = decide(arm(10.0, 6), arm(8.0, 6, p99_factor=2.4, shift=1))
    assert (d.verdict, d.rule) == ("TRADEOFF", Rule.TRADEOFF), d.reason
    assert d.criteria["p99"].worse
    assert d.criteria["p50"].better
    assert d.regression


def test_a_small_noise_checked_regression_is_discarded() -> None:
    d = decide(arm(10.0, 6), arm(10.6, 6, shift=4))
    assert (d.verdict, d.rule) == ("DISCARD", Rule.REGRESSION), d.reason
    assert d.regression


def test_more_errors_beat_any_latency_verdict() -> None:
    a = arm(10.0, 3)
    b = [r.with_changes(errors=400) for r in arm(5.0, 3)]
    d = decide(a, b)
    assert (d.verdict, d.rule) == ("DISCARD", Rule.ERRORS), d.reason
    assert "a faster failure is not a gain" in d.reason


def test_each_look_spends_a_share_of_alpha_in_proportion_to_its_rounds() -> None:
    design = Design()
    assert design.looks == (4, 8, 12, 16)
    assert design.shares == pytest.approx((0.1, 0.2, 0.3, 0.4))
    assert design.confidence_at(4) == pytest.approx(1 - 0.05 * 0.1)
    assert design.confidence_at(16) == pytest.approx(1 - 0.05 * 0.4)
    # A final look after round 10 spends the shares of the looks not taken (12 and 16).
    assert design.confidence_at(10, final=True) == pytest.approx(1 - 0.05 * 0.7)
    with pytest.raises(ValueError, match="not a look"):
        design.confidence_at(10)
    assert Design(looks=(4, 8), spend=(1, 3)).shares == pytest.approx((0.25, 0.75))
    with pytest.raises(ValueError, match="spend"):
        Design(looks=(4, 8), spend=(1,))


def test_one_look_in_a_zone_settles_at_its_own_level() -> None:
    # Four rounds 30 % apart: the first look (alpha x 0.1) already rules out noise.
    d = decide(arm(10.0, 4), arm(7.0, 4, shift=5))
    assert (d.verdict, d.rule) == ("KEEP", Rule.THRESHOLD), d.reason
    assert d.criteria["p50"].interval is not None
    assert d.criteria["p50"].interval.confidence == pytest.approx(0.995)


def test_the_budget_buys_a_final_look_at_the_rounds_that_fit() -> None:
    # 4 s rounds and a 42 s budget: looks 4 and 8 fit (32 s), look 12 does not (48 s); two
    # more rounds do, so the loop reads a final look after round 10 at the level left over.
    # B is about 4 % faster than A, round by round.
    wild = itertools.cycle([10.0, 13.0, 8.0, 11.5, 9.0])
    s = Script(wild, itertools.cycle([9.0, 12.5, 7.5, 10.0, 8.8]))
    out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=42, clock=s.clock)
    assert out.decision is not None
    assert len(out.lengths) == out.decision.rounds == out.decision.look == 10
    interval = out.decision.criteria["p50"].interval
    assert interval is not None
    assert interval.rounds == 10
    assert interval.confidence == pytest.approx(1 - 0.05 * 0.7)
    # B is about 4 % faster: not settled at look 8, confirmed at the final look.
    assert not decide(out.a_runs[:8], out.b_runs[:8]).settled
    assert (out.decision.verdict, out.decision.rule) == ("KEEP", Rule.CONFIRMED)
    assert "after 10 rounds" in out.decision.evidence_summary()
    assert s.now <= 42


def test_rounds_that_slow_down_move_the_final_look_to_the_rounds_taken() -> None:
    # 4 s rounds to look 8 (32 s) plan a final look at round 10 in a 44 s budget; round 9
    # then takes 8 s, so round 10 no longer fits and the final look is read at round 9.
    wild = itertools.cycle([10.0, 13.0, 8.0, 11.5, 9.0])
    s = Script(wild, itertools.cycle([9.0, 12.5, 7.5, 10.0, 8.8]))
    take = s.take

    def slower(order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        s.run_s = 4.0 if len(s.configs) >= 8 else 2.0
        return take(order, config)

    out = run_rounds(slower, config=BenchConfig(), design=Design(), budget_s=44, clock=s.clock)
    assert out.decision is not None
    assert len(out.lengths) == out.decision.look == 9
    interval = out.decision.criteria["p50"].interval
    assert interval is not None
    assert interval.confidence == pytest.approx(1 - 0.05 * 0.7)
    assert s.now <= 44


def test_no_final_look_when_no_more_rounds_fit() -> None:
    wild = itertools.cycle([10.0, 13.0, 8.0, 11.5, 9.0])
    s = Script(wild, itertools.cycle([11.5, 9.0, 10.0, 13.0, 8.0]))
    out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=36, clock=s.clock)
    assert out.decision is not None
    assert out.decision.rounds == out.decision.look == 8
    assert out.decision.rule == Rule.UNPROVEN
    assert "could not separate it from noise in 36 s" in out.decision.reason


def test_before_the_first_look_nothing_is_settled() -> None:
    d = decide(arm(10.0, 3), arm(5.0, 3))
    assert d.verdict == "INCONCLUSIVE"
    assert d.rule == Rule.UNPROVEN
    assert not d.settled


def test_p99_from_few_ops_is_shown_but_never_decides() -> None:
    a = [r.with_changes(ok_ops=500) for r in arm(10.0, 6)]
    b = [r.with_changes(ok_ops=500) for r in arm(10.0, 6, p99_factor=4.0, shift=2)]
    d = decide(a, b)
    assert d.criteria["p99"].low_confidence
    assert (d.verdict, d.rule) == ("DISCARD", Rule.NOISE)


def test_a_ruling_names_its_rule_and_evidence() -> None:
    d = decide(arm(10.0, 8), arm(7.0, 8, shift=5))
    ruling = d.ruling(ref="runs/compare-x.json", facts={"budget_s": 25})
    assert ruling.verdict is Verdict.KEEP
    assert ruling.rule is Rule.THRESHOLD
    assert ruling.evidence.ref == "runs/compare-x.json"
    assert ruling.evidence.facts["budget_s"] == 25
    assert ruling.evidence.facts["rounds"] == 8
    assert "after 8 rounds" in ruling.line()


class Script:
    """Scripted rounds: per-round p50 of A and B, and a clock that advances per run."""

    def __init__(self, a: Sequence[float], b: Sequence[float], *, run_s: float = 2.0) -> None:
        self.a, self.b = iter(a), iter(b)
        self.now = 0.0
        self.run_s = run_s
        self.configs: list[BenchConfig] = []

    def clock(self) -> float:
        return self.now

    def take(self, order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        self.configs.append(config)
        out = []
        for label in order:
            p50 = next(self.a if label == "A" else self.b)
            out.append(run(p50, 1000.0 / p50, arm=label, ops=int(200 * config.run_seconds)))
            self.now += self.run_s
        return out, False


def test_the_loop_adds_rounds_until_a_look_settles() -> None:
    s = Script(itertools.cycle([10.0, 10.3, 9.8, 10.1]), itertools.cycle([9.5, 9.7, 9.4, 9.6]))
    out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=120, clock=s.clock)
    assert out.decision is not None
    assert out.decision.rule == Rule.CONFIRMED, out.decision.reason
    assert out.decision.rounds in Design().looks
    assert len(out.a_runs) == len(out.b_runs) == out.decision.rounds
    assert [r.arm for r in out.runs[:6]] == ["A", "B", "B", "A", "A", "B"]


def test_a_spent_budget_is_unproven_never_noise() -> None:
    wild = itertools.cycle([10.0, 13.0, 8.0, 11.5, 9.0])
    s = Script(wild, itertools.cycle([9.0, 12.5, 7.5, 10.0, 8.8]))
    out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=20, clock=s.clock)
    assert out.decision is not None
    assert out.decision.verdict == "INCONCLUSIVE"
    assert out.decision.rule == Rule.UNPROVEN
    assert "could not separate it from noise in 20 s" in out.decision.reason
    assert "--budget 60" in out.decision.reason
    assert "noise" not in str(out.decision.rule)
    assert s.now <= 20


def test_runs_are_lengthened_in_both_arms_at_a_round_boundary() -> None:
    wild = itertools.cycle([10.0, 11.0, 9.0, 10.5])
    s = Script(wild, itertools.cycle([9.5, 10.6, 8.8, 9.9]), run_s=0.5)
    out = run_rounds(
        s.take, config=BenchConfig(min_run_s=0.5), design=Design(), budget_s=60, clock=s.clock
    )
    assert max(out.lengths) > min(out.lengths) == 0.5
    assert max(out.lengths) <= 2.0
    assert out.lengths == tuple(sorted(out.lengths))
    assert len({c.run_seconds for c in s.configs[:3]}) == 1


def test_a_budget_too_small_for_the_first_look_takes_no_round() -> None:
    s = Script(itertools.repeat(10.0), itertools.repeat(5.0))
    out = run_rounds(s.take, config=BenchConfig(), design=Design(), budget_s=5, clock=s.clock)
    assert out.decision is None
    assert out.runs == ()


@pytest.mark.parametrize("looks", [(2, 3), (3, 3), (4, 3)])
def test_designs_need_ascending_looks_from_three(looks: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="looks"):
        Design(looks=looks)


def test_a_threshold_keep_names_the_criterion_that_reached_the_threshold() -> None:
    # p50 gains ~6 % (small zone), throughput ~30 % (threshold zone): the evidence line must
    # quote throughput, whose interval decided the rule.
    a = arm(10.0, 8)
    b = [r.with_changes(throughput_ops_s=r.throughput_ops_s * 1.3) for r in arm(9.4, 8)]
    d = decide(a, b)
    assert (d.verdict, d.rule) == ("KEEP", Rule.THRESHOLD), d.reason
    assert d.criteria["p50"].zone == "better-small"
    assert d.evidence_summary().startswith("throughput gain")


def test_runs_set_by_op_count_without_warm_up_are_lengthened_by_their_count() -> None:
    # ops=50, no warm-up, no minimum run time: a round's time scales with the op count.
    wild = itertools.cycle([10.0, 11.0, 9.0, 10.5])
    s = Script(wild, itertools.cycle([9.5, 10.6, 8.8, 9.9]), run_s=0.5)

    def take(order: Sequence[str], config: BenchConfig) -> tuple[list[Run], bool]:
        runs, stop = s.take(order, config)
        return [r.with_changes(ok_ops=config.ops) for r in runs], stop

    config = BenchConfig(ops=50, warmup_s=0.0, min_run_s=0.0)
    out = run_rounds(take, config=config, design=Design(), budget_s=60, clock=s.clock)
    assert out.decision is not None
    assert max(out.lengths) > min(out.lengths) == 50
    assert {c.ops for c in s.configs} >= {50, 100}
