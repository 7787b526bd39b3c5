"""The main demo (examples/demo.py) end to end, in a subprocess, on a one-epoch budget."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autograd
import nn
from nn.data import load_mnist_sample

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo.py"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_demo(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run demo.py from the repository root with the repository on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, str(DEMO), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def printed_accuracy(stdout: str) -> float:
    match = re.search(r"test accuracy: ([0-9.]+)% \((\d+)/1000 held-out images\)", stdout)
    assert match, f"no accuracy line in the demo's output:\n{stdout}"
    assert abs(float(match.group(1)) / 100 - int(match.group(2)) / 1000) < 1e-9
    return int(match.group(2)) / 1000


@pytest.fixture(scope="module")
def one_epoch(tmp_path_factory):
    """One epoch of DeepConvNet training: (output folder, completed process)."""
    out = tmp_path_factory.mktemp("demo")
    proc = run_demo("--epochs", "1", "--out", str(out), "--seed", "0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


def test_writes_the_graph(one_epoch):
    out, proc = one_epoch
    if shutil.which("dot"):
        text = (out / "graph.svg").read_text(encoding="utf-8")
        assert text.lstrip().startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")
        # the picture names the model's layers and carries gradient norms
        assert "conv1.weight" in text and "fc2.bias" in text and "|grad|" in text
    else:
        text = (out / "graph.dot").read_text(encoding="utf-8")
        assert text.startswith("digraph") and "conv1.weight" in text
        assert "graph.dot" in proc.stdout


def test_writes_the_curves_as_png(one_epoch):
    out, _ = one_epoch
    data = (out / "loss.png").read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 5_000


def test_summary_counts_the_parameters(one_epoch):
    out, _ = one_epoch
    text = (out / "summary.txt").read_text(encoding="utf-8")
    expected = sum(p._data.size for p in nn.models.DeepConvNet().parameters())
    assert f"Total params: {expected:,}" in text
    assert "conv6 (Conv2d)" in text and "(1, 64, 7, 7)" in text


def test_saved_weights_reload_and_reproduce_the_printed_accuracy(one_epoch):
    out, proc = one_epoch
    state = nn.load(out / "model.safetensors")
    model = nn.models.DeepConvNet()
    model.load_state_dict(state)
    model.eval()
    _, (x_test, y_test) = load_mnist_sample()
    with autograd.no_grad():
        pred = np.concatenate([model(autograd.tensor(x_test[i:i + 250])).numpy().argmax(axis=1)
                               for i in range(0, len(x_test), 250)])
    accuracy = float((pred == y_test).mean())
    assert accuracy == printed_accuracy(proc.stdout)


def test_one_epoch_already_learns(one_epoch):
    """Sanity bound for the reduced budget (one epoch gives about 79%, chance is 10%); the full
    run reaches 97% (test_full_run_reaches_97_percent)."""
    _, proc = one_epoch
    assert printed_accuracy(proc.stdout) >= 0.60


def test_without_graphviz_writes_the_dot_source(tmp_path, monkeypatch, capsys):
    """No `dot` program: write_graph falls back to graph.dot and says so."""
    spec = importlib.util.spec_from_file_location("tapegrad_demo", DEMO)
    demo = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, demo)  # NOTE: dataclasses look their module up here
    spec.loader.exec_module(demo)

    def missing_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", missing_dot)
    autograd.manual_seed(0)
    _, (x_test, y_test) = load_mnist_sample()
    written = demo.write_graph(nn.models.LeNet5(padding=2), x_test[:4], y_test[:4], str(tmp_path))
    assert written == str(tmp_path / "graph.dot")
    assert not (tmp_path / "graph.svg").exists()
    text = (tmp_path / "graph.dot").read_text(encoding="utf-8")
    assert text.startswith("digraph") and "conv1.weight" in text and "|grad|" in text
    assert "graph.dot" in capsys.readouterr().out


def test_rejects_bad_options(tmp_path):
    proc = run_demo("--epochs", "0", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--epochs must be at least 1" in proc.stderr


@pytest.mark.skipif(os.environ.get("TAPEGRAD_FULL_DEMO") != "1",
                    reason="the full demo run (about 2 minutes) is not a unit test; "
                           "set TAPEGRAD_FULL_DEMO=1 to run it")
def test_full_run_reaches_97_percent(tmp_path):
    proc = run_demo("--out", str(tmp_path), timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert printed_accuracy(proc.stdout) >= 0.97
