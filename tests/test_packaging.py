"""Package hygiene: license, changelog, one version number, extras named in hints, a clean dir()."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib")  # Python 3.11+
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_license_file_is_the_mit_license_the_metadata_names():
    assert PYPROJECT["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PYPROJECT["authors"]


def test_version_has_one_source():
    text = (ROOT / "autograd" / "__init__.py").read_text()
    assert re.search(r'^__version__ = "\d+\.\d+\.\d+"$', text, re.M)
    assert "version" in PYPROJECT["dynamic"] and "version" not in PYPROJECT
    assert f"## {autograd.__version__}" in (ROOT / "CHANGELOG.md").read_text()


def test_installed_metadata_matches_version():
    try:
        installed = importlib.metadata.version("tapegrad")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("tapegrad is not installed (run from a checkout)")
    assert installed == autograd.__version__


def test_dir_shows_the_api_not_the_module_tools():
    names = dir(autograd)
    assert "np" not in names and "annotations" not in names
    assert {"Tensor", "viz", "explain", "__version__", "float32"} <= set(names)


def test_extras_exist_for_the_hints():
    extras = PYPROJECT["optional-dependencies"]
    assert any(r.startswith("jupyterlab") for r in extras["notebook"])
    assert any(r.startswith("ipywidgets") for r in extras["notebook"])  # tqdm.auto's one-line bar
    assert any(r.startswith("hypothesis") for r in extras["testing"])


def test_testing_without_hypothesis_names_the_extra():
    code = "import sys; sys.modules['hypothesis'] = None; import autograd.testing"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode != 0
    assert 'autograd.testing needs hypothesis' in result.stderr
    assert 'pip install "tapegrad[testing]"' in result.stderr
