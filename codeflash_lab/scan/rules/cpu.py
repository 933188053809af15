"""CPU-heavy synchronous work on the event loop (category ``cpu-in-event-loop``): CFL201."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.context import COMPREHENSIONS, FileContext
from codeflash_lab.scan.names import literal_int
from codeflash_lab.scan.registry import Hit, Rule, register

__all__ = ["heavy_work"]

#: Always heavy (key derivation, password hashing, compression, image/array work).
_HEAVY: dict[str, str] = {
    "hashlib.pbkdf2_hmac": "key derivation",
    "hashlib.scrypt": "key derivation",
    "bcrypt.hashpw": "password hashing",
    "bcrypt.checkpw": "password hashing",
    "bcrypt.kdf": "key derivation",
    "passlib.hash.bcrypt.hash": "password hashing",
    "passlib.hash.bcrypt.verify": "password hashing",
    "passlib.hash.pbkdf2_sha256.hash": "password hashing",
    "passlib.hash.pbkdf2_sha256.verify": "password hashing",
    "passlib.hash.argon2.hash": "password hashing",
    "passlib.hash.argon2.verify": "password hashing",
    **{
        f"{m}.{f}": "compression"
        for m in ("zlib", "gzip", "bz2", "lzma")
        for f in ("compress", "decompress")
    },
    "brotli.compress": "compression",
    "brotli.decompress": "compression",
    "zstandard.compress": "compression",
    "shutil.make_archive": "compression",
    **{
        f"numpy.linalg.{f}": "numerical work"
        for f in ("inv", "svd", "eig", "eigh", "solve", "lstsq", "pinv", "det", "matrix_power")
    },
    **{f"numpy.fft.{f}": "numerical work" for f in ("fft", "ifft", "fft2", "rfft", "fftn")},
    "numpy.convolve": "numerical work",
    "scipy.optimize.minimize": "numerical work",
    "pandas.read_csv": "dataframe work",
    "pandas.read_excel": "dataframe work",
    "pandas.read_parquet": "dataframe work",
    "pandas.read_json": "dataframe work",
}

_TYPED: dict[str, tuple[str, frozenset[str]]] = {
    "PIL.Image": (
        "image processing",
        frozenset(
            [
                "resize",
                "thumbnail",
                "rotate",
                "filter",
                "transform",
                "convert",
                "quantize",
                "reduce",
            ]
        ),
    ),
    "pandas.DataFrame": (
        "dataframe work",
        frozenset(
            [
                "groupby",
                "merge",
                "join",
                "apply",
                "pivot_table",
                "sort_values",
                "to_csv",
                "to_parquet",
                "to_excel",
                "resample",
                "rolling",
                "describe",
                "corr",
            ]
        ),
    ),
    "argon2.PasswordHasher": ("password hashing", frozenset({"hash", "verify"})),
    "passlib.CryptContext": ("password hashing", frozenset({"hash", "verify", "encrypt"})),
}

#: Heavy only when repeated per item of a loop.
_IN_LOOP: dict[str, str] = {
    **{f"json.{f}": "serialization" for f in ("loads", "dumps")},
    **{f"orjson.{f}": "serialization" for f in ("loads", "dumps")},
    **{f"ujson.{f}": "serialization" for f in ("loads", "dumps")},
    **{f"pickle.{f}": "serialization" for f in ("loads", "dumps")},
    **{f"msgpack.{f}": "serialization" for f in ("packb", "unpackb", "loads", "dumps")},
    **{f"yaml.{f}": "serialization" for f in ("load", "safe_load", "dump", "safe_dump")},
    "xml.etree.ElementTree.fromstring": "XML parsing",
    "lxml.etree.fromstring": "XML parsing",
    "re.compile": "regex compilation",
    "hashlib.sha256": "hashing",
    "hashlib.sha512": "hashing",
    "hashlib.md5": "hashing",
    "hashlib.sha1": "hashing",
}
_BIG_RANGE = 100_000


def _sync_item_loop(ctx: FileContext, node: ast.AST) -> bool:
    """True when ``node`` repeats per item of a ``for`` loop or comprehension, in a stretch
    of code with no await in any enclosing loop (a bulk job, not a consumer handling one
    message at a time)."""
    loops = ctx.enclosing_loops(node)
    if not loops or not isinstance(loops[0], (ast.For, *COMPREHENSIONS)):
        return False
    return not any(
        isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith)
        for loop in loops
        for n in ast.walk(loop)
    )


@register
class CpuInEventLoop(Rule):
    """Obviously CPU-heavy synchronous work inside ``async def``.

    Problem: key derivation (``pbkdf2_hmac``, ``scrypt``, bcrypt, argon2), compression,
    image and dataframe processing, big constant-size pure-Python loops, and
    (de)serialization or regex compilation repeated per item all hold the loop, so
    every other request waits. Fix: ``asyncio.to_thread`` (C code that releases the
    GIL) or a process pool. No linter covers this; asyncio debug mode sees it only
    at run time.
    """

    code = "CFL201"
    name = "cpu-in-event-loop"
    category = "cpu-in-event-loop"
    message = "CPU-heavy work on the event loop"
    tokens = (b"async def",)

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        seen_lines: set[int] = set()
        helpers: dict[int, str | None] = {}
        for call in ctx.calls:
            if not ctx.in_async(call) or ctx.is_awaited(call):
                continue
            what = self._classify(ctx, call)
            if what is None:
                helper = ctx.local_helper(call)
                if helper is not None:
                    if id(helper) not in helpers:
                        inner = (
                            self._classify(ctx, n, per_item=False)
                            for n in helper.nodes
                            if isinstance(n, ast.Call) and ctx.scope_of[n] is helper
                        )
                        helpers[id(helper)] = next((w for w in inner if w is not None), None)
                    via = helpers[id(helper)]
                    what = f"`{helper.name}()` does {via}" if via else None
            if what is None or call.lineno in seen_lines:
                continue
            seen_lines.add(call.lineno)
            yield Hit(call, f"{what} on the event loop and blocks every other task")

    def _classify(self, ctx: FileContext, call: ast.Call, *, per_item: bool = True) -> str | None:
        name = ctx.qualname(call.func)
        if name is not None:
            if name in _HEAVY:
                return f"{_HEAVY[name]} (`{name}()`)"
            if per_item and name in _IN_LOOP and _sync_item_loop(ctx, call):
                return f"{_IN_LOOP[name]} repeated per item (`{name}()` in a loop)"
            if name == "builtins.range" and call.args:
                size = literal_int(call.args[-1] if len(call.args) < 3 else call.args[1])
                parent = ctx.parent.get(call)
                if (
                    size is not None
                    and size >= _BIG_RANGE
                    and isinstance(parent, ast.For | ast.comprehension)
                ):
                    loop = parent if isinstance(parent, ast.For) else ctx.parent.get(parent)
                    if loop is not None and not any(
                        isinstance(n, ast.Await) for n in ast.walk(loop)
                    ):
                        return f"a pure-Python loop over range({size:_})"
        func = call.func
        if isinstance(func, ast.Attribute):
            rtype = ctx.type_of(func.value, ctx.scope_of[call])
            entry = _TYPED.get(rtype or "")
            if entry is not None and func.attr in entry[1]:
                return f"{entry[0]} (`.{func.attr}()`)"
        return None


def heavy_work(ctx: FileContext, call: ast.Call) -> str | None:
    """What heavy CPU work ``call`` does (outside any per-item loop test), or ``None``."""
    return CpuInEventLoop()._classify(ctx, call, per_item=False)
