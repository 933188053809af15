"""The state one demo run carries from step to step (servers, workspace, settings, output)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codeflash_lab.demo.project import DemoProject
from codeflash_lab.demo.servers import DemoServers, ServerHandle
from codeflash_lab.demo.settings import DemoSettings
from codeflash_lab.workspace import Workspace

if TYPE_CHECKING:
    from codeflash_lab.bench.model import BenchConfig

__all__ = ["DemoContext"]


@dataclass
class DemoContext:
    """Mutable state of a running demo (internal to the runner and its steps).

    Attributes:
        demo: the scratch project.
        servers: owner of every server process.
        settings: measurement sizes.
        say_to: where progress lines go (see :meth:`say`).
        upstream: the fake upstream server.
        current: the service running the code of the last kept commit.
        lines: every line said so far.
        blocking_sites: ``file:line: source`` where asyncio debug mode saw the loop
            blocked at baseline (in the service's own code).
        debug_before: the baseline's debug-mode report (a ``DebugReport``).
        findings: the baseline scan's findings (``Finding`` objects, absolute paths).
        evidence_files: files (relative to the project) where runtime evidence saw the
            loop held: the experiments there go first.
    """

    demo: DemoProject
    servers: DemoServers
    settings: DemoSettings
    say_to: Callable[[str], None]
    upstream: ServerHandle | None = None
    current: ServerHandle | None = None
    lines: list[str] = field(default_factory=list)
    blocking_sites: set[str] = field(default_factory=set)
    debug_before: Any = None
    findings: tuple[Any, ...] = ()
    evidence_files: set[str] = field(default_factory=set)

    @property
    def workspace(self) -> Workspace:
        """The project's ``.codeflash/`` workspace."""
        return Workspace(self.demo.project)

    def say(self, line: str) -> None:
        """Print one progress line (and keep it for the result)."""
        self.lines.append(line)
        self.say_to(line)

    def bench_config(self) -> BenchConfig:
        """The locked measurement settings of every benchmark in the run."""
        from codeflash_lab.bench import BenchConfig

        s = self.settings
        return BenchConfig(
            concurrency=s.concurrency,
            duration_s=s.run_s,
            min_run_s=s.run_s,
            warmup_s=s.warmup_s,
            timeout_s=10.0,
        )

    def start_service(self, name: str, *, port: int = 0) -> ServerHandle:
        """Start the service from the project's working tree as it is now."""
        assert self.upstream is not None, "start the upstream first"
        return self.servers.start_service(
            name, self.demo.project, upstream_url=self.upstream.url, port=port
        )

    def restart_current(self, name: str) -> ServerHandle:
        """Replace :attr:`current` by a fresh server of the working tree.

        Every comparison starts from fresh processes on both sides, so state a
        server piled up in earlier measurements (queues, pools) cannot favour
        either side.
        """
        if self.current is not None:
            self.servers.stop(self.current)
            self.current = None
        self.current = self.start_service(name)
        return self.current
