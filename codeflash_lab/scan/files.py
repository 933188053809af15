"""Finding and reading the files to scan, with every problem turned into a ``FileError``.

Directories are walked with symlinked folders followed once (a loop is reported,
not followed forever); only regular files are read, so a FIFO never blocks the scan.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tokenize
from collections.abc import Iterable, Sequence

from codeflash_lab.scan.finding import FileError

__all__ = ["DEFAULT_EXCLUDE", "MAX_FILE_BYTES", "collect_files", "decode_source", "read_file"]

MAX_FILE_BYTES = 8 * 1024 * 1024
DEFAULT_EXCLUDE = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
        ".ipynb_checkpoints",
    }
)


def _describe(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "dangling symlink or missing file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def collect_files(
    paths: Sequence[str], *, exclude: Iterable[str] = ()
) -> tuple[list[str], list[FileError]]:
    """The Python files under ``paths`` (files given explicitly are always included).

    Args:
        paths: files and directories.
        exclude: extra directory or file names to skip while walking.

    Returns:
        ``(files, errors)``: file paths in a stable order, and entries that could not be
        walked (symlink loops, unreadable directories, dangling symlinks).
    """
    skip = DEFAULT_EXCLUDE | set(exclude)
    files: list[str] = []
    errors: list[FileError] = []
    for root in paths:
        try:
            st = os.stat(root)
        except OSError as exc:
            errors.append(FileError(root, _describe(exc)))
            continue
        if not stat.S_ISDIR(st.st_mode):
            files.append(root)
            continue
        _walk(root, skip, {(st.st_dev, st.st_ino)}, files, errors)
    return files, errors


def _walk(
    folder: str,
    skip: frozenset[str] | set[str],
    seen: set[tuple[int, int]],
    files: list[str],
    errors: list[FileError],
) -> None:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        errors.append(FileError(folder, f"cannot list directory: {_describe(exc)}"))
        return
    for entry in entries:
        if entry.name in skip:
            continue
        path = entry.path
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.name.endswith((".py", ".pyi"))
        except OSError as exc:
            errors.append(FileError(path, _describe(exc)))
            continue
        if is_dir:
            try:
                st = os.stat(path)
            except OSError as exc:
                errors.append(FileError(path, _describe(exc)))
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                if entry.is_symlink():
                    errors.append(FileError(path, "symlink loop (directory already visited)"))
                continue
            seen.add(key)
            _walk(path, skip, seen, files, errors)
        elif is_file:
            files.append(path)
        elif entry.is_symlink() and entry.name.endswith((".py", ".pyi")):
            files.append(path)  # dangling or looping: read_file reports it


def read_file(path: str) -> bytes | FileError:
    """The bytes of a regular file, or a ``FileError`` saying why it cannot be read."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(st.st_mode) else "not a regular file"
            if stat.S_ISDIR(st.st_mode):
                kind = "a directory"
            return FileError(path, f"not scanned: {kind}")
        if st.st_size > MAX_FILE_BYTES:
            return FileError(
                path, f"not scanned: file too large ({st.st_size:,} bytes > {MAX_FILE_BYTES:,})"
            )
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return FileError(path, f"cannot read: {_describe(exc)}")


def decode_source(data: bytes, path: str) -> str | FileError:
    """Source text decoded per PEP 263 (UTF-8 by default), or a ``FileError``."""
    if b"\x00" in data:
        return FileError(path, "not scanned: the file contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError) as exc:
        return FileError(path, f"cannot decode: {exc}")
    except UnicodeDecodeError as exc:
        return FileError(
            path, f"cannot decode: not valid {exc.encoding} (byte {exc.start}: {exc.reason})"
        )
