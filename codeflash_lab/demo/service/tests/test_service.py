"""Behaviour of every endpoint, through real HTTP on local ports."""

from __future__ import annotations

from conftest import Stack, run_with_stack


def test_health() -> None:
    async def scenario(stack: Stack) -> None:
        assert await stack.get("/health") == (200, {"ok": True})

    run_with_stack(scenario)


def test_process_prices_every_line_and_applies_the_promotion() -> None:
    async def scenario(stack: Stack) -> None:
        status, body = await stack.get("/process?customer=4&skus=a1,b2,c3")
        assert status == 200
        assert [line["sku"] for line in body["lines"]] == ["a1", "b2", "c3"]
        expected = round(sum(line["price"] for line in body["lines"]) * 0.95, 2)
        assert body["total"] == expected
        assert body["customer"] == {"id": 4, "tier": "silver"}

    run_with_stack(scenario)


def test_checkout_returns_a_stable_signature() -> None:
    async def scenario(stack: Stack) -> None:
        first = await stack.get("/checkout?customer=7&amount=120")
        second = await stack.get("/checkout?customer=7&amount=120")
        assert first[0] == 200
        assert len(first[1]["signature"]) == 64
        assert first == second

    run_with_stack(scenario)


def test_checkout_refused_by_the_fraud_screen() -> None:
    async def scenario(stack: Stack) -> None:
        status, _ = await stack.get("/checkout?customer=7&amount=25000")
        assert status == 402

    run_with_stack(scenario)


def test_quote_converts_with_the_upstream_rate() -> None:
    async def scenario(stack: Stack) -> None:
        status, body = await stack.get("/quote?amount=100&currency=gbp")
        assert status == 200
        assert body == {"currency": "GBP", "rate": 0.79, "amount": 79.0}

    run_with_stack(scenario)


def test_quote_twice_fetches_the_rate_once_and_answers_both() -> None:
    # The rate is remembered: the second quote must succeed without a new upstream call.
    async def scenario(stack: Stack) -> None:
        first = await stack.get("/quote?amount=100&currency=EUR")
        second = await stack.get("/quote?amount=50&currency=EUR")
        assert first[0] == 200
        assert second[0] == 200, "the second quote for the same currency failed"
        assert second[1]["amount"] == 46.0
        assert (await stack.upstream_calls()).get("/rates/{currency}") == 1

    run_with_stack(scenario)


def test_batch_prices_a_long_list() -> None:
    async def scenario(stack: Stack) -> None:
        skus = [f"s{i}" for i in range(120)]
        status, body = await stack.get("/batch?skus=" + ",".join(skus))
        assert status == 200
        assert [p["sku"] for p in body["prices"]] == skus

    run_with_stack(scenario)


def test_requests_are_audited() -> None:
    async def scenario(stack: Stack) -> None:
        for _ in range(3):
            await stack.get("/process?skus=a1")
        status, _ = await stack.get("/health")
        assert status == 200

    run_with_stack(scenario)
