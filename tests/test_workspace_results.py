"""results.tsv: the 14-column contract, strict reading, safe appends."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from codeflash_lab.errors import ResultsFormatError
from codeflash_lab.workspace.results import (
    COLUMNS,
    Experiment,
    append_experiment,
    ensure_results_file,
    format_change,
    parse_change,
    read_results,
)

HEADER = "\t".join(COLUMNS)
AGENT_ROW = "a1b2c3d\ttests/test_api.py::test_process\t850\t310\t-63%\t12\t33\t+172%\t50\t42\t0\tkeep\tsequential-awaits\tgather 3 independent DB calls"


def _exp(**over: object) -> Experiment:
    base: dict[str, object] = dict(
        commit="abc1234",
        target_test="demo:process",
        baseline_latency_ms=850.0,
        optimized_latency_ms=310.0,
        baseline_throughput=12.0,
        optimized_throughput=33.0,
        concurrency=50,
        status="KEEP",
        pattern="sequential-awaits",
        description="gather the three upstream calls",
    )
    base.update(over)
    return Experiment.build(**base)  # type: ignore[arg-type]


def test_columns_are_the_fourteen_of_the_contract() -> None:
    assert len(COLUMNS) == 14
    assert COLUMNS[0] == "commit"
    assert COLUMNS[-1] == "description"


@pytest.mark.parametrize(
    ("pct", "text"), [(-63.2, "-63%"), (172.4, "+172%"), (0.2, "0%"), (None, "")]
)
def test_change_format(pct: float | None, text: str) -> None:
    assert format_change(pct) == text


def test_parse_change_accepts_percent_and_bare_numbers() -> None:
    assert parse_change("-63%") == -63.0
    assert parse_change("+172%") == 172.0
    assert parse_change("12.5") == 12.5
    assert parse_change("") is None


def test_a_row_written_by_the_agent_loads(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text(HEADER + "\n" + AGENT_ROW + "\n")
    log = read_results(path)
    (row,) = log.rows
    assert row.status == "KEEP"
    assert row.latency_change == -63.0
    assert row.throughput_change == 172.0
    frame = log.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    assert frame.loc[1, "optimized_latency_ms"] == 310.0


def test_build_computes_changes_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / ".codeflash" / "results.tsv"
    n = append_experiment(path, _exp())
    assert n == 1
    assert path.read_text().splitlines()[0] == HEADER
    row = read_results(path).rows[0]
    assert row.latency_change == -64.0  # 850 -> 310 ms is 63.5% faster, rounded
    assert row.throughput_change == 175.0
    assert row.description == "gather the three upstream calls"


def test_extra_columns_are_kept_and_appends_leave_them_alone(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text(HEADER + "\tnotes\n" + AGENT_ROW + "\thand note\n")
    before = path.read_text()
    append_experiment(path, _exp(status="discard"))
    after = path.read_text()
    assert after.startswith(before)  # nothing rewritten
    log = read_results(path)
    assert log.extra_columns == ("notes",)
    assert log.rows[0].extra == {"notes": "hand note"}
    assert log.rows[1].status == "DISCARD"
    assert after.splitlines()[-1].count("\t") == 14  # empty cell for the extra column


def test_truncated_row_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text(HEADER + "\n" + AGENT_ROW + "\n" + "\t".join(AGENT_ROW.split("\t")[:5]))
    with pytest.raises(ResultsFormatError) as info:
        read_results(path)
    assert info.value.line == 3
    assert info.value.column == "baseline_throughput"
    assert ":3" in str(info.value)


def test_mangled_number_is_an_error_when_strict_and_a_warning_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text(HEADER + "\n" + AGENT_ROW.replace("\t310\t", "\tfast\t") + "\n")
    with pytest.raises(ResultsFormatError) as info:
        read_results(path)
    assert info.value.column == "optimized_latency_ms"
    assert info.value.line == 2
    log = read_results(path, strict=False)
    assert log.rows[0].optimized_latency_ms is None
    assert "optimized_latency_ms" in log.warnings[0]


def test_bad_header_and_bad_status_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    path.write_text(HEADER.replace("concurrency", "conc") + "\n")
    with pytest.raises(ResultsFormatError, match="concurrency"):
        read_results(path)
    path.write_text(HEADER + "\n" + AGENT_ROW.replace("\tkeep\t", "\tmaybe\t") + "\n")
    with pytest.raises(ResultsFormatError) as info:
        read_results(path)
    assert info.value.column == "status"


def test_append_refuses_a_file_whose_last_line_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    content = HEADER + "\n" + AGENT_ROW  # no final newline
    path.write_text(content)
    with pytest.raises(ResultsFormatError, match="line ending"):
        append_experiment(path, _exp())
    assert path.read_text() == content


def test_append_refuses_a_malformed_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    content = "not a header\n"
    path.write_text(content)
    with pytest.raises(ResultsFormatError):
        append_experiment(path, _exp())
    assert path.read_text() == content


def test_ensure_results_file_never_rewrites(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    ensure_results_file(path)
    assert path.read_text() == HEADER + "\n"
    append_experiment(path, _exp())
    text = path.read_text()
    ensure_results_file(path)
    assert path.read_text() == text


def test_tabs_and_newlines_in_description_stay_in_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    append_experiment(path, _exp(description="a\tb\nc"))
    assert read_results(path).rows[0].description == "a b c"


def _append_many(path: str, worker: int) -> None:
    for i in range(25):
        append_experiment(path, _exp(description=f"w{worker}-{i}"))


def test_concurrent_appends_from_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "results.tsv"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(path), w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    log = read_results(path)
    assert len(log) == 75
    assert len({r.description for r in log}) == 75
    assert path.read_text().count(HEADER) == 1
