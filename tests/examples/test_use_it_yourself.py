"""The README's "Use it yourself" commands, as written, in a fresh clone with a new venv.

Slow (a new virtual environment with JupyterLab: about 3 minutes on a busy 2-core machine), so it
runs only with TAPEGRAD_SLOW_TESTS=1; it needs only the package registry. `jupyter lab examples/`
would start a server, so the test asks JupyterLab for its version instead, then executes a
notebook through the kernel installed in that venv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

slow = pytest.mark.skipif(
    os.environ.get("TAPEGRAD_SLOW_TESTS") != "1",
    reason="creates a venv and installs JupyterLab (minutes): set TAPEGRAD_SLOW_TESTS=1",
)


def readme_commands() -> list[str]:
    """The bash lines of the README's "Use it yourself" block, comments dropped."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Use it yourself"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_commands_are_the_ones_this_test_runs():
    commands = readme_commands()
    assert commands[0] == "source .venv/bin/activate"
    assert any(c.startswith("pip install") and "[notebook]" in c for c in commands)
    assert "jupyter lab examples/" in commands


@slow
def test_use_it_yourself_from_a_clean_clone(tmp_path):
    clone = tmp_path / "tapegrad"
    if (ROOT / ".git").exists() and shutil.which("git"):
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    else:
        shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns(".venv", "out", "__pycache__"))
    # what the demo's setup leaves: a venv with tapegrad installed (scripts/setup.sh)
    subprocess.run([sys.executable, "-m", "venv", str(clone / ".venv")], check=True)
    subprocess.run([str(clone / ".venv/bin/python"), "-m", "pip", "install", "--quiet", "-e", "."],
                   cwd=clone, check=True)
    lines = [c if c != "jupyter lab examples/" else "jupyter lab --version" for c in readme_commands()]
    lines.append("jupyter execute --output=executed.ipynb examples/01_perceptron_xor.ipynb")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + "\n".join(lines)], cwd=clone, env=env,
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "tensor([2., 4.])" in result.stdout
    executed = (clone / "examples" / "executed.ipynb").read_text()
    assert '"OK' in executed and '"output_type": "error"' not in executed
