"""The Makefile's browser install and test-loaded, run with stub programs on PATH.

Never touches the real apt state: ``apt-get``, ``id`` and ``python`` are small
scripts in a temporary folder that record how they were called.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

LOCKED_APT = """#!/bin/sh
echo "$*" >> "{log}"
echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
exit 100
"""

UPDATE_ONLY_APT = """#!/bin/sh
echo "$*" >> "{log}"
case "$*" in *install*) echo "E: dpkg was interrupted" >&2; exit 100;; esac
exit 0
"""


def _stub(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text)
    path.chmod(0o755)


def _bin(tmp_path: Path, apt: str) -> tuple[Path, Path]:
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "apt.log"
    _stub(folder, "apt-get", apt.format(log=log))
    _stub(folder, "id", "#!/bin/sh\necho 0\n")  # root, whoever runs the test
    return folder, log


def _make(tmp_path: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(folder), "HOME": str(tmp_path)}
    return subprocess.run(
        [str(MAKE), "--no-print-directory", "-f", str(ROOT / "Makefile"), *args],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_a_held_apt_lock_is_waited_for_then_the_browser_tests_are_skipped(tmp_path: Path) -> None:
    folder, log = _bin(tmp_path, LOCKED_APT)
    proc = _make(tmp_path, folder, "browser", "APT_LOCK_WAIT=7")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "browser tests will be skipped" in proc.stdout
    assert "apt lock may have been held for over 7 s" in proc.stdout
    calls = log.read_text().splitlines()
    assert calls == ["-o DPkg::Lock::Timeout=7 update -qq"]


def test_a_failed_install_after_a_good_update_only_skips_the_browser_tests(
    tmp_path: Path,
) -> None:
    folder, log = _bin(tmp_path, UPDATE_ONLY_APT)
    proc = _make(tmp_path, folder, "browser")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "browser tests will be skipped" in proc.stdout
    calls = log.read_text().splitlines()
    assert calls[1] == "-o DPkg::Lock::Timeout=180 install -y -qq chromium"


STUB_PYTHON = """#!/bin/sh
if [ "$1" = "-c" ]; then exec "{python}" "$@"; fi
# "python -m pytest": note the burners' pids and whether they run, then fail
echo "$CFL_BURNER_PIDS" > "{log}"
for pid in $CFL_BURNER_PIDS; do kill -0 "$pid" && echo alive >> "{log}"; done
exit 1
"""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_test_loaded_runs_make_test_beside_two_burners_and_stops_them_on_failure(
    tmp_path: Path,
) -> None:
    folder, _ = _bin(tmp_path, LOCKED_APT)
    _stub(folder, "chromium", "#!/bin/sh\nexit 0\n")  # installed: no apt-get
    log = tmp_path / "pytest.log"
    python = tmp_path / "python"
    real = os.path.realpath(sys.executable)  # a binary, not a shim needing PATH
    _stub(tmp_path, "python", STUB_PYTHON.format(python=real, log=log))
    (tmp_path / "pyproject.toml").write_text("")
    stamp = tmp_path / "stamp"
    stamp.write_text("")
    later = time.time() + 60
    os.utime(stamp, (later, later))  # newer than pyproject.toml: nothing to install
    proc = _make(tmp_path, folder, "test-loaded", f"PYTHON={python}", f"PY={python}",
                 f"STAMP={stamp}")  # fmt: skip
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "make test beside two CPU burners" in proc.stdout
    first, *alive = log.read_text().splitlines()
    pids = [int(p) for p in first.split()]
    assert len(pids) == 2
    assert alive == ["alive", "alive"]
    assert not any(_running(pid) for pid in pids)
