"""Name resolution: import aliases to canonical dotted names, and the small type tables.

``import requests as rq`` makes ``rq.get`` resolve to ``requests.get``; a call
chain such as ``make().get`` never collapses into a dotted name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = [
    "ANNOTATION_TYPES",
    "CONSTRUCTOR_TYPES",
    "METHOD_RETURN_TYPES",
    "ImportMap",
    "dotted",
    "literal_int",
]

_BUILTINS = frozenset({"open", "input", "print", "range", "len", "sorted", "list", "set"})

#: Constructor (or factory) qualname -> the type name the bound object gets.
CONSTRUCTOR_TYPES: dict[str, str] = {
    "requests.Session": "requests.Session",
    "requests.session": "requests.Session",
    "requests.sessions.Session": "requests.Session",
    "httpx.Client": "httpx.Client",
    "httpx2.Client": "httpx.Client",
    "httpx.AsyncClient": "httpx.AsyncClient",
    "aiohttp.ClientSession": "aiohttp.ClientSession",
    "urllib3.PoolManager": "urllib3.PoolManager",
    "urllib3.HTTPConnectionPool": "urllib3.PoolManager",
    "urllib3.HTTPSConnectionPool": "urllib3.PoolManager",
    "urllib3.connection_from_url": "urllib3.PoolManager",
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "http.client.HTTPSConnection": "http.client.HTTPConnection",
    "socket.socket": "socket.socket",
    "socket.create_connection": "socket.socket",
    "socket.create_server": "socket.socket",
    "sqlite3.connect": "sqlite3.Connection",
    "psycopg2.connect": "dbapi.Connection",
    "psycopg.connect": "dbapi.Connection",
    "psycopg.Connection.connect": "dbapi.Connection",
    "pymysql.connect": "dbapi.Connection",
    "MySQLdb.connect": "dbapi.Connection",
    "mysql.connector.connect": "dbapi.Connection",
    "pyodbc.connect": "dbapi.Connection",
    "redis.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.Redis",
    "redis.from_url": "redis.Redis",
    "redis.Redis.from_url": "redis.Redis",
    "pymongo.MongoClient": "pymongo.MongoClient",
    "boto3.client": "boto3.client",
    "boto3.resource": "boto3.client",
    "boto3.Session": "boto3.Session",
    "boto3.session.Session": "boto3.Session",
    "smtplib.SMTP": "smtplib.SMTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP",
    "ftplib.FTP": "ftplib.FTP",
    "subprocess.Popen": "subprocess.Popen",
    "builtins.open": "builtins.file",
    "io.open": "builtins.file",
    "io.open_code": "builtins.file",
    "os.fdopen": "builtins.file",
    "pathlib.Path": "pathlib.Path",
    "pathlib.PurePath": "pathlib.PurePath",
    "asyncio.get_event_loop": "asyncio.Loop",
    "asyncio.get_running_loop": "asyncio.Loop",
    "asyncio.new_event_loop": "asyncio.Loop",
    "asyncio.Lock": "asyncio.Lock",
    "asyncio.Semaphore": "asyncio.Semaphore",
    "asyncio.BoundedSemaphore": "asyncio.Semaphore",
    "anyio.Semaphore": "asyncio.Semaphore",
    "anyio.CapacityLimiter": "asyncio.Semaphore",
    "asyncio.Queue": "asyncio.Queue",
    "asyncio.PriorityQueue": "asyncio.Queue",
    "asyncio.LifoQueue": "asyncio.Queue",
    "asyncio.TaskGroup": "asyncio.TaskGroup",
    "aiofiles.open": "aiofiles.file",
    "aiofiles.threadpool.open": "aiofiles.file",
    "anyio.open_file": "aiofiles.file",
    "asyncpg.connect": "db.AsyncConnection",
    "aiosqlite.connect": "db.AsyncConnection",
    "PIL.Image.open": "PIL.Image",
    "PIL.Image.new": "PIL.Image",
    "PIL.Image.frombytes": "PIL.Image",
    "pandas.DataFrame": "pandas.DataFrame",
    "pandas.read_csv": "pandas.DataFrame",
    "pandas.read_json": "pandas.DataFrame",
    "pandas.read_parquet": "pandas.DataFrame",
    "pandas.read_excel": "pandas.DataFrame",
    "pandas.read_sql": "pandas.DataFrame",
    "argon2.PasswordHasher": "argon2.PasswordHasher",
    "passlib.context.CryptContext": "passlib.CryptContext",
    "csv.writer": "csv.writer",
    "csv.DictWriter": "csv.writer",
}

#: (receiver type, method) -> the type of the returned object.
METHOD_RETURN_TYPES: dict[tuple[str, str], str] = {
    ("sqlite3.Connection", "cursor"): "sqlite3.Cursor",
    ("sqlite3.Connection", "execute"): "sqlite3.Cursor",
    ("dbapi.Connection", "cursor"): "dbapi.Cursor",
    ("pathlib.Path", "joinpath"): "pathlib.Path",
    ("pathlib.Path", "with_suffix"): "pathlib.Path",
    ("pathlib.Path", "with_name"): "pathlib.Path",
    ("pathlib.Path", "resolve"): "pathlib.Path",
    ("pathlib.Path", "expanduser"): "pathlib.Path",
    ("pathlib.Path", "absolute"): "pathlib.Path",
    ("PIL.Image", "convert"): "PIL.Image",
    ("PIL.Image", "resize"): "PIL.Image",
    ("PIL.Image", "rotate"): "PIL.Image",
    ("PIL.Image", "crop"): "PIL.Image",
    ("redis.Redis", "pipeline"): "redis.Pipeline",
    ("boto3.Session", "client"): "boto3.client",
    ("boto3.Session", "resource"): "boto3.client",
    ("pymongo.MongoClient", "get_database"): "pymongo.Database",
    ("pymongo.Database", "get_collection"): "pymongo.Collection",
}

#: Annotation qualname -> type name (``client: httpx.Client``).
ANNOTATION_TYPES: dict[str, str] = {
    **{k: v for k, v in CONSTRUCTOR_TYPES.items() if k[0].isupper() or "." in k},
    "sqlite3.Connection": "sqlite3.Connection",
    "sqlite3.Cursor": "sqlite3.Cursor",
    **{f"io.{t}": "builtins.file" for t in ("TextIOWrapper", "BufferedReader", "BufferedWriter")},
    "io.BufferedRandom": "builtins.file",
    "io.FileIO": "builtins.file",
    "typing.TextIO": "builtins.file",
    "typing.BinaryIO": "builtins.file",
    "typing.IO": "builtins.file",
    **{
        f"urllib3.{t}": "urllib3.Pool"
        for t in (
            "HTTPConnectionPool",
            "HTTPSConnectionPool",
            "PoolManager",
            "ProxyManager",
            "connectionpool.ConnectionPool",
            "connectionpool.HTTPConnectionPool",
            "connectionpool.HTTPSConnectionPool",
            "poolmanager.PoolManager",
            "poolmanager.ProxyManager",
            "request.RequestMethods",
        )
    },
    "asyncio.StreamWriter": "asyncio.StreamWriter",
    "asyncio.streams.StreamWriter": "asyncio.StreamWriter",
    "asyncio.AbstractEventLoop": "asyncio.Loop",
    "asyncio.BaseEventLoop": "asyncio.Loop",
    "PIL.Image.Image": "PIL.Image",
    "pandas.DataFrame": "pandas.DataFrame",
}
for _key in ("builtins.open", "io.open", "io.open_code", "os.fdopen", "pathlib.Path"):
    ANNOTATION_TYPES.pop(_key, None)
ANNOTATION_TYPES["pathlib.Path"] = "pathlib.Path"


def dotted(expr: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names and attributes, ``None`` for anything else.

    A call anywhere in the chain (``make().get``) gives ``None``: call chains are
    never collapsed into a dotted name.
    """
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


