"""nn and optim refuse to run on top of a different `autograd` package (PyPI's HIPS autograd)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("package", ["nn", "optim"])
def test_shadowing_autograd_gives_clear_import_error(tmp_path, package):
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text("# an unrelated package with the same import name\n")
    # the impostor comes first on the path, our nn/optim next (copied so our autograd is not found)
    stage = tmp_path / "stage"
    stage.mkdir()
    for name in ("nn", "optim"):
        os.symlink(ROOT / name, stage / name)
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{stage}")
    result = subprocess.run(
        [sys.executable, "-c", f"import {package}"], capture_output=True, text=True, env=env,
        cwd=tmp_path, check=False,
    )
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert str(fake / "__init__.py") in result.stderr
    assert "pip uninstall autograd" in result.stderr and "virtual environment" in result.stderr


def test_our_autograd_carries_the_marker():
    import autograd

    assert autograd.__tapegrad__ is True
