"""Building and rendering the report: sections, escaping, offline-only, and thin logs."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest

from codeflash_lab.errors import WorkspaceError
from codeflash_lab.report import build_report
from codeflash_lab.report.render import SORT_SCRIPT
from codeflash_lab.workspace.layout import Workspace
from codeflash_lab.workspace.runs import save_run

XSS = "<script>alert(1)</script>"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def _project(tmp_path, write_results_tsv, rows=(), count=0):
    project = tmp_path / "proj"
    write_results_tsv(Workspace(project).results_tsv, rows, count=count)
    return project


@pytest.mark.slow
def test_full_report_has_every_section(populated_project) -> None:
    report = build_report(populated_project)
    page = report.to_html()
    assert report.title == "Async performance report: service"
    assert f"<title>{report.title}</title>" in page
    for section in ("summary", "charts", "experiments", "findings", "review", "method"):
        assert f'id="{section}"' in page
    keys = [c.key for c in report.charts]
    assert keys == ["cdf", "sweep", "lag", "findings"]
    (target,) = report.targets  # the fixture's log holds one target: its own charts
    assert [c.key for c in target.charts] == ["t1-progress", "t1-latency", "t1-throughput"]
    assert page.count("<svg") == len(keys) + len(target.charts)
    assert "time.sleep blocks the loop" in page
    assert "session created per call" in page
    assert "svc.api:fetch" in page  # locked methodology
    assert "aiohttp, asyncpg" in page  # setup.md
    assert "3.11.7" in page  # environment of the latest bench/compare run
    assert "gather the fetches" in page  # HANDOFF.md
    assert report.summary.keeps == 6
    assert "Keep going" in page or "Plateau" in page


@pytest.mark.slow
def test_page_is_offline_only_with_one_allowed_script(populated_project) -> None:
    page = build_report(populated_project).to_html()
    parsed = _parse(page)
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"^\s*(https?:|//|file:)", value), (tag, name, value)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    csp = next(
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp
    assert parsed.scripts == [SORT_SCRIPT]
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_every_user_value_is_escaped(tmp_path, write_results_tsv) -> None:
    project = _project(
        tmp_path,
        write_results_tsv,
        [
            {
                "baseline_latency_ms": "40",
                "optimized_latency_ms": "20",
                "description": XSS,
                "commit": XSS,
                "target_test": XSS,
            }
        ],
    )
    ws = Workspace(project)
    ws.handoff_md.write_text(f"# Handoff\n{XSS}\n", encoding="utf-8")
    ws.setup_md.write_text(f"- framework: {XSS}\n", encoding="utf-8")
    save_run(
        ws,
        "scan",
        {
            "findings": [
                {
                    "path": XSS,
                    "line": 1,
                    "category": "blocking-call",
                    "impact": "HIGH",
                    "message": XSS,
                    "fix": XSS,
                    "code": XSS,
                }
            ]
        },
    )
    save_run(
        ws,
        "review",
        {
            "findings": [
                {
                    "check": XSS,
                    "severity": "error",
                    "path": "a.py",
                    "line": 1,
                    "message": XSS,
                    "why": XSS,
                }
            ]
        },
    )
    report = build_report(project, title=XSS)
    page = report.to_html()
    assert XSS not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8
    assert _parse(page).scripts == [SORT_SCRIPT]


def test_empty_log_gives_a_clear_page(tmp_path, write_results_tsv) -> None:
    report = build_report(_project(tmp_path, write_results_tsv, []))
    page = report.to_html()
    assert report.charts == ()
    assert "Nothing to chart yet" in page
    assert "No experiments recorded yet" in page
    assert "No scan saved yet" in page
    assert "<svg" not in page


def test_missing_results_file_reads_as_empty(tmp_path) -> None:
    ws = Workspace(tmp_path / "p")
    ws.root.mkdir(parents=True)
    assert build_report(ws).summary.experiments == 0


def test_single_row_log(tmp_path, write_results_tsv) -> None:
    row = {
        "baseline_latency_ms": "40",
        "optimized_latency_ms": "30",
        "baseline_throughput": "10",
        "optimized_throughput": "12",
    }
    report = build_report(_project(tmp_path, write_results_tsv, [row]))
    assert report.charts == ()
    assert [c.key for c in report.targets[0].charts if c.svg] == [
        "t1-progress",
        "t1-latency",
        "t1-throughput",
    ]
    assert len(report.experiments) == 1
    assert "1.33" in report.to_html()


def test_only_discards_explain_themselves(tmp_path, write_results_tsv) -> None:
    rows = [{"baseline_latency_ms": "40", "optimized_latency_ms": "45", "status": "DISCARD"}] * 3
    report = build_report(_project(tmp_path, write_results_tsv, rows))
    progress = report.targets[0].charts[0]
    assert progress.key == "t1-progress"
    assert progress.svg  # a flat line at 1x: nothing was kept
    page = report.to_html()
    assert "No change kept yet" in page
    assert "Plateau" in page


def test_non_numeric_cells_are_warned_about_not_fatal(tmp_path, write_results_tsv) -> None:
    rows = [
        {"baseline_latency_ms": "fast", "optimized_latency_ms": "30"},
        {"baseline_latency_ms": "40", "optimized_latency_ms": "30", "baseline_throughput": "lots"},
    ]
    report = build_report(_project(tmp_path, write_results_tsv, rows))
    assert any("'fast' is not a number" in w for w in report.warnings)
    page = report.to_html()
    assert "Read with care" in page
    assert report.summary.latency.baseline == 40


def test_unreadable_log_becomes_a_warning(tmp_path) -> None:
    ws = Workspace(tmp_path / "p")
    ws.root.mkdir(parents=True)
    ws.results_tsv.write_text("not\ta\tresults\tfile\n", encoding="utf-8")
    ws.methodology_json.write_text("{broken", encoding="utf-8")
    report = build_report(ws)
    assert report.summary.experiments == 0
    assert any("results.tsv could not be read" in w for w in report.warnings)
    assert any("methodology.json" in w for w in report.warnings)


@pytest.mark.slow
def test_long_logs_are_cut_in_the_table_and_say_so(tmp_path, write_results_tsv) -> None:
    report = build_report(_project(tmp_path, write_results_tsv, count=30), table_limit=10)
    assert len(report.experiments) == 10
    assert report.experiments[0]["experiment"] == 21
    assert "Showing the last 10 of 30 experiments" in report.to_html()


@pytest.mark.slow
def test_to_file_repr_and_dict(populated_project, tmp_path) -> None:
    report = build_report(populated_project)
    out = report.to_file(tmp_path / "out" / "report.html")
    assert out.read_text(encoding="utf-8") == report.to_html()
    frame = report._repr_html_()
    assert frame.startswith("<iframe srcdoc=")
    assert "<svg" not in frame  # escaped inside the attribute
    data = json.loads(json.dumps(report.to_dict()))
    assert data["summary"]["experiments"] == 9
    assert data["findings_total"] == 2


def test_a_project_without_codeflash_is_an_error(tmp_path) -> None:
    with pytest.raises(WorkspaceError, match="init"):
        build_report(tmp_path)


def test_bad_limits_name_the_parameter(populated_project) -> None:
    with pytest.raises(ValueError, match="table_limit"):
        build_report(populated_project, table_limit=0)


def test_stuck_loop_shows_the_recovery_checklist(tmp_path, write_results_tsv) -> None:
    rows = [{"baseline_latency_ms": "40", "optimized_latency_ms": "42", "status": "DISCARD"}] * 5
    page = build_report(_project(tmp_path, write_results_tsv, rows)).to_html()
    assert "Stuck: work through this" in page
    assert page.count("<li>") >= 3


def test_a_baseline_bench_shows_before_any_experiment(tmp_path, write_results_tsv) -> None:
    project = _project(tmp_path, write_results_tsv, [])
    save_run(
        Workspace(project),
        "bench",
        {
            "target": "svc:<fetch>",
            "concurrency": 16,
            "throughput_ops_s": 812.5,
            "latency_ms": {"p50": 9.75, "p99": 31.0},
        },
    )
    report = build_report(project)
    assert report.latest_bench["p50_ms"] == 9.75
    page = report.to_html()
    assert "p50 9.75 ms" in page
    assert "812.5 ops/s at concurrency 16" in page
    assert "svc:&lt;fetch&gt;" in page


@pytest.mark.slow
def test_several_targets_get_their_own_lines(tmp_path, write_results_tsv) -> None:
    rows = [
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "400",
            "optimized_latency_ms": "200",
        },
        {"target_test": "GET /checkout", "baseline_latency_ms": "40", "optimized_latency_ms": "20"},
        {
            "target_test": "GET /process",
            "baseline_latency_ms": "200",
            "optimized_latency_ms": "100",
        },
    ]
    report = build_report(_project(tmp_path, write_results_tsv, rows))
    page = report.to_html()
    process, checkout = report.targets
    assert (process.name, checkout.name) == ("GET /process", "GET /checkout")
    assert 'id="target-1" aria-label="Target GET /process"' in page
    assert "GET /checkout (1 experiment, 1 kept): p50 latency 40 ms" in page
    # no figure multiplies gains measured on different targets
    assert "compounded" not in page
    assert "multiplied" not in page
    assert [c.key for c in checkout.charts] == ["t2-progress", "t2-latency", "t2-throughput"]
    assert report.to_dict()["summary"]["others"][0]["target"] == "GET /checkout"


def test_latest_benchmark_is_the_code_in_force_not_the_baseline(
    tmp_path, write_results_tsv
) -> None:
    rows = [
        {
            "commit": "feedc0ffee",
            "target_test": "GET /process",
            "baseline_latency_ms": "311",
            "optimized_latency_ms": "69.5",
        }
    ]
    project = _project(tmp_path, write_results_tsv, rows)
    ws = Workspace(project)
    baseline = {"target": "GET /process", "latency_ms": {"p50": 334.7}, "concurrency": 8}
    save_run(ws, "bench", {**baseline, "git": {"sha": "0ld0ld0ld0", "dirty": False}})
    (target,) = build_report(project).targets
    # the only saved benchmark measured the baseline: the KEEP's own after side is shown
    assert target.latest["p50_ms"] == 69.5
    assert "the after side of experiment #1, the last KEEP" in target.latest["source"]
    page = build_report(project).to_html()
    assert "334.7" not in page
    # a benchmark of the kept commit is the latest measurement of the code in force
    after = {"target": "GET /process", "latency_ms": {"p50": 71.25}, "concurrency": 8}
    save_run(ws, "bench", {**after, "git": {"sha": "feedc0ffee0123", "dirty": False}})
    (target,) = build_report(project).targets
    assert target.latest["p50_ms"] == 71.25
    assert target.latest["source"] == "a benchmark of the code in force (commit feedc0ffee)"


def test_handoff_shown_in_the_report_reads_its_lock_from_methodology_json(tmp_path) -> None:
    from codeflash_lab.workspace import Methodology, init_workspace, lock_methodology

    project = tmp_path / "p"
    project.mkdir()
    ws = Workspace(project)
    ws.root.mkdir()
    locked, _ = lock_methodology(ws, Methodology(target="app:op", concurrency=4))
    init_workspace(project)  # HANDOFF.md written after the lock, from the template
    page = build_report(project).to_html()
    assert "No baseline locked yet" not in page
    assert f"`app:op`: id `{locked.id}`" in page


def test_typed_keeps_are_shown_as_typed(tmp_path, write_results_tsv) -> None:
    import json

    from codeflash_lab.verdicts import Evidence, Rule, Ruling, Source, Verdict

    rows = [{"target_test": "GET /a", "baseline_latency_ms": "12.5", "optimized_latency_ms": "6.1"}]
    project = _project(tmp_path, write_results_tsv, rows)
    folder = Workspace(project).root / "experiments"
    folder.mkdir()
    ruling = Ruling(Verdict.KEEP, Rule.THRESHOLD, "51 % lower", Evidence(Source.TYPED))
    doc = {"id": "x", "state": "done", "target": "GET /a", "ruling": ruling.to_dict()}
    doc["steps"] = {"row": 1}
    (folder / "x.json").write_text(json.dumps(doc), encoding="utf-8")
    report = build_report(project)
    (target,) = report.targets
    assert target.unmeasured == "typed, not measured"
    assert target.latest["source"].startswith("typed in for experiment #1, the last KEEP")
    page = report.to_html()
    assert "Some kept numbers were typed, not measured" in page
    assert report.experiments[0]["typed"]
