"""environment.yml mirrors pyproject.toml's runtime dependencies and Python pin."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec)
    assert m, spec
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pypi = dict(_split(s) for s in project["dependencies"])
    conda: dict[str, str] = {}
    pip_section: list[str] = []
    python_pin = None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
            continue
        name, bound = _split(dep)
        if name == "python":
            python_pin = bound
        elif name != "pip":
            conda[CONDA_TO_PYPI.get(name, name)] = bound
    assert conda == pypi
    assert "-e ." in pip_section
    assert python_pin is not None
    minimum = project["requires-python"].removeprefix(">=")
    assert python_pin.lstrip("=").startswith(minimum)
