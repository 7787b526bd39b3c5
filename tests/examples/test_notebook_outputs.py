"""The committed notebooks' saved outputs are clean: no progress-bar frames on stderr.

tqdm's text bar redraws itself with carriage returns; saved into a notebook every frame stays,
as a red stderr block. The notebooks use `tqdm.auto`, which shows one widget line when
ipywidgets is installed (the `notebook` extra), and are executed that way before committing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("[0-9][0-9]_*.ipynb"))
PROGRESS = re.compile(r"\r|\d+%\|| \d+/\d+ \[")


def _text(output) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_progress_frames_on_stderr(path: Path):
    nb = json.loads(path.read_text())
    for k, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                assert not PROGRESS.search(_text(output)), (
                    f"{path.name}, cell {k}: progress-bar frames saved on stderr; execute the "
                    "notebook with ipywidgets installed (pip install -e '.[notebook]')"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_progress_bars_come_from_tqdm_auto(path: Path):
    source = "".join(
        "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"
    )
    assert not re.search(r"^from tqdm import|^import tqdm$", source, re.M), path.name
