"""CFL104 blocking-subprocess: subprocess / os.system / os.popen in async code."""

import asyncio
import os
import subprocess
import subprocess as sp
from subprocess import check_output


async def git_sha() -> str:
    return subprocess.check_output(["git", "rev-parse", "HEAD"]).decode().strip()  # expect: CFL104


async def convert_video(src: str, dst: str) -> None:
    subprocess.run(["ffmpeg", "-i", src, dst], check=True)  # expect: CFL104


async def restart_service(name: str) -> int:
    return os.system(f"systemctl restart {name}")  # expect: CFL104


async def disk_usage() -> str:
    return os.popen("df -h").read()  # expect: CFL104


async def aliased(cmd: list[str]) -> bytes:
    return sp.check_output(cmd)  # expect: CFL104


async def from_import(cmd: list[str]) -> bytes:
    return check_output(cmd)  # expect: CFL104


async def popen_wait(cmd: list[str]) -> int:
    proc = subprocess.Popen(cmd)  # expect: CFL104
    return proc.wait()  # expect: CFL104


# ---- hard negatives -------------------------------------------------------------------


async def async_subprocess(cmd: list[str]) -> bytes:
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return out


async def async_shell(cmd: str) -> int:
    proc = await asyncio.create_subprocess_shell(cmd)
    return await proc.wait()


async def offloaded(cmd: list[str]):
    return await asyncio.to_thread(subprocess.run, cmd, capture_output=True)


def sync_build() -> None:
    subprocess.run(["make"], check=True)


async def offloaded_lambda(cmd: list[str]):
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: subprocess.run(cmd, check=True))
