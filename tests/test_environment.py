"""environment.yml (conda) and pyproject.toml (pip) must ask for the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge name -> PyPI name


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", req.strip())
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_reqs = dict(
        _split(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            assert dep["pip"] == ["-e .[dev]"]
            continue
        name, spec = _split(dep)
        if name not in ("python", "pip"):
            conda[CONDA_NAMES.get(name, name)] = spec
    assert conda == pip_reqs
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    major, minor = python.split("=")[1].split(".")[:2]
    low = project["requires-python"].removeprefix(">=").split(".")
    assert (int(major), int(minor)) >= (int(low[0]), int(low[1]))
