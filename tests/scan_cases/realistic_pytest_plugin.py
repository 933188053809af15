"""Test helpers shipped in a package (a pytest plugin): they serve no requests."""

import subprocess
import time

import pytest


@pytest.fixture
async def git_repo(tmp_path):
    subprocess.run(["git", "init", str(tmp_path)], check=True)  # expect: CFL104/low
    time.sleep(0.1)  # expect: CFL101/low
    return tmp_path
