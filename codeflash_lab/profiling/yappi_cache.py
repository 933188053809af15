"""yappi for the project's interpreter, from a private cached folder (never its site-packages).

``profile`` needs yappi where the target runs. When the project's interpreter cannot
import it, the measuring child gets a folder under the codeflash-lab cache added to its
``sys.path``: ``<cache>/yappi/<SOABI>``. That folder is filled by a copy of
codeflash-lab's own yappi when the two interpreters share an ABI, or else by one
``pip install --target`` command that the error names (``profile --install-yappi`` runs it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from codeflash_lab.errors import ProfilingError

__all__ = ["YappiSource", "ensure_yappi", "install_command", "install_yappi", "yappi_folder"]

_QUERY = (
    "import sys, sysconfig\n"
    "try:\n    import yappi\n    found = yappi.__file__\n"
    "except ImportError:\n    found = ''\n"
    "print(sysconfig.get_config_var('SOABI') or sys.implementation.cache_tag)\n"
    "print(found)\n"
)


@dataclass(frozen=True, slots=True)
class YappiSource:
    """Where the child finds yappi.

    Attributes:
        extra_path: folders to append to the child's ``sys.path`` (empty when the
            project's interpreter imports yappi by itself).
        note: one line for the profile's notes (``""`` when nothing was done).
    """

    extra_path: tuple[str, ...]
    note: str


def _cache_root() -> Path:
    from codeflash_lab.scan.cache import cache_dir

    return cache_dir()


def _query(python: str) -> tuple[str, str]:
    """``(abi tag, path of an importable yappi or "")`` of ``python``."""
    try:
        proc = subprocess.run(
            [python, "-c", _QUERY],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProfilingError(f"cannot run the project's interpreter {python!r} ({exc})") from None
    lines = (proc.stdout or "").splitlines()
    if proc.returncode != 0 or not lines:
        raise ProfilingError(f"cannot run the project's interpreter {python!r}")
    return lines[0].strip(), (lines[1].strip() if len(lines) > 1 else "")


def yappi_folder(abi: str) -> Path:
    """The private folder for yappi built for interpreters with this ABI tag."""
    return _cache_root() / "yappi" / abi


def install_command(python: str, folder: Path) -> list[str]:
    """The one command that installs yappi for ``python`` into ``folder`` (nothing else touched).

    pip runs with codeflash-lab's interpreter and targets the project's with ``--python``,
    so the project's environment needs no pip of its own.
    """
    return [
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
        "--disable-pip-version-check", "--target", str(folder), "yappi",
    ]  # fmt: skip


def _own_yappi_files() -> list[Path]:
    try:
        import yappi
    except ImportError:
        return []
    here = Path(yappi.__file__).parent
    files = [Path(yappi.__file__)]
    files += sorted(here.glob("_yappi*" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so")))
    return files if len(files) > 1 else []


def _has_yappi(folder: Path) -> bool:
    return (folder / "yappi.py").is_file() and any(folder.glob("_yappi*"))


def ensure_yappi(python: str, *, reuse_own: bool = True) -> YappiSource:
    """Make yappi importable by the child under ``python``, without touching its environment.

    Args:
        python: the project's interpreter.
        reuse_own: copy codeflash-lab's own yappi into the cache when the ABIs match.

    Returns:
        The :class:`YappiSource` to give the child.

    Raises:
        ProfilingError: yappi is nowhere to be had; the message names the install command.
    """
    abi, importable = _query(python)
    if importable:
        return YappiSource((), "")
    folder = yappi_folder(abi)
    if _has_yappi(folder):
        return YappiSource((str(folder),), f"yappi from the private folder {folder}")
    own_abi = sysconfig.get_config_var("SOABI") or sys.implementation.cache_tag
    files = _own_yappi_files() if reuse_own and own_abi == abi else []
    if files:
        folder.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copy2(f, folder / f.name)
        return YappiSource(
            (str(folder),), f"yappi copied from codeflash-lab's own environment to {folder}"
        )
    cmd = " ".join(install_command(python, folder))
    raise ProfilingError(
        f"yappi is not available to {python} ({abi}); install it into a private folder "
        f"(the project's environment is not touched) with:\n  {cmd}\n"
        "or run the same profile with --install-yappi"
    )


def install_yappi(python: str, *, env: dict[str, str] | None = None) -> Path:
    """Run :func:`install_command` for ``python``; return the folder it filled.

    Nothing is installed when ``python`` imports yappi already or the private folder has
    it: that folder is returned.

    Raises:
        ProfilingError: pip failed; one line (offline when the index could not be reached).
    """
    abi, importable = _query(python)
    if importable:
        return Path(importable).parent
    folder = yappi_folder(abi)
    if _has_yappi(folder):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    run_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.run(
            install_command(python, folder),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            env=run_env,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProfilingError(f"could not run pip to install yappi ({exc})") from None
    if proc.returncode == 0 and _has_yappi(folder):
        return folder
    lines = [ln.strip() for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
    text = " ".join(lines).lower()
    offline = any(
        w in text
        for w in ("no matching distribution", "could not find a version", "network", "resolve")
    )
    reason = lines[-1] if lines else f"pip exit code {proc.returncode}"
    if offline:
        raise ProfilingError(f"yappi could not be downloaded (offline?): {reason}")
    raise ProfilingError(f"installing yappi failed: {reason}")
