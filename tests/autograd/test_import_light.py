"""`import autograd` works without the graphviz package; drawing then says what to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# None in sys.modules makes `import graphviz` fail as if the package were not installed
PROGRAM = """
import sys
sys.modules["graphviz"] = None
import autograd, nn, optim
from autograd import Tensor
x = Tensor([1.0, 2.0], requires_grad=True)
loss = (x * x).sum()
print(autograd.explain(loss).rows[0].node)
print(loss.explain().rows[0].node)
loss.backward()
print(x.grad.tolist())
print("graphviz loaded:", "graphviz" in sys.modules and sys.modules["graphviz"] is not None)
try:
    autograd.viz.draw(loss)
except ImportError as error:
    print("draw:", error)
"""


def test_import_autograd_without_graphviz():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env, cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == lines[1] == "SumBackward"
    assert lines[2] == "[2.0, 4.0]"
    assert lines[3] == "graphviz loaded: False"
    assert lines[4].startswith("draw: viz.draw needs the graphviz Python package: `pip install graphviz`")


def test_graphviz_is_not_imported_by_import_autograd():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = "import sys, autograd, nn, optim; print('graphviz' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
