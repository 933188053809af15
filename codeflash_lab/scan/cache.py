"""Content-hash cache of per-file scan results, keyed by file bytes, rule set and version.

One ``marshal`` file per (version, rule set) in the user cache folder
(``$CODEFLASH_LAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/codeflash-lab``, else
``~/.cache/codeflash-lab``). A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from codeflash_lab import __version__

__all__ = ["ENGINE_VERSION", "ScanCache", "cache_dir", "content_key"]

#: Bumped whenever rule behaviour changes, so old cached results are not reused.
ENGINE_VERSION = "2"
_MAX_ENTRIES = 400_000


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
        self.path = (folder or cache_dir()) / f"scan-{__version__}-{ENGINE_VERSION}-{rule_set}.bin"
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
