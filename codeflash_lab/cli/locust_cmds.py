"""``--engine locust`` options of bench/compare/sweep, and ``locust-worker`` for other machines."""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from collections.abc import Iterator

__all__ = ["add_engine_options", "cmd_locust_worker", "engine_from_args", "register"]


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """Add ``--engine``, ``--workers`` and ``--master-bind`` to a measuring command."""
    p.add_argument(
        "--engine",
        choices=("builtin", "locust"),
        default="builtin",
        help="load generator for URL targets: the built-in client (one process, the default) "
        "or Locust's master and workers (pip install 'codeflash-lab[locust]'); closed loop only",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="--engine locust: local worker processes (default 1); the users are split evenly",
    )
    p.add_argument(
        "--master-bind",
        metavar="ADDR:PORT",
        help="--engine locust: where the master listens for workers (default 127.0.0.1, any "
        "port); a non-loopback address needs --allow-remote (the channel is not authenticated)",
    )


def check_engine_args(args: argparse.Namespace) -> None:
    """Refuse Locust-only options without ``--engine locust``.

    Raises:
        ValueError: ``--workers`` or ``--master-bind`` with the built-in engine.
    """
    if args.engine != "locust":
        for name in ("workers", "master_bind"):
            if getattr(args, name, None) is not None:
                flag = "--" + name.replace("_", "-")
                raise ValueError(f"{flag}: only with --engine locust")


@contextlib.contextmanager
def engine_from_args(args: argparse.Namespace) -> Iterator[None]:
    """With ``--engine locust``: one master and its workers for the whole command."""
    check_engine_args(args)
    if args.engine != "locust":
        yield
        return
    from codeflash_lab.bench.locust_engine import LocustEngine, active, parse_bind

    bind = args.master_bind or "127.0.0.1:0"
    parse_bind(bind, allow_remote=args.allow_remote)  # refused before anything starts
    engine = LocustEngine(
        workers=args.workers or 1,
        master_bind=bind,
        allow_remote=args.allow_remote,
        progress=args.format != "json",
    )
    with engine, active(engine):
        if args.master_bind and args.format != "json":
            print(
                f"Locust master on {engine.bind_host}:{engine.bind_port}; add workers with: "
                f"codeflash-lab locust-worker --master HOST:{engine.bind_port}",
                file=sys.stderr,
            )
        yield


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``locust-worker`` subcommand."""
    w = subparsers.add_parser(
        "locust-worker",
        help="run a Locust worker for a master started by bench/compare/sweep --engine locust",
        description=(
            "Connect one Locust worker to the master of a `--engine locust --master-bind "
            "ADDR:PORT` run on another machine; it takes its share of the users until the "
            "master stops. Locust's ZeroMQ channel is not authenticated: use it on a "
            "network you trust."
        ),
    )
    w.add_argument("--master", required=True, metavar="HOST:PORT", help="the master's address")
    w.set_defaults(handler=cmd_locust_worker)


def cmd_locust_worker(args: argparse.Namespace) -> int:
    """Run one worker until its master stops it (or Ctrl-C); its exit code is ours."""
    from codeflash_lab.bench.locust_engine import require_locust, spawn_env, worker_command

    host, sep, port = args.master.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"--master: expected HOST:PORT, got {args.master!r}")
    require_locust()
    proc = subprocess.Popen(worker_command(host, int(port)), env=spawn_env())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        raise
