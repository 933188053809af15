"""The headless notebook runner: parameters, per-cell timeouts, readable failures (real kernels)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from codeflash_lab.errors import NotebookError
from codeflash_lab.lab import inject_parameters, run_notebook, strip_ansi


def _notebook(path: Path, *cells: str, params: str = "x = 1\nquick = False") -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), p]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, path)
    return path


def test_inject_parameters_goes_right_after_the_tagged_cell(tmp_path: Path) -> None:
    nb = nbformat.read(_notebook(tmp_path / "a.ipynb", "print(x)"), as_version=4)
    inject_parameters(nb, {"x": 5, "where": tmp_path})
    assert nb.cells[2].metadata["tags"] == ["injected-parameters"]
    assert "x = 5" in nb.cells[2].source
    assert f"where = {str(tmp_path)!r}" in nb.cells[2].source
    inject_parameters(nb, {"x": 6})  # a second injection replaces the first
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert "x = 6" in injected[0].source


def test_inject_parameters_without_a_tagged_cell_goes_first() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)")]
    inject_parameters(nb, {"n": 2})
    assert nb.cells[0].source.endswith("n = 2\n")
    with pytest.raises(ValueError, match="parameters"):
        inject_parameters(nb, {"not a name": 1})


def test_strip_ansi_removes_colour_codes() -> None:
    assert strip_ansi("\x1b[0;31mZeroDivisionError\x1b[0m: x") == "ZeroDivisionError: x"


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        run_notebook(tmp_path / "a.ipynb", timeout_s=0)
    with pytest.raises(FileNotFoundError):
        run_notebook(tmp_path / "missing.ipynb")


@pytest.mark.slow
def test_runs_with_parameters_a_widget_cell_and_env(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path / "ok.ipynb",
        "import ipywidgets as w\nw.interactive(lambda n: print(n * x), n=(1, 10))",
        "import os\nassert quick is True\nassert os.environ['CFL_TEST'] == 'yes'\n"
        "assert os.getcwd() == WORK, (os.getcwd(), WORK)",
    )
    work = tmp_path / "work"
    work.mkdir()
    out = tmp_path / "out" / "ok.ipynb"
    run = run_notebook(
        path,
        parameters={"quick": True, "x": 3, "WORK": str(work)},
        cwd=work,
        env={"CFL_TEST": "yes"},
        output_path=out,
        timeout_s=30,
    )
    assert out.is_file()
    executed = nbformat.read(out, as_version=4)
    assert any(o.get("output_type") for o in executed.cells[3].outputs)
    assert [c.index for c in run.cells] == [1, 2, 3, 4]
    assert run.to_dict()["parameters"]["x"] == 3
    assert "ok.ipynb: ok" in str(run)
    assert list(run.to_frame().columns) == ["index", "seconds", "first_line"]


@pytest.mark.slow
def test_a_failing_cell_is_named_with_its_source_and_a_clean_traceback(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "bad.ipynb", "y = 2", "assert y == 3, 'y should be three'")
    out = tmp_path / "bad.out.ipynb"
    with pytest.raises(NotebookError) as info:
        run_notebook(path, timeout_s=30, output_path=out)
    err = info.value
    assert err.cell_index == 3
    assert err.ename == "AssertionError"
    assert "y should be three" in str(err)
    assert "assert y == 3" in err.source
    assert "\x1b[" not in str(err)
    assert "cell 3 failed" in str(err)
    assert out.is_file()  # the partly executed notebook is kept for inspection


@pytest.mark.slow
def test_a_cell_over_its_own_timeout_fails_with_a_timeout(tmp_path: Path) -> None:
    nb = nbformat.read(_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)"), 4)
    nb.cells[2].metadata["timeout_s"] = 1
    nbformat.write(nb, tmp_path / "slow.ipynb")
    with pytest.raises(NotebookError) as info:
        run_notebook(tmp_path / "slow.ipynb", timeout_s=60)
    assert info.value.ename == "CellTimeoutError"
    assert info.value.cell_index == 2


class _Channel:
    """A shell channel whose first polls see nothing, as in nbclient #312."""

    def __init__(self, empty_polls: int) -> None:
        self.empty_polls = empty_polls
        self.timeouts: list[float | None] = []

    async def get_msg(self, timeout: float | None = None) -> dict[str, str]:  # noqa: ASYNC109
        from queue import Empty

        self.timeouts.append(timeout)
        if len(self.timeouts) <= self.empty_polls:
            raise Empty
        return {"msg_type": "execute_reply"}


class _Client:
    def __init__(self, channel: _Channel) -> None:
        self.kc = type("KC", (), {"shell_channel": channel})()


def test_sliced_polling_retries_in_short_slices_until_the_reply() -> None:
    import asyncio

    from codeflash_lab.lab.runner import POLL_SLICE_S, _install_sliced_polling

    channel = _Channel(empty_polls=2)
    client = _Client(channel)
    _install_sliced_polling(client)
    reply = asyncio.run(client.kc.shell_channel.get_msg(timeout=30))
    assert reply == {"msg_type": "execute_reply"}
    assert len(channel.timeouts) == 3
    assert all(t is not None and t <= POLL_SLICE_S for t in channel.timeouts)


def test_sliced_polling_still_times_out_at_the_deadline() -> None:
    import asyncio
    from queue import Empty

    from codeflash_lab.lab.runner import _install_sliced_polling

    channel = _Channel(empty_polls=10**6)

    async def never() -> None:
        await channel_get(timeout=0.05)

    client = _Client(channel)
    _install_sliced_polling(client)
    channel_get = client.kc.shell_channel.get_msg
    with pytest.raises(Empty):
        asyncio.run(never())
