"""Content-hash cache of per-file scan results, keyed by file bytes, rule set and scanner code.

One ``marshal`` file per (interpreter version, scan package source, rule set) in the
user cache folder
(``$CODEFLASH_LAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/codeflash-lab``, else
``~/.cache/codeflash-lab``). A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from codeflash_lab import __version__

__all__ = ["ScanCache", "cache_dir", "content_key", "engine_digest"]

_MAX_ENTRIES = 400_000
_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def engine_digest() -> str:
    """A digest of the interpreter version and every source file of the scan package.

    Parsing depends on the grammar of the running Python, and findings on the engine,
    the name tables and the rules: any edit there, or another interpreter, gives another
    cache file, so no stale result is ever reused.
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{__version__}|{sys.implementation.name}|{sys.version_info[:3]}".encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"?")
    return h.hexdigest()


def cache_dir() -> Path:
    """Where scan caches live."""
    env = os.environ.get("CODEFLASH_LAB_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "codeflash-lab"


def content_key(data: bytes) -> bytes:
    """A 16-byte BLAKE2b digest of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).digest()


class ScanCache:
    """Results by content hash for one rule set; load once, update, save once.

    Args:
        rule_set: the id of the rule set (see ``registry.rule_set_id``).
        folder: the cache folder (default: :func:`cache_dir`).
    """

    def __init__(self, rule_set: str, folder: Path | None = None) -> None:
        self.path = (folder or cache_dir()) / f"scan-{engine_digest()}-{rule_set}.bin"
        self.entries: dict[bytes, Any] = {}
        self.stats: dict[str, tuple[int, int, bytes]] = {}
        self.dirty = False
        try:
            loaded = marshal.loads(self.path.read_bytes())
            if isinstance(loaded, tuple) and len(loaded) == 2:
                self.entries, self.stats = loaded
        except (OSError, EOFError, ValueError, TypeError):
            self.entries, self.stats = {}, {}

    def key_for(self, path: str, mtime_ns: int, size: int) -> bytes | None:
        """The content key last seen for ``path`` if its size and mtime are unchanged.

        A shortcut only: the results themselves stay keyed by content.
        """
        seen = self.stats.get(path)
        if seen is not None and seen[0] == mtime_ns and seen[1] == size:
            return seen[2]
        return None

    def remember(self, path: str, mtime_ns: int, size: int, key: bytes) -> None:
        """Record the content key of ``path`` at this size and mtime."""
        if self.stats.get(path) != (mtime_ns, size, key):
            self.stats[path] = (mtime_ns, size, key)
            self.dirty = True

    def get(self, key: bytes) -> Any:
        """The cached result for a content key, or ``None``."""
        return self.entries.get(key)

    def put(self, key: bytes, value: Any) -> None:
        """Store a result (plain tuples, lists, strings and ints only)."""
        self.entries[key] = value
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically if it changed; silently give up when it cannot."""
        if not self.dirty:
            return
        if len(self.entries) > _MAX_ENTRIES:
            self.entries = dict(list(self.entries.items())[-_MAX_ENTRIES // 2 :])
        if len(self.stats) > _MAX_ENTRIES:
            self.stats = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".scan-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(marshal.dumps((self.entries, self.stats)))
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            return
