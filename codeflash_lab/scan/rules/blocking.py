"""Blocking calls inside ``async def`` (category ``blocking-call``): CFL101-CFL106.

One classifier maps each call to a family (sleep, HTTP, file, subprocess, database,
console input); one rule per family so teams can adopt them piecemeal.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from codeflash_lab.scan.context import FileContext
from codeflash_lab.scan.registry import Hit, Rule, register

__all__ = ["blocking_calls"]

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_DBAPI = frozenset(
    {"execute", "executemany", "executescript", "fetchone", "fetchall", "fetchmany"}
    | {"commit", "rollback", "callproc"}
)

FUNCTIONS: dict[str, str] = {
    "time.sleep": "sleep",
    **{f"requests.{v}": "http" for v in _VERBS},
    **{f"requests.api.{v}": "http" for v in _VERBS},
    **{f"httpx.{v}": "http" for v in _VERBS | {"stream"}},
    "urllib.request.urlopen": "http",
    "urllib.request.urlretrieve": "http",
    "urllib3.request": "http",
    "socket.create_connection": "http",
    "socket.getaddrinfo": "http",
    "socket.gethostbyname": "http",
    "socket.gethostbyname_ex": "http",
    "socket.gethostbyaddr": "http",
    "builtins.open": "file",
    "io.open": "file",
    "io.open_code": "file",
    "os.fdopen": "file",
    "glob.glob": "file",
    **{
        f"os.path.{f}": "file"
        for f in [
            "exists",
            "lexists",
            "isfile",
            "isdir",
            "islink",
            "ismount",
            "getsize",
            "getmtime",
            "getatime",
            "getctime",
            "samefile",
            "sameopenfile",
            "samestat",
        ]
    },
    **{
        f"os.{f}": "file"
        for f in [
            "listdir",
            "scandir",
            "walk",
            "stat",
            "lstat",
            "remove",
            "unlink",
            "rename",
            "renames",
            "replace",
            "mkdir",
            "makedirs",
            "rmdir",
            "removedirs",
            "chmod",
            "chown",
            "utime",
            "link",
            "symlink",
            "readlink",
            "truncate",
        ]
    },
    **{
        f"shutil.{f}": "file"
        for f in [
            "copy",
            "copy2",
            "copyfile",
            "copytree",
            "rmtree",
            "move",
            "make_archive",
            "unpack_archive",
        ]
    },
    **{
        f"subprocess.{f}": "subprocess"
        for f in [
            "run",
            "call",
            "check_call",
            "check_output",
            "Popen",
            "getoutput",
            "getstatusoutput",
        ]
    },
    **{
        f"os.{f}": "subprocess"
        for f in [
            "system",
            "popen",
            "spawnl",
            "spawnle",
            "spawnlp",
            "spawnlpe",
            "spawnv",
            "spawnve",
            "spawnvp",
            "spawnvpe",
            "posix_spawn",
            "posix_spawnp",
            "wait",
            "wait3",
            "wait4",
            "waitid",
            "waitpid",
        ]
    },
    "sqlite3.connect": "database",
    "psycopg2.connect": "database",
    "psycopg.connect": "database",
    "pymysql.connect": "database",
    "MySQLdb.connect": "database",
    "mysql.connector.connect": "database",
    "pyodbc.connect": "database",
    "builtins.input": "input",
    "getpass.getpass": "input",
    "sys.stdin.read": "input",
    "sys.stdin.readline": "input",
    "sys.stdin.readlines": "input",
}

_PATH_IO = frozenset(
    [
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "open",
        "touch",
        "unlink",
        "mkdir",
        "rmdir",
        "rename",
        "replace",
        "exists",
        "is_file",
        "is_dir",
        "is_symlink",
        "stat",
        "lstat",
        "chmod",
        "symlink_to",
        "hardlink_to",
        "samefile",
        "readlink",
        "owner",
        "group",
        "glob",
        "rglob",
        "iterdir",
        "walk",
    ]
)
#: Lazy iterators: the file-system work happens where they are consumed, so passing
#: one to ``asyncio.to_thread`` moves the blocking part off the loop.
_LAZY = frozenset({"glob", "rglob", "iterdir", "walk", "scandir", "iglob"})
_OFFLOADERS = frozenset(
    {"asyncio.to_thread", "anyio.to_thread.run_sync", "trio.to_thread.run_sync"}
)

#: receiver type -> (family, blocking methods; ``None`` = every method).
METHODS: dict[str, tuple[str, frozenset[str] | None]] = {
    "requests.Session": ("http", _VERBS | {"send"}),
    "httpx.Client": ("http", _VERBS | {"send", "stream"}),
    "urllib3.PoolManager": ("http", frozenset({"request", "urlopen", "request_encode_url"})),
    "http.client.HTTPConnection": (
        "http",
        frozenset({"request", "getresponse", "connect", "endheaders", "send"}),
    ),
    "socket.socket": (
        "http",
        frozenset(
            [
                "connect",
                "accept",
                "recv",
                "recv_into",
                "recvfrom",
                "recvfrom_into",
                "send",
                "sendall",
                "sendto",
                "sendfile",
            ]
        ),
    ),
    "smtplib.SMTP": (
        "http",
        frozenset(["sendmail", "send_message", "login", "connect", "starttls", "ehlo", "quit"]),
    ),
    "ftplib.FTP": (
        "http",
        frozenset(
            [
                "login",
                "connect",
                "cwd",
                "nlst",
                "retrbinary",
                "retrlines",
                "storbinary",
                "storlines",
            ]
        ),
    ),
    "pathlib.Path": ("file", _PATH_IO),
    "subprocess.Popen": ("subprocess", frozenset({"wait", "communicate"})),
    "sqlite3.Connection": ("database", _DBAPI),
    "sqlite3.Cursor": ("database", _DBAPI),
    "dbapi.Connection": ("database", _DBAPI),
    "dbapi.Cursor": ("database", _DBAPI),
    "redis.Redis": ("database", None),
    "redis.Pipeline": ("database", frozenset({"execute"})),
}
_NOT_BLOCKING = frozenset({"pipeline", "pubsub", "lock"})


def _classify(ctx: FileContext, call: ast.Call) -> tuple[str, str] | None:
    func = call.func
    name = ctx.qualname(func)
    if name is not None:
        family = FUNCTIONS.get(name)
        if family is not None:
            return family, name.removeprefix("builtins.")
    if isinstance(func, ast.Attribute):
        scope = ctx.scope_of[call]
        rtype = ctx.type_of(func.value, scope)
        if rtype is None:
            return None
        entry = METHODS.get(rtype)
        if entry is None:
            return None
        family, methods = entry
        if func.attr in _NOT_BLOCKING or func.attr.startswith("_"):
            return None
        if methods is None or func.attr in methods:
            return family, f"{rtype.rpartition('.')[2]}.{func.attr}"
    return None


def _is_lazy(call: ast.Call) -> bool:
    f = call.func
    return (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) in _LAZY


def _offloaded_argument(ctx: FileContext, call: ast.Call) -> bool:
    """True when ``call`` is (inside) an argument of ``to_thread``/``run_in_executor``."""
    for anc in ctx.ancestors(call):
        if isinstance(anc, ast.Call) and anc is not call:
            f = anc.func
            if ctx.qualname(f) in _OFFLOADERS or (
                isinstance(f, ast.Attribute) and f.attr == "run_in_executor"
            ):
                return True
    return False


def blocking_calls(ctx: FileContext) -> list[tuple[str, ast.Call, str]]:
    """Every blocking call on the event loop in ``ctx``: ``(family, call, shown name)``.

    Calls inside a nested ``def``, ``lambda`` or class body, and calls that are
    directly awaited or used in ``async with``, are not counted.
    """

    def compute(c: FileContext) -> list[tuple[str, ast.Call, str]]:
        out = []
        for call in c.calls:
            if not c.in_async(call) or c.is_awaited(call):
                continue
            found = _classify(c, call)
            if found is not None and not (_is_lazy(call) and _offloaded_argument(c, call)):
                out.append((found[0], call, found[1]))
        return out

    result: list[tuple[str, ast.Call, str]] = ctx.memo("blocking", compute)
    return result


_WHY = {
    "sleep": "it stops the whole event loop for the duration",
    "http": "the network round trip freezes the event loop",
    "file": "file-system I/O runs on the event loop thread",
    "subprocess": "the loop waits for the child process",
    "database": "the query runs synchronously on the event loop",
    "input": "the loop waits for the console",
}


class _BlockingRule(Rule):
    family = ""
    category = "blocking-call"
    message = "blocking call in async function"

    def check(self, ctx: FileContext) -> Iterator[Hit]:
        for family, call, shown in blocking_calls(ctx):
            if family == self.family:
                func = ctx.function_scope(ctx.scope_of[call])
                where = f" in async function `{func.name}`" if func else ""
                yield Hit(call, f"blocking call `{shown}()`{where}: {_WHY[family]}")


@register
class BlockingSleep(_BlockingRule):
    """``time.sleep`` inside ``async def``.

    Problem: ``time.sleep`` suspends the thread that runs the event loop, so every
    other task stops too. Fix: ``await asyncio.sleep(...)``. Overlaps ruff ASYNC251.
    """

    code = "CFL101"
    name = "blocking-sleep"
    family = "sleep"


@register
class BlockingHttp(_BlockingRule):
    """Synchronous network I/O inside ``async def``.

    Problem: ``requests``, ``urllib``, ``http.client``, ``urllib3``, a sync
    ``httpx.Client`` (also methods of a session bound earlier, e.g. in ``__init__``),
    blocking sockets, SMTP and FTP each hold the loop for a full round trip. Fix:
    ``httpx.AsyncClient``/``aiohttp``, asyncio streams, or ``asyncio.to_thread``.
    Overlaps ruff ASYNC210/ASYNC212 and goes further (sessions, sockets).
    """

    code = "CFL102"
    name = "blocking-http"
    family = "http"


@register
class BlockingFileIO(_BlockingRule):
    """File-system calls inside ``async def``.

    Problem: ``open()``, pathlib reads and writes, ``os``/``os.path``/``shutil``
    file operations all block the loop on disk latency (worst on network file
    systems). Fix: ``aiofiles``/``anyio.open_file`` or ``asyncio.to_thread``.
    Overlaps ruff ASYNC230/ASYNC240.
    """

    code = "CFL103"
    name = "blocking-file-io"
    family = "file"


@register
class BlockingSubprocess(_BlockingRule):
    """Synchronous subprocesses inside ``async def``.

    Problem: ``subprocess.run``, ``os.system``, ``os.popen`` and ``Popen.wait`` make the
    loop wait for the child. Fix: ``asyncio.create_subprocess_exec`` or
    ``asyncio.to_thread``. Overlaps ruff ASYNC220/ASYNC221/ASYNC222.
    """

    code = "CFL104"
    name = "blocking-subprocess"
    family = "subprocess"


@register
class BlockingDatabase(_BlockingRule):
    """Synchronous database drivers inside ``async def``.

    Problem: ``sqlite3``, ``psycopg2``-style DB-API drivers and sync ``redis`` run every
    query on the loop thread (also through connections and cursors bound earlier).
    Fix: an async driver (``aiosqlite``, ``asyncpg``, ``psycopg`` async, ``redis.asyncio``)
    or ``asyncio.to_thread``. No ruff rule covers these.
    """

    code = "CFL105"
    name = "blocking-database"
    family = "database"


@register
class BlockingInput(_BlockingRule):
    """Console input inside ``async def``.

    Problem: ``input()``, ``getpass`` and ``sys.stdin`` reads stop the loop until the
    user types. Fix: ``await asyncio.to_thread(input, prompt)``. Overlaps ruff ASYNC250.
    """

    code = "CFL106"
    name = "blocking-input"
    family = "input"
