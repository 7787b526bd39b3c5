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


def _run_with_autograd_folder(tmp_path, make_folder, code="import nn"):
    """Run `code` with an `autograd` folder built by make_folder(folder) first on the path."""
    site = tmp_path / "site"
    folder = site / "autograd"
    folder.mkdir(parents=True)
    make_folder(folder)
    stage = tmp_path / "stage"
    stage.mkdir()
    for name in ("nn", "optim"):
        os.symlink(ROOT / name, stage / name)
    env = dict(os.environ, PYTHONPATH=f"{site}{os.pathsep}{stage}")
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code], capture_output=True, text=True, env=env,
        cwd=tmp_path, check=False,
    )


def _our_files(folder, with_init=True):
    for path in (ROOT / "autograd").iterdir():
        if path.name != "__init__.py" or with_init:
            os.symlink(path, folder / path.name)


def _hips_files(folder):
    (folder / "__init__.py").write_text("from .differential_operators import grad\n")
    (folder / "differential_operators.py").write_text("def grad(f):\n    return f\n")
    (folder / "tracer.py").write_text("")


def test_hips_merged_into_our_folder_is_named_with_a_reinstall_fix(tmp_path):
    # pip installed HIPS autograd after tapegrad into the same site-packages folder
    def merged(folder):
        _our_files(folder, with_init=False)
        _hips_files(folder)

    result = _run_with_autograd_folder(tmp_path, merged)
    assert result.returncode != 0
    assert "merged into tapegrad's folder" in result.stderr
    assert "pip uninstall autograd" in result.stderr and "--force-reinstall" in result.stderr


def test_uninstalled_hips_left_our_folder_without_init(tmp_path):
    # `pip uninstall autograd` after the merge deletes the shared __init__.py: a namespace package
    result = _run_with_autograd_folder(tmp_path, lambda f: _our_files(f, with_init=False))
    assert result.returncode != 0
    assert "autograd/__init__.py is missing" in result.stderr
    assert "unknown location" not in result.stderr
    assert "--force-reinstall" in result.stderr


def test_hips_files_beside_our_working_init_warn(tmp_path):
    # tapegrad installed after HIPS autograd: ours works, but an uninstall would break it
    def ours_won(folder):
        _hips_files(folder)
        (folder / "__init__.py").unlink()
        _our_files(folder)

    result = _run_with_autograd_folder(tmp_path, ours_won, "import nn; print('ok')")
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout
    assert "HIPS `autograd` package is installed into tapegrad's folder" in result.stderr


def test_optim_needs_autograd_only():
    # optimizers take any tensors, as PyTorch's: importing optim must not import nn
    code = "import sys, optim; print(sorted(m for m in sys.modules if m.split('.')[0] == 'nn'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
