"""The reviewed range: default base, changed line ranges, and refused ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import OPT, commit, git, snapshot, start_project

from codeflash_lab.errors import ReviewError
from codeflash_lab.experiments.review.diff import load_diff, parse_diff

BASE_APP = """
def one():
    return 1


def two():
    return 2
"""


def test_default_base_is_where_the_branch_left_main(git_repo: Path) -> None:
    base = start_project(git_repo, {"app.py": BASE_APP})
    commit(git_repo, {"app.py": BASE_APP.replace("return 2", "return 22") + "\nX = 3\n"}, "k1")
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"other.py": "y = 1\n"}, "main moved on")
    git(git_repo, "checkout", "-q", OPT)
    diff = load_diff(git_repo)
    assert diff.base_sha == base
    assert "merge-base" in diff.base
    assert [f.path for f in diff.files] == ["app.py"]
    app = diff.files[0]
    assert app.status == "modified"
    # line 6 changed ("return 22"), lines 7-8 added (blank + X = 3)
    assert 6 in app.added_lines
    assert 8 in app.added_lines
    assert 1 not in app.added_lines
    assert app.removed == ((6, 6),)


def test_added_deleted_and_renamed_files(git_repo: Path) -> None:
    start_project(git_repo, {"a.py": BASE_APP, "gone.py": "z = 1\n"})
    git(git_repo, "mv", "a.py", "b.py")
    git(git_repo, "rm", "-q", "gone.py")
    commit(git_repo, {"new.py": "n = 1\nm = 2\n"}, "shuffle")
    by_path = {f.path: f for f in load_diff(git_repo).files}
    assert by_path["b.py"].status == "renamed"
    assert by_path["b.py"].old_path == "a.py"
    assert by_path["gone.py"].status == "deleted"
    assert by_path["new.py"].status == "added"
    assert by_path["new.py"].added == ((1, 2),)
    assert by_path["new.py"].old_path is None


def test_parse_diff_handles_quoted_paths_and_pure_deletions() -> None:
    text = (
        'diff --git "a/sp ace\\303\\251.py" "b/sp ace\\303\\251.py"\n'
        "index 1..2 100644\n"
        '--- "a/sp ace\\303\\251.py"\n'
        '+++ "b/sp ace\\303\\251.py"\n'
        "@@ -3,2 +2,0 @@\n"
        "-x\n"
        "-y\n"
    )
    (f,) = parse_diff(text)
    assert f.path == "sp aceé.py"
    assert f.added == ()
    assert f.removed == ((3, 4),)


def test_no_optimization_branch_is_refused_and_nothing_changes(git_repo: Path) -> None:
    commit(git_repo, {"app.py": BASE_APP}, "code")
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match="no 'codeflash/optimize' branch"):
        load_diff(git_repo)
    assert snapshot(git_repo) == before


def test_unknown_base_is_refused_and_nothing_changes(git_repo: Path) -> None:
    start_project(git_repo, {"app.py": BASE_APP})
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match="base 'no-such-rev' does not exist"):
        load_diff(git_repo, base="no-such-rev")
    assert snapshot(git_repo) == before


def test_base_that_is_not_an_ancestor_is_refused(git_repo: Path) -> None:
    start_project(git_repo, {"app.py": BASE_APP})
    git(git_repo, "checkout", "-q", "main")
    other = commit(git_repo, {"side.py": "s = 1\n"}, "side")
    git(git_repo, "checkout", "-q", OPT)
    with pytest.raises(ReviewError, match="not an ancestor"):
        load_diff(git_repo, base=other)


def test_merge_commit_in_range_is_refused_and_nothing_changes(git_repo: Path) -> None:
    start_project(git_repo, {"app.py": BASE_APP})
    commit(git_repo, {"app.py": BASE_APP + "\nA = 1\n"}, "k1")
    git(git_repo, "checkout", "-q", "main")
    commit(git_repo, {"side.py": "s = 1\n"}, "side")
    git(git_repo, "checkout", "-q", OPT)
    git(git_repo, "merge", "-q", "--no-edit", "main")
    before = snapshot(git_repo)
    with pytest.raises(ReviewError, match=r"contains 1 merge commit\(s\)"):
        load_diff(git_repo, base="HEAD~2")
    assert snapshot(git_repo) == before


def test_non_utf8_file_is_listed_without_line_ranges(git_repo: Path) -> None:
    start_project(git_repo, {"app.py": BASE_APP})
    (git_repo / "legacy.txt").write_bytes(b"caf\xe9\n")
    git(git_repo, "add", "legacy.txt")
    commit(git_repo, {"app.py": BASE_APP + "\nZ = 1\n"}, "k")
    by_path = {f.path: f for f in load_diff(git_repo).files}
    assert by_path["legacy.txt"].added == ()
    assert 8 in by_path["app.py"].added_lines
