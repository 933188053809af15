"""Fake executables for discovery tests: a controlled ``PATH`` instead of installing tools."""

from __future__ import annotations

import os
from pathlib import Path


def fake_exe(path: Path, stdout: str = "", code: int = 0) -> Path:
    """A shell script at ``path`` that prints ``stdout`` and exits with ``code``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"echo '{line}'\n" for line in stdout.splitlines())
    path.write_text(f"#!/bin/sh\n{lines}exit {code}\n")
    path.chmod(0o755)
    return path


def fake_python(path: Path, version: str = "3.12.4") -> Path:
    """A fake interpreter that answers the version query with ``version``."""
    return fake_exe(path, version)


def fake_path(folder: Path, names: list[str], outputs: dict[str, str] | None = None) -> str:
    """A ``PATH`` holding only fake commands ``names`` (each prints its entry of ``outputs``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        fake_exe(folder / name, (outputs or {}).get(name, ""))
    return str(folder)


def path_without(*names: str) -> str:
    """This process's ``PATH`` minus the folders that hold any of ``names``."""
    keep = [
        d for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not any((Path(d) / n).exists() for n in names)
    ]  # fmt: skip
    return os.pathsep.join(keep)
