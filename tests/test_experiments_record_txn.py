"""Recording as a transaction: validated first, journalled, all-or-nothing, recoverable.

One test (or two) per hardening item of the ledger; each names its item.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codeflash_lab.errors import GitError, ResultsFormatError, WorkspaceError
from codeflash_lab.experiments.ledger import read_ledger, record_experiment
from codeflash_lab.verdicts import Rule, Ruling, Verdict
from codeflash_lab.workspace.experiment_record import GuardRun
from codeflash_lab.workspace.handoff import ensure_handoff, read_section, section_titles
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.results import ensure_results_file
from tests.conftest import git


def make_ws(project: Path) -> Workspace:
    ws = Workspace(project)
    ws.root.mkdir()
    ensure_results_file(ws.results_tsv)
    ensure_handoff(ws)
    return ws


@pytest.fixture
def ws(git_repo: Path) -> Workspace:
    return make_ws(git_repo)


def rec(ws: Workspace, **over: Any) -> Any:
    kw: dict[str, Any] = dict(
        target_test="app:handler",
        pattern="sequential-awaits",
        description="gather the upstream calls",
        baseline_latency_ms=100.0,
        optimized_latency_ms=60.0,
        concurrency=10,
    )
    kw.update(over)
    return record_experiment(ws, **kw)


def index_bytes(repo: Path) -> bytes:
    return (repo / ".git" / "index").read_bytes()


def sidecars(ws: Workspace) -> list[dict[str, Any]]:
    folder = ws.root / "experiments"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


# item 2: validate first; a failure names the file and the line and writes nothing


def test_item2_a_latin1_handoff_is_refused_before_anything_is_written(
    ws: Workspace, git_repo: Path
) -> None:
    text = ws.handoff_md.read_text()
    ws.handoff_md.write_bytes(text.encode() + b"\n- caf\xe9 note\n")
    (git_repo / "app.py").write_text("x = 1\n")
    log, head = ws.results_tsv.read_bytes(), git(git_repo, "rev-parse", "HEAD")
    line = text.count("\n") + 2
    with pytest.raises(WorkspaceError, match=rf"HANDOFF\.md:{line}: not UTF-8"):
        rec(ws, files=["app.py"])
    assert ws.results_tsv.read_bytes() == log
    assert git(git_repo, "rev-parse", "HEAD") == head


def test_item2_a_retry_of_the_same_experiment_does_nothing_twice(ws: Workspace) -> None:
    first = rec(ws, optimized_latency_ms=130.0)
    again = rec(ws, optimized_latency_ms=130.0)
    assert len(read_ledger(ws)) == 1
    assert again.number == first.number
    assert any("already recorded" in line for line in again.lines)


def test_item2_a_retry_of_a_committed_keep_does_nothing(ws: Workspace, git_repo: Path) -> None:
    (git_repo / "app.py").write_text("x = 1\n")
    first = rec(ws, files=["app.py"])
    again = rec(ws, files=["app.py"])
    assert again.repeated
    assert again.commit == first.commit
    assert len(read_ledger(ws)) == 1
    assert git(git_repo, "rev-list", "--count", "HEAD").strip() == "2"


def test_item2_the_record_leaves_one_sidecar_and_no_journal_entry(ws: Workspace) -> None:
    rec(ws)
    assert not list((ws.root / "pending").glob("*.json"))
    (doc,) = sidecars(ws)
    assert doc["state"] == "done"
    assert doc["status"] == "KEEP"
    assert doc["ruling"]["rule"] == "threshold"
    assert doc["steps"]["row"] == 1
    assert doc["steps"]["handoff"] is True


# item 3: newlines and control characters never reach HANDOFF.md as structure


def test_item3_newlines_in_free_text_do_not_corrupt_handoff(ws: Workspace) -> None:
    rec(
        ws,
        target_test="app:h\n## Keeps\n",
        description="gather\n## Discards\n## Next steps\x1b[31m",
    )
    titles = section_titles(ws.handoff_md.read_text())
    assert titles.count("Keeps") == 1
    assert titles.count("Discards") == 1
    assert titles.count("Next steps") == 1
    assert "\x1b" not in ws.handoff_md.read_text()
    baseline = read_section(ws, "Baseline") or ""
    assert baseline.startswith("- app:h ## Keeps")


def test_item3_a_multi_line_description_is_folded_into_the_commit_summary(
    ws: Workspace, git_repo: Path
) -> None:
    (git_repo / "app.py").write_text("x = 1\n")
    rec(ws, description="cancel early\n## Keeps", files=["app.py"])
    assert git(git_repo, "log", "-1", "--format=%s").strip() == "async: cancel early ## Keeps"


# item 4 (API side): files are relative to the project root, not the repository root


def test_item4_api_files_are_relative_to_the_project_folder(git_repo: Path) -> None:
    svc = git_repo / "svc"
    svc.mkdir()
    (svc / "app.py").write_text("x = 1\n")
    (git_repo / "app.py").write_text("root = 1\n")
    git(git_repo, "add", "svc/app.py", "app.py")
    git(git_repo, "commit", "-q", "-m", "two apps")
    ws = make_ws(svc)
    (svc / "app.py").write_text("x = 2\n")
    (git_repo / "app.py").write_text("root = 2\n")
    rec(ws, files=["app.py"])
    assert git(git_repo, "show", "--name-only", "--format=", "HEAD").split() == ["svc/app.py"]


# item 5: HANDOFF lists the last 50 keeps and discards with counts


def test_item5_handoff_lists_the_last_fifty_with_counts(ws: Workspace) -> None:
    head = ws.results_tsv.read_text()
    rows = [
        f"c{i}\tapp:h\t100\t{60 if i % 2 else 130}\t\t\t\t\t10\t\t\t"
        f"{'KEEP' if i % 2 else 'DISCARD'}\tsequential-awaits\trow {i}\n"
        for i in range(1, 201)
    ]
    ws.results_tsv.write_text(head + "".join(rows))
    rec(ws, description="the newest")
    keeps = (read_section(ws, "Keeps") or "").splitlines()
    discards = (read_section(ws, "Discards") or "").splitlines()
    assert keeps[0] == "101 keeps in all; the last 50:"
    assert len([k for k in keeps if k.startswith("- #")]) == 50
    assert keeps[-1].startswith("- #201 ")
    assert discards[0] == "100 discards in all; the last 50:"
    assert discards[-1].startswith("- #200 ")


def _record_one(project: str, i: int) -> None:
    record_experiment(
        project, target_test="app:h", pattern="sequential-awaits", description=f"burst {i}",
        baseline_latency_ms=100.0, optimized_latency_ms=60.0 if i % 2 else 130.0, concurrency=10,
    )  # fmt: skip


def test_item5_handoff_keeps_up_with_concurrent_records(ws: Workspace) -> None:
    ctx = multiprocessing.get_context("spawn")
    for burst in range(2):
        procs = [
            ctx.Process(target=_record_one, args=(str(ws.project), 8 * burst + i)) for i in range(8)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        assert [p.exitcode for p in procs] == [0] * 8
    listed = (read_section(ws, "Keeps") or "") + "\n" + (read_section(ws, "Discards") or "")
    numbers = sorted(int(line.split()[1][1:]) for line in listed.splitlines() if "- #" in line)
    assert numbers == list(range(1, 17))
    assert len(read_ledger(ws)) == 16


# item 8: a symlink is committed as a link


def test_item8_a_symlink_is_staged_as_itself(ws: Workspace, git_repo: Path) -> None:
    (git_repo / "real.py").write_text("x = 1\n")
    git(git_repo, "add", "real.py")
    git(git_repo, "commit", "-q", "-m", "real")
    (git_repo / "real.py").write_text("x = 2\n")
    (git_repo / "link.py").symlink_to("real.py")
    rec(ws, files=["link.py"])
    assert git(git_repo, "show", "--name-only", "--format=", "HEAD").split() == ["link.py"]
    mode = git(git_repo, "ls-tree", "HEAD", "link.py").split()[0]
    assert mode == "120000"


# items 10 and 11: git states are refused before anything changes


def test_item10_a_detached_head_is_refused_unless_forced(ws: Workspace, git_repo: Path) -> None:
    git(git_repo, "checkout", "-q", "--detach")
    (git_repo / "app.py").write_text("x = 1\n")
    log = ws.results_tsv.read_bytes()
    with pytest.raises(GitError, match=r"detached HEAD.*--force"):
        rec(ws, files=["app.py"])
    assert ws.results_tsv.read_bytes() == log
    r = rec(ws, files=["app.py"], force=True)
    assert r.commit is not None


def test_item10_a_rebase_stopped_at_edit_is_refused(ws: Workspace, git_repo: Path) -> None:
    (git_repo / "a.txt").write_text("a\n")
    git(git_repo, "add", "a.txt")
    git(git_repo, "commit", "-q", "-m", "a")
    env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i -e 's/^pick/edit/'"}
    subprocess.run(["git", "rebase", "-q", "-i", "HEAD~1"], cwd=git_repo, env=env, check=True)
    (git_repo / "app.py").write_text("x = 1\n")
    with pytest.raises(GitError, match="rebase in progress"):
        rec(ws, files=["app.py"])


def test_item11_a_refusal_during_a_merge_changes_nothing(ws: Workspace, git_repo: Path) -> None:
    (git_repo / "c.txt").write_text("base\n")
    git(git_repo, "add", "c.txt")
    git(git_repo, "commit", "-q", "-m", "base")
    git(git_repo, "checkout", "-q", "-b", "side")
    (git_repo / "c.txt").write_text("side\n")
    git(git_repo, "commit", "-q", "-am", "side")
    git(git_repo, "checkout", "-q", "main")
    (git_repo / "c.txt").write_text("main\n")
    git(git_repo, "commit", "-q", "-am", "main")
    subprocess.run(["git", "merge", "-q", "side"], cwd=git_repo, capture_output=True, check=False)
    (git_repo / "app.py").write_text("x = 1\n")
    index, log = index_bytes(git_repo), ws.results_tsv.read_bytes()
    with pytest.raises(GitError, match="merge in progress"):
        rec(ws, files=["app.py"])
    assert index_bytes(git_repo) == index
    assert ws.results_tsv.read_bytes() == log


def test_item11_files_a_failing_hook_changed_are_listed(ws: Workspace, git_repo: Path) -> None:
    hook = git_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho '# touched' >> app.py\nexit 1\n")
    hook.chmod(0o755)
    (git_repo / "app.py").write_text("x = 1\n")
    index = index_bytes(git_repo)
    with pytest.raises(GitError, match=r"hooks changed: app\.py"):
        rec(ws, files=["app.py"])
    assert index_bytes(git_repo) == index
    assert read_ledger(ws) == ()


# item 12: a decode error names the line


def test_item12_a_non_utf8_log_names_the_line(ws: Workspace) -> None:
    rec(ws)
    rec(ws, description="second")
    data = ws.results_tsv.read_bytes().replace(b"second", b"s\xe9cond")
    ws.results_tsv.write_bytes(data)
    with pytest.raises(ResultsFormatError, match=r"results\.tsv:3: not UTF-8"):
        read_ledger(ws)
    with pytest.raises(ResultsFormatError, match=r"results\.tsv:3: not UTF-8"):
        rec(ws, description="third")


# evidence behind every row


def test_a_hand_typed_row_is_marked_typed(ws: Workspace) -> None:
    rec(ws)
    keeps = read_section(ws, "Keeps") or ""
    assert "typed, not measured" in keeps
    (doc,) = sidecars(ws)
    assert doc["ruling"]["evidence"]["source"] == "typed"


def test_confirmed_without_a_compare_is_shown_as_asserted(ws: Workspace) -> None:
    rec(ws, optimized_latency_ms=95.0, confirmed=True)
    assert "asserted" in (read_section(ws, "Keeps") or "")


def test_files_touched_by_keeps_leaves_out_reverted_keeps(ws: Workspace, git_repo: Path) -> None:
    (git_repo / "app.py").write_text("x = 1\n")
    rec(ws, files=["app.py"])
    (git_repo / "gone.py").write_text("y = 1\n")
    rec(ws, description="a keep reverted later", files=["gone.py"])
    git(git_repo, "revert", "--no-edit", "HEAD")
    rec(ws, description="a discard", optimized_latency_ms=130.0)
    plateau = read_section(ws, "Rotation and plateau state") or ""
    assert "Files touched by keeps: app.py (1)" in plateau
    assert "gone.py" not in plateau


@pytest.mark.parametrize(
    ("given", "over", "status", "rule"),
    [
        ((Verdict.KEEP, Rule.THRESHOLD), {}, "KEEP", "threshold"),
        ((Verdict.KEEP, Rule.THRESHOLD), {"tests_failed": 2}, "DISCARD", "tests-failed"),
        ((Verdict.DISCARD, Rule.NOISE), {"blocking_removed": True}, "KEEP", "blocking-removed"),
        ((Verdict.DISCARD, Rule.ERRORS), {"blocking_removed": True}, "DISCARD", "errors"),
        ((Verdict.INCONCLUSIVE, Rule.UNPROVEN), {}, "DISCARD", "unproven"),
    ],
)
def test_a_ruling_is_taken_as_is_unless_a_higher_rule_applies(
    ws: Workspace, given: tuple[Verdict, Rule], over: dict[str, Any], status: str, rule: str
) -> None:
    ruling = Ruling(given[0], given[1], "from the compare")
    r = rec(ws, ruling=ruling, evidence_ref="runs/compare-1.json", **over)
    assert (r.experiment.status, str(r.ruling.rule)) == (status, rule)
    (doc,) = sidecars(ws)
    assert doc["ruling"]["rule"] == rule
    if rule == str(given[1]):
        assert doc["ruling"]["evidence"] == {
            "source": "measured", "ref": "runs/compare-1.json", "summary": "", "facts": {},
        }  # fmt: skip


def test_a_guard_run_is_kept_in_the_sidecar_and_its_failures_count(ws: Workspace) -> None:
    guard = GuardRun("python -m pytest -q", True, passed=4, failed=1, source="junit-xml")
    r = rec(ws, guard=guard)
    assert (r.experiment.status, str(r.ruling.rule)) == ("DISCARD", "tests-failed")
    (doc,) = sidecars(ws)
    assert doc["guard"]["failed"] == 1
    assert doc["ruling"]["evidence"]["source"] == "measured"
    assert "4 passed, 1 failed" in doc["ruling"]["evidence"]["summary"]
