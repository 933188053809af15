"""The bundled demo: an aiohttp service with planted antipatterns, and the guided run over it."""

from __future__ import annotations

from codeflash_lab.demo.catalog import EXERCISES, Exercise, exercise, exercise_names
from codeflash_lab.demo.project import DemoProject, create_project
from codeflash_lab.demo.result import DemoResult, ExperimentOutcome
from codeflash_lab.demo.runner import DEFAULT_WORKDIR, run_demo
from codeflash_lab.demo.servers import DemoServers, ServerHandle, check_port_free
from codeflash_lab.demo.settings import DEMO_FULL, DEMO_QUICK, DemoSettings, demo_settings
from codeflash_lab.demo.workshop import (
    WORKSHOP_EXERCISES,
    CheckResult,
    RunningCopy,
    check_exercise,
    hint,
    open_findings,
    running_copy,
)

__all__ = [
    "DEFAULT_WORKDIR",
    "DEMO_FULL",
    "DEMO_QUICK",
    "EXERCISES",
    "WORKSHOP_EXERCISES",
    "CheckResult",
    "DemoProject",
    "DemoResult",
    "DemoServers",
    "DemoSettings",
    "Exercise",
    "ExperimentOutcome",
    "RunningCopy",
    "ServerHandle",
    "check_exercise",
    "check_port_free",
    "create_project",
    "demo_settings",
    "exercise",
    "exercise_names",
    "hint",
    "open_findings",
    "run_demo",
    "running_copy",
]
