"""The example notebooks: each runs top to bottom (its last cell asserts the known result), and the
committed copies are executed, with no errors and the last cell's check passed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 300


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_there_are_eighteen_notebooks():
    assert [p.name[:3] for p in NOTEBOOKS] == [f"{k:02d}_" for k in range(1, 19)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_is_executed(path: Path):
    """Every code cell ran in order, none raised, and the final check printed its OK line."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code cells"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: execution counts {counts}"
    for cell in code:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name}: a cell raised {errors[0].ename}: {errors[0].evalue}"
    last = "".join(o.get("text", "") for o in code[-1].outputs if o.output_type == "stream")
    assert last.startswith("OK"), f"{path.name}: the last cell printed {last!r}"
    has_plot = any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert has_plot, f"{path.name} has no inline plot"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch):
    """Execute the notebook in a fresh kernel (cwd examples/); a failing assertion fails the test."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # NOTE: the kernel inherits this environment: it must import the repository's packages, and
    # with tests running in parallel one BLAS thread per process avoids oversubscribing the cores
    path_entries = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path_entries))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()
    last = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert last.startswith("OK"), last
