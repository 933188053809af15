"""asyncio debug-mode capture on real programs with planted stalls, in a subprocess and in process."""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codeflash_lab.profiling.capture import DebugCapture, debug_callable
from codeflash_lab.profiling.debug import python_command, run_debug
from codeflash_lab.profiling.debug_parse import describe_handle, parse_output

PLANTED = textwrap.dedent(
    """
    import asyncio
    import time


    def crunch():
        end = time.perf_counter() + 0.08
        n = 0
        while time.perf_counter() < end:  # MARK-cpu
            n += 1
        return n


    async def helper():
        await asyncio.sleep(0)


    async def handle(reader, writer):
        await reader.read(1)


    async def main():
        await asyncio.sleep(0.01)
        time.sleep(0.05)  # MARK-sleep
        await asyncio.sleep(0.01)
        crunch()
        await asyncio.sleep(0.01)
        helper()  # MARK-never
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)  # MARK-transport
        server.close()


    asyncio.run(main())
    """
)

CLEAN = textwrap.dedent(
    """
    import asyncio


    async def work(i):
        for _ in range(5):
            await asyncio.sleep(0.005)
        return i


    async def main():
        await asyncio.gather(*(work(i) for i in range(20)))


    asyncio.run(main())
    """
)


def _line(source: str, marker: str) -> int:
    return next(n for n, text in enumerate(source.splitlines(), 1) if marker in text)


def _write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_planted_program_reports_each_stall_at_its_line(tmp_path: Path) -> None:
    script = _write(tmp_path, "planted.py", PLANTED)
    report = run_debug([sys.executable, str(script)], cwd=tmp_path)
    assert report.exit_code == 0, report.output_tail
    assert report.loop_seen is True
    slow = {r.line: r for r in report.slow_callbacks if r.path == str(script)}
    sleep = slow[_line(PLANTED, "MARK-sleep")]
    assert sleep.duration_ms is not None
    assert 45.0 <= sleep.duration_ms <= 1000.0
    cpu_line = _line(PLANTED, "MARK-cpu")
    cpu = slow.get(cpu_line) or slow[cpu_line + 1]
    assert cpu.duration_ms is not None
    assert 70.0 <= cpu.duration_ms <= 5000.0
    assert any(entry[2] == "crunch" for entry in cpu.stack)
    (never,) = report.never_awaited
    assert never.name == "helper"
    assert (never.path, never.line) == (str(script), _line(PLANTED, "MARK-never"))
    assert any("transport" in r.name or "StreamWriter" in r.name for r in report.unclosed)
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["counts"]["never-awaited"] == 1


@pytest.mark.slow
def test_a_clean_program_reports_nothing_at_the_default_threshold(tmp_path: Path) -> None:
    script = _write(tmp_path, "clean.py", CLEAN)
    report = run_debug([sys.executable, str(script)])
    assert report.exit_code == 0
    assert report.loop_seen is True
    assert [r for r in report.records if r.path == str(script)] == []
    assert report.never_awaited == () == report.unclosed
    assert not any("no event loop" in n for n in report.notes)


@pytest.mark.slow
def test_a_failing_command_keeps_its_records_output_and_exit_code(tmp_path: Path) -> None:
    source = PLANTED.replace(
        "asyncio.run(main())", "asyncio.run(main())\nprint('boom')\nraise SystemExit(3)"
    )
    script = _write(tmp_path, "fails.py", source)
    report = run_debug([sys.executable, str(script)])
    assert report.exit_code == 3
    assert not report.ok
    assert report.never_awaited
    assert "boom" in report.output_tail
    assert "exited with code 3" in str(report)


def test_a_missing_command_is_a_report_not_an_exception() -> None:
    report = run_debug(["codeflash-lab-no-such-program-xyz", "--flag"])
    assert report.exit_code == 127
    assert report.records == ()
    assert "could not start" in str(report)
    assert "no-such-program" in report.output_tail


def test_a_python_program_without_asyncio_says_no_loop_was_seen() -> None:
    report = run_debug([sys.executable, "-c", "print(sum(range(10)))"])
    assert report.exit_code == 0
    assert report.loop_seen is False
    assert any("no event loop activity seen" in n for n in report.notes)


def test_a_non_python_command_gets_the_environment_but_no_dash_x() -> None:
    assert python_command(["sh", "-c", "true"]) == ["sh", "-c", "true"]
    assert python_command([sys.executable, "x.py"])[1:3] == ["-X", "dev"]
    report = run_debug(["sh", "-c", 'echo "$PYTHONASYNCIODEBUG $PYTHONDEVMODE"'])
    assert report.output_tail.strip() == "1 1"


