"""PR preparation from a real optimization branch: grouping, branches, bodies, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from review_helpers import OPT, commit, compare_run, git, results_row, save, snapshot, start_project

from codeflash_lab.errors import ReviewError
from codeflash_lab.experiments.review import plan_prs, prepare_prs, record_review, review
from codeflash_lab.experiments.review.pr_assets import benchmark_source

USERS = """
import asyncio


async def fetch_user(user_id):
    profile = await asyncio.sleep(0, {"id": user_id})
    orders = await asyncio.sleep(0, [])
    return {**profile, "orders": orders}
"""

USERS_K1 = USERS.replace(
    '    profile = await asyncio.sleep(0, {"id": user_id})\n'
    "    orders = await asyncio.sleep(0, [])\n",
    "    profile, orders = await asyncio.gather(\n"
    '        asyncio.sleep(0, {"id": user_id}), asyncio.sleep(0, [])\n'
    "    )\n",
)
USERS_K3 = USERS_K1.replace(
    'return {**profile, "orders": orders}', "return profile | {'orders': orders}"
)

ORDERS = """
import asyncio


async def list_orders(ids):
    out = []
    for i in ids:
        out.append(await asyncio.sleep(0, i))
    return out
"""

# the zero-argument targets the measurements ran: a realistic input for each function
CASES = """
from orders import list_orders
from users import fetch_user


async def user_page():
    return await fetch_user(42)


async def order_list():
    return await list_orders(range(20))
