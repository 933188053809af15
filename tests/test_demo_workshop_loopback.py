"""The loopback guard in the workshop tools: they connect only to servers they started.

The workshop takes no URL from the attendee: ``running_copy`` (``workshop serve``) and
``check_exercise`` (``workshop check``) start the copy's servers on 127.0.0.1 and use the
base URL each server announces on its ``READY`` line. That line comes from the
attendee's own copy, so the announced host is checked like any target: a
``*.localhost`` name is 127.0.0.1 and never looked up, any other name or address that is
not this machine is refused before anything connects to it.

Guards: ``socket.connect`` in this process refuses any non-loopback address and name
lookups go through the fake resolver of ``test_targets_loopback`` (documentation
addresses only). The server children get the same guard and a logging fake resolver
from the copy's own ``shopfront/__init__.py``; the copy's ``serving.py`` announces the
host named by ``SHOPFRONT_ANNOUNCE`` (default 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from test_runs_kept_loopback import attempts, resolver  # noqa: F401 (fixtures)
from test_targets_loopback import REMOTE_V4, SITECUSTOMIZE, FakeResolver

from codeflash_lab.demo import check_exercise, create_project, exercise, running_copy
from codeflash_lab.demo.project import apply_fix
from codeflash_lab.errors import DemoError

ANNOUNCE = "SHOPFRONT_ANNOUNCE"

pytestmark = pytest.mark.slow


def _children() -> set[int]:
    return {p.pid for p in psutil.Process(os.getpid()).children(recursive=True)}


@pytest.fixture(scope="module")
def seat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy with the blocking-call fix, guarded server children and a settable announcement."""
    room = tmp_path_factory.mktemp("room")
    project = create_project(room / "seat").project
    apply_fix(project, exercise("blocking-call"))
    package = project / "shopfront"
    log = room / "child-lookups.txt"
    (package / "_net_guard.py").write_text(SITECUSTOMIZE.format(log=str(log)))
    init = package / "__init__.py"
    init.write_text(init.read_text() + "\nfrom shopfront import _net_guard  # noqa: E402,F401\n")
    serving = package / "serving.py"
    text = serving.read_text()
    announced = 'print(f"{READY} http://127.0.0.1:{bound}", flush=True)'
    assert announced in text
    serving.write_text(
        text.replace("import asyncio\n", "import asyncio\nimport os\n", 1)
        .replace(announced, 'print(f"{READY} http://{_HOST}:{bound}", flush=True)')
        .replace(
            "\n\nasync def serve(",
            f"\n_HOST = os.environ.get({ANNOUNCE!r}, '127.0.0.1')\n\n\nasync def serve(",
            1,
        )
    )
    return project


@pytest.fixture
def child_log(seat: Path) -> Path:
    log = seat.parent.parent / "child-lookups.txt"
    log.unlink(missing_ok=True)
    return log


@dataclass
class Guard:
    """What the guards saw: lookups here and in the servers, refused connects, leftovers."""

    resolver: FakeResolver
    attempts: list[object]
    child_log: Path
    monkeypatch: pytest.MonkeyPatch
    before: set[int]

    def announce(self, host: str | None) -> None:
        """Make the copy's servers announce ``host`` (``None``: 127.0.0.1, as shipped)."""
        if host is None:
            self.monkeypatch.delenv(ANNOUNCE, raising=False)
        else:
            self.monkeypatch.setenv(ANNOUNCE, host)

    def seen(self) -> tuple[list[str], list[object], list[str], set[int]]:
        lookups = self.child_log.read_text().split() if self.child_log.exists() else []
        return self.resolver.calls, self.attempts, lookups, _children() - self.before


NOTHING = ([], [], [], set())


@pytest.fixture
def guard(
    child_log: Path,
    resolver: FakeResolver,  # noqa: F811
    attempts: list[object],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Guard:
    # a hosts entry (here: the fake resolver) maps every name, even localhost, elsewhere
    names = ("localhost", "localhost.localdomain", "shop.example", "seat.localhost")
    resolver.answers.update({name: [[REMOTE_V4]] for name in names})
    return Guard(resolver, attempts, child_log, monkeypatch, _children())


HOSTILE = ["localhost.localdomain", "shop.example", REMOTE_V4, "[2001:db8::10]"]


@pytest.mark.parametrize("host", HOSTILE)
def test_a_server_announcing_another_machine_is_refused_before_any_connection(
    host: str, seat: Path, guard: Guard
) -> None:
    guard.announce(host)
    refused = pytest.raises(DemoError, match=r"the upstream server announced .*this machine")
    with refused, running_copy(seat, latency_ms=1):
        pytest.fail("the copy ran with a server that is not on this machine")
    assert guard.seen() == NOTHING


def test_the_check_refuses_before_its_benchmark_connects(seat: Path, guard: Guard) -> None:
    guard.announce("shop.example")
    with pytest.raises(DemoError, match=r"'http://shop\.example:\d+'"):
        check_exercise("blocking-call", seat, measure=True)
    assert guard.seen() == NOTHING


def test_a_dot_localhost_announcement_is_127_0_0_1_and_never_looked_up(
    seat: Path, guard: Guard
) -> None:
    guard.announce("seat.localhost")
    with running_copy(seat, latency_ms=1) as copy:
        assert copy.upstream.startswith("http://127.0.0.1:")
        assert copy.service.startswith("http://127.0.0.1:")
        service = next(h for h in copy.servers.running if h.name == "service")
        assert psutil.Process(service.pid).cmdline()[-4:-2] == ["--upstream", copy.upstream]
        # the service calls its upstream at the checked address (the child is guarded too)
        with urllib.request.urlopen(copy.service + "/process?skus=a1,b2", timeout=20) as resp:
            body = json.loads(resp.read())
        assert [line["sku"] for line in body["lines"]] == ["a1", "b2"]
    assert guard.seen() == NOTHING


def test_the_workshop_check_connects_only_to_its_own_servers_on_127_0_0_1(
    seat: Path, guard: Guard
) -> None:
    guard.announce(None)
    result = check_exercise("blocking-call", seat, measure=True)
    assert result.finding_gone
    assert result.tests_ok is True
    assert result.benchmark_ok is not None
    assert result.details[2].startswith("benchmark: GET /checkout")
    assert guard.seen() == NOTHING


def test_workshop_serve_on_the_command_line_refuses_a_remote_announcement(
    seat: Path, guard: Guard, tmp_path: Path
) -> None:
    # the command's own process gets the connect guard and the logging resolver too
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE.format(log=str(guard.child_log)))
    env = dict(os.environ, PYTHONPATH=str(site), **{ANNOUNCE: "shop.example"})
    proc = subprocess.run(
        [sys.executable, "-m", "codeflash_lab", "workshop", "serve", "--project", str(seat)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "upstream server announced 'http://shop.example:" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "service:" not in proc.stdout
    assert guard.seen() == NOTHING