@pytest.mark.slow
def test_an_unclosed_socket_is_traced_to_its_line_with_tracemalloc(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        import asyncio
        import socket


        async def main():
            sock = socket.socket()  # MARK-socket
            await asyncio.sleep(0)
            del sock


        asyncio.run(main())
        """
    )
    script = _write(tmp_path, "leak.py", source)
    report = run_debug([sys.executable, str(script)], trace_alloc_frames=8)
    (leak,) = [r for r in report.unclosed if "socket" in r.name]
    assert (leak.path, leak.line) == (str(script), _line(source, "MARK-socket"))


@pytest.mark.parametrize("bad", [0, -5.0])
def test_bad_threshold_names_the_parameter(bad: float) -> None:
    with pytest.raises(ValueError, match="threshold_ms"):
        run_debug(["true"], threshold_ms=bad)
    with pytest.raises(ValueError, match="threshold_ms"):
        DebugCapture(bad)


def test_an_empty_command_is_refused() -> None:
    with pytest.raises(ValueError, match="command"):
        run_debug([])


# --- in process -----------------------------------------------------------------------


async def _helper() -> None:
    await asyncio.sleep(0)


async def _planted_in_process() -> None:
    await asyncio.sleep(0.01)
    time.sleep(0.05)  # noqa: ASYNC251 (MARK-inproc-sleep)
    await asyncio.sleep(0.01)
    _helper()  # type: ignore[unused-coroutine]  # MARK-inproc-never  # noqa: RUF100
    await asyncio.sleep(0.01)


def _this_line(marker: str) -> int:
    return _line(Path(__file__).read_text(encoding="utf-8"), marker)


def test_the_in_process_capture_names_the_blocking_line_and_the_dropped_coroutine() -> None:
    report = debug_callable(_planted_in_process)
    (slow,) = report.slow_callbacks
    assert slow.duration_ms is not None
    assert 45.0 <= slow.duration_ms <= 1000.0
    assert (slow.path, slow.line) == (__file__, _this_line("MARK-inproc-sleep"))
    (never,) = report.never_awaited
    assert never.name.endswith("_helper")
    assert (never.path, never.line) == (__file__, _this_line("MARK-inproc-never"))
    assert report.to_frame()["kind"].tolist() == ["slow-callback", "never-awaited"]
    assert "<table" in report._repr_html_()


def test_the_in_process_capture_restores_the_loop_and_reports_nothing_when_clean() -> None:
    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        async with DebugCapture() as cap:
            await asyncio.gather(*(asyncio.sleep(0.005) for _ in range(10)))
        assert cap.report().records == ()
        return loop.get_debug(), loop.slow_callback_duration

    assert asyncio.run(main()) == (False, 0.1)


def test_a_crashing_callable_keeps_its_records() -> None:
    async def crash() -> None:
        _helper()  # type: ignore[unused-coroutine]
        raise RuntimeError("midway")

    report = debug_callable(crash)
    assert report.exit_code == 1
    assert report.never_awaited
    assert any("RuntimeError: midway" in n for n in report.notes)


def test_handle_descriptions_yield_name_path_and_line() -> None:
    task = (
        "<Task pending name='Task-1' coro=<serve() running at /tmp/x.py:27> "
        "wait_for=<Future pending cb=[Task.task_wakeup()]>>"
    )
    assert describe_handle(task) == ("Task-1: serve()", "/tmp/x.py", 27)
    handle = "<Handle tick() at /srv/app.py:12 created at /srv/app.py:30>"
    assert describe_handle(handle) == ("tick()", "/srv/app.py", 12)
    text = f"WARNING:asyncio:Executing {task} took 0.150 seconds\n"
    (rec,) = parse_output(text)
    assert rec.duration_ms == pytest.approx(150.0)
    assert rec.path == "/tmp/x.py"
    assert parse_output(text, include_slow=False) == []


def test_aiohttp_unclosed_session_messages_are_recognised() -> None:
    text = "Unclosed client session\nclient_session: <aiohttp.client.ClientSession object>\n"
    (rec,) = parse_output(text)
    assert rec.kind == "unclosed-resource"
    assert rec.name == "Unclosed client session"


@pytest.mark.slow
def test_a_pytest_run_is_captured_even_though_pytest_captures_logs(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """
        import asyncio
        import time


        async def handler():
            await asyncio.sleep(0.01)
            time.sleep(0.06)  # MARK-sleep
            await asyncio.sleep(0.01)


        def test_handler():
            asyncio.run(handler())
        """
    )
    _write(tmp_path, "test_svc.py", source)
    report = run_debug(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_svc.py"],
        cwd=tmp_path,
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert report.exit_code == 0, report.output_tail
    (slow,) = report.slow_callbacks
    assert (slow.path, slow.line) == (str(tmp_path / "test_svc.py"), _line(source, "MARK-sleep"))


def test_a_command_that_runs_too_long_is_stopped_and_says_so() -> None:
    code = "import asyncio, time\nasync def f(): pass\nf()\nprint('started', flush=True)\ntime.sleep(30)\n"
    report = run_debug([sys.executable, "-c", code], timeout_s=2.0)
    assert report.exit_code is None
    assert not report.ok
    assert "started" in report.output_tail
    assert any("stopped after 2 s" in n for n in report.notes)


def test_warnings_that_are_not_asyncio_reports_are_passed_on() -> None:
    import warnings

    async def main() -> DebugCapture:
        async with DebugCapture() as cap:
            warnings.warn("unrelated to asyncio", UserWarning, stacklevel=1)
        return cap

    with pytest.warns(UserWarning, match="unrelated to asyncio"):
        cap = asyncio.run(main())
    assert cap.report().records == ()
