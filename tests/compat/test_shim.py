"""autograd.compat: `import torch` gives tapegrad after install(); python -m autograd.compat."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import autograd
import nn
import nn.data
import optim
from autograd import compat

ROOT = Path(__file__).parent.parent.parent
HAS_TORCH = importlib.util.find_spec("torch") is not None
_ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}


@pytest.fixture
def torch_shim():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compat.install()
    try:
        yield importlib.import_module("torch")
    finally:
        compat.uninstall()


def test_module_names_map_to_tapegrad(torch_shim):
    torch = torch_shim
    import torch.nn as tnn
    import torch.nn.functional as F
    import torch.optim.lr_scheduler as sched
    from torch.nn.modules.module import Module
    from torch.nn.parameter import Parameter
    from torch.utils.data.sampler import RandomSampler

    assert torch.Tensor is autograd.Tensor and torch.tensor is autograd.tensor
    assert tnn.Linear is nn.Linear and tnn.init is nn.init and tnn.utils.clip_grad_norm_ is \
        nn.utils.clip_grad_norm_
    assert F is nn.functional and torch.nn.functional is nn.functional
    assert torch.optim.Adam is optim.Adam and sched is optim.lr_scheduler
    assert torch.utils.data.DataLoader is nn.data.DataLoader and RandomSampler is \
        nn.data.RandomSampler
    assert torch.autograd is autograd and torch.autograd.Function is autograd.Function
    assert Module is nn.Module and Parameter is nn.Parameter
    assert torch.float is autograd.float32 and torch.long is autograd.int64
    # the PyTorch-only children live on the shim's namespaces, not on tapegrad's packages
    assert not hasattr(nn, "modules") and not hasattr(nn, "parameter")


def test_accelerators_answer_as_a_cpu_only_build(torch_shim):
    torch = torch_shim
    assert torch.cuda.is_available() is False and torch.cuda.device_count() == 0
    assert torch.cuda.manual_seed_all(0) is None and torch.cuda.manual_seed(1) is None
    assert torch.backends.mps.is_available() is False and torch.backends.mps.is_built() is False
    assert torch.backends.cudnn.is_available() is False
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    torch.backends.cuda.matmul.allow_tf32 = True
    assert torch.backends.cudnn.benchmark is True
    with pytest.raises(AssertionError, match="CPU"):
        torch.cuda.synchronize()
    with pytest.raises(AssertionError, match="CUDA"):
        torch.zeros(2).to(torch.device("cuda"))
    assert torch.device("cuda" if torch.cuda.is_available() else "cpu") == torch.device("cpu")


def test_missing_names_raise_clearly(torch_shim):
    with pytest.raises(ModuleNotFoundError, match=r"torch\.distributed"):
        importlib.import_module("torch.distributed")
    with pytest.raises(AttributeError, match="no attribute 'not_a_torch_name'"):
        torch_shim.not_a_torch_name  # noqa: B018


@pytest.mark.skipif(not HAS_TORCH, reason="needs PyTorch installed")
def test_install_warns_once_and_uninstall_gives_pytorch_back(monkeypatch):
    monkeypatch.setitem(compat._STATE, "warned", False)
    with pytest.warns(UserWarning, match="PyTorch is installed"):
        compat.install()
    try:
        assert importlib.import_module("torch").Tensor is autograd.Tensor
    finally:
        compat.uninstall()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compat.install()  # a second install in the same process says nothing
    compat.uninstall()
    real = importlib.import_module("torch")
    assert real.Tensor is not autograd.Tensor and "site-packages" in real.__file__


def test_install_twice_is_harmless(torch_shim):
    compat.install()
    assert compat.installed() and importlib.import_module("torch") is torch_shim


def _run(args, cwd):
    return subprocess.run([sys.executable, "-m", "autograd.compat", *args], cwd=cwd, env=_ENV,
                          capture_output=True, text=True, timeout=120)


def test_runner_runs_a_script_as_python_would(tmp_path):
    (tmp_path / "helper_mod.py").write_text("VALUE = 41\n")
    script = tmp_path / "prog.py"
    script.write_text(
        "import sys, torch\n"
        "import helper_mod\n"  # the script's folder comes first on sys.path
        "print(__name__, sys.argv[1:], helper_mod.VALUE + 1, torch.__name__, "
        "type(torch.zeros(1)).__module__)\n"
        "sys.exit(3)\n"
    )
    proc = _run([str(script), "--lr", "0.1"], cwd=ROOT)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.split() == ["__main__", "['--lr',", "'0.1']", "42", "torch",
                                   "autograd.tensor"]


def test_runner_runs_a_module_and_explains_usage(tmp_path):
    (tmp_path / "progmod.py").write_text(
        "import sys, torch\nprint(__name__, sys.argv[1:], torch.cuda.is_available())\n")
    proc = _run(["-m", "progmod", "x"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["__main__", "['x']", "False"]
    usage = _run([], cwd=tmp_path)
    assert usage.returncode == 2 and "usage" in usage.stderr
    missing = _run(["no_such_file.py"], cwd=tmp_path)
    assert missing.returncode == 2 and "no_such_file.py" in missing.stderr


def test_the_shim_packages_are_installed_with_tapegrad():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = set(config["tool"]["setuptools"]["packages"])
    assert {"autograd.compat", "autograd.compat.backends"} <= packages
