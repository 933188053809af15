"""Confidence calibrated on applications scored before any rule was tuned on them: shapes
that were often wrong there are low (hidden by default), the reliable ones stay shown.
Each case is real code through the real scanner."""

from __future__ import annotations

from pathlib import Path

from codeflash_lab.scan import scan_paths, scan_source


def _levels(source: str) -> dict[tuple[int, str], str]:
    result = scan_source(source)
    return {(f.line, f.code): f.confidence for f in result.findings}


CONTROLLER = """import os
import shutil
import subprocess


class Proxy:
    async def start(self):
        if os.path.exists(self.pid_file):
            os.remove(self.pid_file)
        self.proc = subprocess.Popen(["proxy", "--port", str(self.port)])

    async def check_running(self):
        self._remove_pid_file()

    def _remove_pid_file(self):
        os.remove(self.pid_file)


class Spawner:
    async def move_certs(self, paths):
        shutil.rmtree(paths["dir"])
        key = paths["key"]
        shutil.move(key, self.home)

    async def start(self, user):
        cmd = ["single-user", user.name]
        return subprocess.Popen(cmd)

    async def save_all(self, names):
        for name in names:
            with open(name, "w") as f:
                f.write("")

    async def remember(self, node_id):
        self.last = [n for n in node_id]
        self.dump()

    def dump(self):
        with open(self.path, "w") as f:
            f.write("")
"""


def test_file_and_process_calls_on_fixed_state_alone_are_low() -> None:
    levels = _levels(CONTROLLER)
    assert levels[(8, "CFL103")] == "low"  # os.path.exists(self.pid_file)
    assert levels[(9, "CFL103")] == "low"  # os.remove(self.pid_file)
    assert levels[(10, "CFL104")] == "low"  # Popen of the fixed proxy command
    assert levels[(13, "CFL103")] == "low"  # a local helper on the object's own state


def test_calls_on_the_functions_inputs_stay_high() -> None:
    levels = _levels(CONTROLLER)
    assert levels[(21, "CFL103")] == "high"  # a parameter
    assert levels[(23, "CFL103")] == "high"  # a name computed from a parameter
    assert levels[(27, "CFL104")] == "high"  # a list built from a parameter
    assert levels[(31, "CFL103")] == "high"  # a loop's item


def test_an_attribute_assigned_from_input_does_not_make_self_input() -> None:
    assert _levels(CONTROLLER)[(36, "CFL103")] == "low"


def test_sleep_and_http_on_fixed_arguments_keep_their_confidence() -> None:
    source = (
        "import time\nimport requests\n\n\nasync def poll():\n    time.sleep(1)\n"
        '    return requests.get("https://example.invalid/health")\n'
    )
    levels = _levels(source)
    assert levels[(6, "CFL101")] == "high"
    assert levels[(7, "CFL102")] == "high"


GATHERS = """import asyncio


async def price_all(client, skus):
    return await asyncio.gather(*(client.get(sku) for sku in skus))


async def add_all_services(self, service_dict):
    futures = []
    for service in service_dict.values():
        if service.server:
            futures.append(self.add_service(service))
    await asyncio.gather(*futures)


async def read_versions(client, groups):
    coros = [client.get(g, v) for g in groups for v in g.versions]
    await asyncio.gather(*coros)


async def refresh(client, ids):
    coros = [client.get(i) for i in ids]
    await asyncio.gather(*coros)
"""


def test_a_caller_supplied_list_fanned_out_in_one_expression_is_high() -> None:
    levels = _levels(GATHERS)
    assert levels[(5, "CFL303")] == "high"
    assert levels[(23, "CFL303")] == "high"  # the comprehension named first, then gathered


def test_a_chosen_or_nested_set_fanned_out_is_low() -> None:
    levels = _levels(GATHERS)
    assert levels[(13, "CFL303")] == "low"  # built by a filtering loop
    assert levels.get((18, "CFL303"), "low") == "low"  # nested loops over a response


RUNS = """import asyncio


def sync_load(path):
    return asyncio.run(load(path))


def fetch_now(url):
    return asyncio.run(fetch(url))


async def handler(request):
    return fetch_now(request.url)


async def load(path):
    return path


async def fetch(url):
    return url
"""


def test_asyncio_run_seen_reached_from_async_is_high_and_by_name_only_low() -> None:
    levels = _levels(RUNS)
    assert levels[(5, "CFL402")] == "low"
    assert levels[(9, "CFL402")] == "high"


def test_the_default_view_counts_the_fixed_state_call_apart(tmp_path: Path) -> None:
    (tmp_path / "proxy.py").write_text(CONTROLLER, encoding="utf-8")
    shown = scan_paths([tmp_path], cache=False, workers=1)
    lines = {f.line for f in shown.findings}
    assert {8, 9, 10, 13, 36} & lines == set()
    assert {21, 23, 27, 31} <= lines
    assert shown.hidden_low >= 5


WRITES = """import asyncio


async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 ready\\r\\n")
    await asyncio.sleep(0)


async def broadcast(writers: list[asyncio.StreamWriter], lines: list[bytes]) -> None:
    for writer in writers:
        for line in lines:
            writer.write(line)
"""


def test_a_write_without_drain_is_high_only_per_loop_item() -> None:
    levels = _levels(WRITES)
    assert levels[(5, "CFL503")] == "low"  # one greeting per connection
    assert levels[(12, "CFL503")] == "high"


def test_registered_handlers_called_through_a_named_list_are_dispatch_not_fan_out() -> None:
    source = (
        "import asyncio\n\n\nasync def dispatch(event, handlers):\n"
        "    calls = [f(event) for f in handlers]\n    await asyncio.gather(*calls)\n"
    )
    assert not any(f.code == "CFL303" for f in scan_source(source).findings)
