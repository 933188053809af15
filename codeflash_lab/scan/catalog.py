"""Catalogue of blocking APIs: module functions by canonical name, and methods by the
tracked type of their receiver, each mapped to a family (sleep, http, file, ...).
"""

from __future__ import annotations

__all__ = ["BARE_NAMES", "FUNCTIONS", "LAZY", "METHODS", "OFFLOADERS", "PREFIXES"]

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
    **{f"httpx2.{v}": "http" for v in _VERBS | {"stream"}},
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
            "realpath",
            "_joinrealpath",
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
LAZY = frozenset({"glob", "rglob", "iterdir", "walk", "scandir", "iglob"})
OFFLOADERS = frozenset({"asyncio.to_thread", "anyio.to_thread.run_sync", "trio.to_thread.run_sync"})

#: receiver type -> (family, blocking methods; ``None`` = every method).
METHODS: dict[str, tuple[str, frozenset[str] | None]] = {
    "requests.Session": ("http", _VERBS | {"send"}),
    "httpx.Client": ("http", _VERBS | {"send", "stream", "close"}),
    "urllib3.Pool": ("http", None),
    "builtins.file": ("file", None),
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
    "boto3.client": ("http", None),
    "pymongo.Collection": (
        "database",
        frozenset(
            [
                "find_one",
                "find",
                "insert_one",
                "insert_many",
                "update_one",
                "update_many",
                "delete_one",
                "delete_many",
                "count_documents",
                "aggregate",
                "replace_one",
                "find_one_and_update",
                "find_one_and_delete",
                "bulk_write",
                "distinct",
                "create_index",
            ]
        ),
    ),
    "pymongo.Database": (
        "database",
        frozenset({"command", "list_collection_names", "create_collection", "drop_collection"}),
    ),
}

#: Partial dotted names written without their import, completed to a catalogue entry
#: (``request.urlopen`` after ``from urllib import request``-style code, bare ``urlopen``).
PREFIXES = ("urllib.", "urllib.request.")
BARE_NAMES = frozenset({"urlopen", "urlretrieve"})
