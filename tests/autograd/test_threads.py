"""numpy's BLAS runs on one thread after `import autograd`, unless the user chose a number."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import autograd
from autograd.threads import THREAD_VARIABLES

pytest.importorskip("threadpoolctl")
ROOT = Path(__file__).resolve().parents[2]
CODE = "import numpy, autograd; print(autograd.get_num_threads())"


def _threads_after_import(**env_vars) -> int:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env.update(env_vars, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, env=env, check=True,
    )
    return int(result.stdout)


def test_one_blas_thread_by_default():
    assert _threads_after_import() == 1


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="BLAS caps threads at the core count")
def test_user_choice_is_kept():
    assert _threads_after_import(OPENBLAS_NUM_THREADS="2") == 2


def test_set_num_threads_round_trip():
    before = autograd.get_num_threads()
    try:
        autograd.set_num_threads(1)
        assert autograd.get_num_threads() == 1
    finally:
        autograd.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_num_threads_rejects_non_positive_counts(bad):
    with pytest.raises(RuntimeError, match="set_num_threads: expected a positive number"):
        autograd.set_num_threads(bad)
