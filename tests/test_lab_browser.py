"""End to end in a real browser: JupyterLab runs ``00_start_here`` and its chart follows a widget.

Starts ``jupyter lab`` on 127.0.0.1 (free port, no token) in a temporary copy of the notebooks
and drives it with Python Playwright in Debian's headless Chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_SCHEMES = {"data", "blob", "about", "file"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"jupyter lab did not answer {url} within {deadline_s:.0f}s")


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[str]:
    """A token-less JupyterLab on a free loopback port, serving a copy of the notebooks."""
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        # 00_start_here makes a git copy of the demo: give its commits an identity.
        "GIT_AUTHOR_NAME": "Browser Test",
        "GIT_AUTHOR_EMAIL": "browser@example.invalid",
        "GIT_COMMITTER_NAME": "Browser Test",
        "GIT_COMMITTER_EMAIL": "browser@example.invalid",
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{base}/api/status", proc, 90)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _output_images(page: object) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        ".jp-OutputArea-output img", "els => els.map(e => e.getAttribute('src') || '')"
    )


def test_start_here_runs_and_its_chart_follows_the_widget(lab_server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda req: requests.append(req.url))
            page.goto(f"{lab_server}/lab/tree/00_start_here.ipynb", timeout=90_000)
            page.wait_for_selector(".jp-Notebook", timeout=90_000)
            # A fresh server may ask which kernel to start: accept the notebook's own.
            accept = page.locator(".jp-Dialog .jp-mod-accept")
            try:
                accept.wait_for(state="visible", timeout=15_000)
                accept.click()
            except sync_api.TimeoutError:
                pass
            # A visually hidden status span: wait for it to be attached, not visible.
            page.wait_for_selector("text=Kernel status: Idle", state="attached", timeout=90_000)
            page.wait_for_function("() => window.jupyterapp !== undefined", timeout=30_000)
            # Fire and forget: the command's promise settles only when every cell has run.
            page.evaluate(
                "() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
            )
            control = page.wait_for_selector(
                ".jp-OutputArea-output .widget-dropdown select", timeout=120_000
            )
            page.wait_for_function(
                "() => document.querySelectorAll('.jp-OutputArea-output img').length > 0",
                timeout=60_000,
            )
            before = _output_images(page)
            options = control.eval_on_selector_all("option", "els => els.map(e => e.value)")
            current = control.input_value()
            other = next(o for o in options if o != current)
            control.select_option(other)
            page.wait_for_function(
                "(old) => { const now = Array.from(document.querySelectorAll("
                "'.jp-OutputArea-output img')).map(e => e.getAttribute('src') || '');"
                " return now.length > 0 && now.some(s => !old.includes(s)); }",
                arg=before,
                timeout=30_000,
            )
            errors = page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()
            assert errors == 0, "a cell of 00_start_here raised in JupyterLab"
        except Exception:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            texts = page.eval_on_selector_all(
                ".jp-OutputArea-output", "els => els.map(e => e.innerText.slice(0, 300))"
            )
            print(f"screenshot: {tmp_path / 'failure.png'}; outputs: {texts}")
            raise
        finally:
            browser.close()
    outside = [
        url
        for url in requests
        if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert requests, "the browser made no request at all"
    assert outside == [], f"requests left 127.0.0.1: {outside[:5]}"
