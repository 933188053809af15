"""The streaming pass over results.tsv agrees with reading every row, on every form of row."""

from __future__ import annotations

from pathlib import Path

import pytest

from codeflash_lab.errors import ResultsFormatError
from codeflash_lab.experiments.ledger_scan import SHOWN, scan_ledger
from codeflash_lab.experiments.plateau import ledger_status
from codeflash_lab.workspace.results import COLUMNS, read_results

ROWS = [
    # the tools' own form (the fast path)
    "a1\tapp:h\t100\t60\t-40%\t10\t16\t+60%\t10\t5\t0\tKEEP\tsequential-awaits\tgather",
    "a2\tapp:h\t100\t104\t+4%\t\t\t\t10\t\t\tDISCARD\tblocking-call\toffload",
    # hand-written forms (the slow path): units, commas, n/a, lower case, spaces
    "a3\tapp:h\t1,000 ms\t500ms\t-50 %\tn/a\t-\t\t10\t\t\tkeep\t Blocking-Call \thand",
    "a4\tapp:h\t\t\t-12.5\t\t\t+3\t\t\t\tKeep\tawait-in-loop\tpercent only",
    "a5\tapp:h\t100\t99\t-1%\t\t\t\t20\t\t\tdiscard\tawait-in-loop\tsmall",
    "a6\tapp:h\t100\t130\t+30%\t\t\t\t20\t\t\tDISCARD\tawait-in-loop\tworse",
    "a7\tapp:h\t100\t102\t+2%\t\t\t\t20\t\t\tDISCARD\tawait-in-loop\tagain",
]


def write(path: Path, rows: list[str], extra: str = "") -> Path:
    path.write_text("\t".join(COLUMNS) + extra + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_the_stream_and_the_full_read_agree(tmp_path: Path) -> None:
    log = write(tmp_path / "results.tsv", ROWS)
    digest = scan_ledger(log)
    rows = read_results(log).rows
    assert digest.status() == ledger_status(rows)
    assert digest.keeps == [(n, r) for n, r in enumerate(rows, 1) if r.status == "KEEP"]
    assert digest.discards == [(n, r) for n, r in enumerate(rows, 1) if r.status == "DISCARD"]
    assert digest.last_concurrency == 20
    assert digest.discards_by_pattern == {"blocking-call": 1, "await-in-loop": 3}


def test_only_the_newest_rows_are_kept(tmp_path: Path) -> None:
    rows = [ROWS[1].replace("a2", f"d{i}") for i in range(3 * SHOWN)]
    digest = scan_ledger(write(tmp_path / "results.tsv", rows))
    assert digest.rows == 3 * SHOWN
    assert [n for n, _ in digest.discards] == list(range(2 * SHOWN + 1, 3 * SHOWN + 1))


def test_extra_columns_and_blank_lines(tmp_path: Path) -> None:
    log = write(tmp_path / "results.tsv", [ROWS[0] + "\tnote", "", ROWS[1] + "\t"], "\tnotes")
    digest = scan_ledger(log)
    assert digest.rows == 2
    assert digest.keeps[0][1].extra == {"notes": "note"}


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (ROWS[1].replace("104", "lots"), r"results\.tsv:3 \(column 'optimized_latency_ms'\)"),
        (ROWS[1].replace("DISCARD", "MAYBE"), r"results\.tsv:3 \(column 'status'\)"),
        ("a9\tapp:h\t100", r"results\.tsv:3 \(column 'optimized_latency_ms'\).*truncated"),
    ],
)
def test_errors_name_the_line_and_column(tmp_path: Path, bad: str, where: str) -> None:
    log = write(tmp_path / "results.tsv", [ROWS[0], bad, ROWS[2]])
    with pytest.raises(ResultsFormatError, match=where):
        scan_ledger(log)


def test_a_decode_error_deep_in_a_big_log_names_its_line(tmp_path: Path) -> None:
    rows = [ROWS[1].replace("a2", f"d{i}") for i in range(60_000)]  # more than one read block
    log = write(tmp_path / "results.tsv", rows)
    data = bytearray(log.read_bytes())
    offset = data.index(b"d54321\t")
    data[offset + 1] = 0xE9
    log.write_bytes(bytes(data))
    with pytest.raises(ResultsFormatError, match=r"results\.tsv:54323: not UTF-8"):
        scan_ledger(log)