"""

ORDERS_K2 = ORDERS.replace(
    "    out = []\n    for i in ids:\n        out.append(await asyncio.sleep(0, i))\n    return out\n",
    "    return list(await asyncio.gather(*(asyncio.sleep(0, i) for i in ids)))\n",
)


def _branch(repo: Path) -> dict[str, str]:
    """An optimization branch with keeps k1, k2, k3 and one unrecorded commit."""
    start_project(
        repo,
        {
            "users.py": USERS,
            "orders.py": ORDERS,
            "docs.md": "docs\n",
            "cases.py": CASES,
            "tests/benchmarks/README.md": "benchmarks\n",
        },
    )
    shas = {
        "k1": commit(repo, {"users.py": USERS_K1}, "async: gather user lookups"),
        "doc": commit(repo, {"docs.md": "docs v2\n"}, "docs: wording"),
        "k2": commit(repo, {"orders.py": ORDERS_K2}, "async: gather order lookups"),
        "k3": commit(repo, {"users.py": USERS_K3}, "async: merge dicts in fetch_user"),
    }
    rows = [
        ("k1", "cases:user_page", 850.2, 310.4, 58.8, 160.1, "gather user lookups"),
        ("k2", "cases:order_list", 40.0, 12.5, 1200.0, 3900.0, "gather order lookups"),
        ("k3", "cases:user_page", 310.4, 300.1, 160.1, 165.0, "cheaper dict merge"),
    ]
    for key, target, a, b, ta, tb, desc in rows:
        save(repo, "compare", compare_run(target, a_p50=a, b_p50=b, a_tp=ta, b_tp=tb))
        results_row(
            repo, shas[key], target, before=a, after=b, tp_before=ta, tp_after=tb, description=desc
        )
    results_row(
        repo, shas["doc"], "users:fetch_user", before=1, after=1, tp_before=1, tp_after=1,
        status="DISCARD", description="not kept",
    )  # fmt: skip
    return shas


def test_keeps_group_by_shared_files(git_repo: Path) -> None:
    shas = _branch(git_repo)
    plan = plan_prs(git_repo)
    assert [(g.branch, [c.sha for c in g.commits]) for g in plan.groups] == [
        ("async/gather-user-lookups", [shas["k1"], shas["k3"]]),
        ("async/gather-order-lookups", [shas["k2"]]),
    ]
    users, orders = plan.groups
    assert users.functions == ("users.py:fetch_user",)
    assert orders.files == ("orders.py",)
    assert users.title == "async: gather user lookups"


@pytest.mark.slow
def test_prepare_creates_branches_bodies_charts_and_benchmarks(git_repo: Path) -> None:
    shas = _branch(git_repo)
    record_review(review(git_repo, run_tests=False), git_repo)
    head_before = git(git_repo, "symbolic-ref", "HEAD")
    prepared = prepare_prs(git_repo)
    assert git(git_repo, "symbolic-ref", "HEAD") == head_before
    assert git(git_repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    users, orders = prepared.prs
    base = prepared.plan.base_sha
    # each branch is the base plus exactly its own commits, cherry-picked with their origin
    log = git(git_repo, "log", "--format=%s%n%b", f"{base}..{users.branch}")
    assert log.count("cherry picked from commit") == 2
    assert shas["k1"] in log
    assert shas["k3"] in log
    assert git(git_repo, "show", f"{users.branch}:users.py") == git(
        git_repo, "show", f"{OPT}:users.py"
    )
    assert git(git_repo, "show", f"{users.branch}:orders.py") == git(
        git_repo, "show", f"{base}:orders.py"
    )
    assert git(git_repo, "show", f"{orders.branch}:docs.md") == "docs\n"
    assert git(git_repo, "rev-list", "--count", f"{base}..{orders.branch}").strip() == "1"
    body = users.body.read_text(encoding="utf-8")
    assert body.startswith("# async: gather user lookups\n\n## Measured")
    assert "| p50 latency (ms) | 850.2 | 310.4 | -63% |" in body
    assert "| throughput (ops/s) | 58.8 | 160.1 | +172% |" in body
    assert "Concurrency 50; runs (before/after) 10/10" in body
    assert "Mann-Whitney p=0.0002" in body
    assert "![p50/p99 latency and throughput, before and after](chart.png)" in body
    assert "## Review checklist" in body
    assert "- [x] Every KEEP in results.tsv matches a saved measurement" in body
    assert "(claims: pass; 3 KEEP row(s) checked against the saved runs)" in body
    # the review skipped the tests: the box stays open and says why
    assert (
        "- [ ] Changed async code is run on an event loop by the tests "
        "(tests: not run; tests not run: disabled for this review)"
    ) in body
    # no check can confirm behaviour: the box stays open with the question to answer
    assert (
        "- [ ] Behaviour changes (ordering, error types, messages) confirmed by a person " in body
    )
    assert "(behaviour: confirm; Do callers still see the same result order" in body
    assert "Pattern `sequential-awaits`" in body
    assert "as `tests/benchmarks/bench_gather_user_lookups.py`" in body
    assert users.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert users.benchmark.name == "bench_gather_user_lookups.py"
    proc = subprocess.run(
        [sys.executable, str(users.benchmark)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "p50" in proc.stdout
    assert "(concurrency 50, 2000 ops)" in proc.stdout
    assert prepared.to_dict()["prs"][1]["branch"] == "async/gather-order-lookups"


def test_no_optimization_branch_is_refused(git_repo: Path) -> None:
    commit(git_repo, {"users.py": USERS}, "code")
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match="no 'codeflash/optimize' branch"):
        prepare_prs(git_repo)
    assert snapshot(git_repo) == before


def test_unknown_base_is_refused(git_repo: Path) -> None:
    _branch(git_repo)
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match=r"base 'v9\.9' does not exist"):
        prepare_prs(git_repo, base="v9.9")
    assert snapshot(git_repo) == before


def test_keep_whose_commit_is_gone_is_refused(git_repo: Path) -> None:
    _branch(git_repo)
    gone = "feedfacefeedfacefeedfacefeedfacefeedface"
    results_row(git_repo, gone, "users:fetch_user", before=9, after=3, tp_before=1, tp_after=3)
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match=f"line 6: KEEP commit '{gone}' does not exist"):
        prepare_prs(git_repo)
    assert snapshot(git_repo) == before


def test_merge_commit_on_the_branch_is_refused(git_repo: Path) -> None:
    _branch(git_repo)
    base = git(git_repo, "merge-base", "main", OPT).strip()
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"other.py": "x = 1\n"}, "main work")
    git(git_repo, "checkout", "-q", OPT)
    git(git_repo, "merge", "-q", "--no-edit", "main")
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match="merge commit"):
        prepare_prs(git_repo, base=base)
    assert snapshot(git_repo) == before


def test_a_keep_that_needs_an_unkept_commit_creates_no_branch(git_repo: Path) -> None:
    start_project(git_repo, {"users.py": USERS, "orders.py": ORDERS})
    k1 = commit(git_repo, {"users.py": USERS_K1}, "async: gather user lookups")
    commit(git_repo, {"orders.py": ORDERS.replace("out = []", "out: list = []")}, "typing")
    k2 = commit(git_repo, {"orders.py": ORDERS_K2}, "async: gather order lookups")
    for sha, target in ((k1, "users:fetch_user"), (k2, "orders:list_orders")):
        save(git_repo, "compare", compare_run(target, a_p50=9, b_p50=3, a_tp=1, b_tp=3))
        results_row(git_repo, sha, target, before=9, after=3, tp_before=1, tp_after=3)
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match="does not apply on"):
        prepare_prs(git_repo)
    assert snapshot(git_repo) == before


def test_existing_branch_is_refused(git_repo: Path) -> None:
    _branch(git_repo)
    git(git_repo, "branch", "async/gather-order-lookups", "main")
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match="already exist: async/gather-order-lookups"):
        prepare_prs(git_repo)
    assert snapshot(git_repo) == before


def test_benchmark_source_is_valid_python_for_urls_and_callables() -> None:
    for target in ("pkg.mod:fetch", "http://127.0.0.1:8080/users/1"):
        src = benchmark_source(
            name="bench_x.py", title="async: x", target=target, concurrency=8, shas=["a" * 40]
        )
        compile(src, "bench_x.py", "exec")
        assert f"TARGET = {target!r}" in src
        assert "CONCURRENCY = 8" in src
    with pytest.raises(ValueError, match="concurrency"):
        benchmark_source(name="b.py", title="t", target="m:f", concurrency=0, shas=[])


@pytest.mark.slow
def test_pr_body_after_a_review_with_no_async_change_shows_tests_as_na(git_repo: Path) -> None:
    start_project(git_repo, {"cases.py": "def total(xs):\n    return sum(xs)\n"})
    sha = commit(git_repo, {"cases.py": "def total(xs):\n    return sum(list(xs))\n"}, "async: sum")
    save(git_repo, "compare", compare_run("cases:total", a_p50=2.0, b_p50=1.0, a_tp=5, b_tp=9))
    results_row(
        git_repo, sha, "cases:total", before=2.0, after=1.0, tp_before=5, tp_after=9,
        description="sum once",
    )  # fmt: skip
    result = review(git_repo)  # tests allowed, yet nothing async changed: no test runs
    assert result.outcome("tests").state == "n/a"
    (pr,) = prepare_prs(git_repo, review_result=result).prs
    body = pr.body.read_text(encoding="utf-8")
    assert (
        "- [ ] Changed async code is run on an event loop by the tests (tests: N/A; no line "
        "was added or changed inside an async def body, and .codeflash/setup.md names no "
        "test command)"
    ) in body
    assert "- [x] Changed async code" not in body