def literal_int(expr: ast.AST) -> int | None:
    """The value of an integer constant expression (``10_000``, ``10**6``, ``2 * 1024``)."""
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult | ast.Pow | ast.Add):
        left, right = literal_int(expr.left), literal_int(expr.right)
        if left is None or right is None:
            return None
        if isinstance(expr.op, ast.Pow):
            return left**right if 0 <= right < 64 else None
        return left * right if isinstance(expr.op, ast.Mult) else left + right
    return None


class ImportMap:
    """Local names bound by imports anywhere in a module, mapped to canonical names."""

    __slots__ = ("names", "relative", "shadowed")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.relative: dict[str, tuple[int, str]] = {}
        self.shadowed: set[str] = set()

    def add(self, node: ast.Import | ast.ImportFrom) -> None:
        """Record the bindings of one import statement."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = alias.name
                else:
                    root = alias.name.partition(".")[0]
                    self.names.setdefault(root, root)
            return
        if node.level:
            prefix = f"{node.module}." if node.module else ""
            for alias in node.names:
                if alias.name != "*":
                    self.relative[alias.asname or alias.name] = (node.level, prefix + alias.name)
            return
        if not node.module:
            return
        for alias in node.names:
            if alias.name != "*":
                self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def shadow(self, names: Iterable[str]) -> None:
        """Mark module-level definitions that hide builtins (``def open(...)``)."""
        self.shadowed.update(n for n in names if n in _BUILTINS)

    def resolve(self, expr: ast.AST) -> str | None:
        """The canonical dotted name of ``expr`` when its root is an import or a builtin."""
        name = dotted(expr)
        if name is None:
            return None
        root, dot, rest = name.partition(".")
        target = self.names.get(root)
        if target is not None:
            return f"{target}{dot}{rest}"
        if (
            not dot
            and root in _BUILTINS
            and root not in self.shadowed
            and root not in self.relative
        ):
            return f"builtins.{root}"
        return None
