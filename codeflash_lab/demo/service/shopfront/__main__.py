"""``python -m shopfront --port N --upstream URL``: run the service."""

from __future__ import annotations

import argparse
import asyncio

from shopfront.app import create_app
from shopfront.serving import serve


def main() -> None:
    """Parse the command line and serve until stopped."""
    parser = argparse.ArgumentParser(prog="shopfront")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--upstream", required=True, help="base URL of the upstream service")
    args = parser.parse_args()
    asyncio.run(serve(create_app(args.upstream), args.port))


if __name__ == "__main__":
    main()
