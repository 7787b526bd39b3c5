"""Make sure `import autograd` found tapegrad's engine, not PyPI's HIPS `autograd` (same name).

`nn` and `optim` call `require_tapegrad()` when they are imported. This file uses the standard
library only, so it still runs when HIPS autograd's `__init__.py` replaced ours in a shared folder.

Both packages install into a folder named `autograd`. pip merges them when both are installed in
one environment: the later `__init__.py` wins, and uninstalling either deletes the shared
`__init__.py`, leaving the other broken. So the error names what it found and advice that works:
uninstall HIPS autograd, then reinstall tapegrad (or keep them in separate virtual environments).
"""

from __future__ import annotations

import json
import os
import sys
import warnings

# files that only tapegrad's autograd has, and files that only HIPS autograd has
_OURS = ("tensor.py", "engine.py", "node.py")
_HIPS = ("differential_operators.py", "tracer.py", "wrap_util.py")


def _has(folder: str, names: tuple[str, ...]) -> bool:
    return any(os.path.exists(os.path.join(folder, n)) for n in names)


def reinstall_command() -> str:
    """The pip command that reinstalls tapegrad the way it was installed (editable or not)."""
    pip = f"{sys.executable or 'python'} -m pip install --force-reinstall --no-deps"
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        info = json.loads(distribution("tapegrad").read_text("direct_url.json") or "{}")
    except (PackageNotFoundError, ValueError, OSError):
        info = {}
    url = info.get("url", "")
    if url.startswith("file://"):
        editable = "-e " if info.get("dir_info", {}).get("editable") else ""
        return f"{pip} {editable}{url[len('file://'):]}"
    return f"{pip} tapegrad (or `pip install -e .` in your tapegrad checkout)"


def require_tapegrad():
    """Import and return tapegrad's `autograd`; raise ImportError with a fix if another one is found.

    Also warns when tapegrad's `autograd` works but shares its folder with HIPS autograd's files,
    since `pip uninstall autograd` would then delete tapegrad's `__init__.py`.
    """
    import autograd  # (which `autograd` Python finds is what this function checks)

    folders = list(getattr(autograd, "__path__", ()))
    hips_here = [f for f in folders if _has(f, _HIPS)]
    ours_here = [f for f in folders if _has(f, _OURS)]
    fix = (
        f"Fix: `pip uninstall autograd`, then reinstall tapegrad: `{reinstall_command()}`; "
        "or use a separate virtual environment for tapegrad."
    )
    if getattr(autograd, "__tapegrad__", False):
        if hips_here:
            warnings.warn(
                f"PyPI's HIPS `autograd` package is installed into tapegrad's folder {hips_here[0]} "
                "(both use the import name `autograd`). tapegrad works for now, but uninstalling "
                f"either package deletes the shared __init__.py. {fix}",
                stacklevel=3,
            )
        return autograd
    where = getattr(autograd, "__file__", None)
    if where is None and ours_here:
        raise ImportError(
            f"tapegrad's autograd/__init__.py is missing from {ours_here[0]}: uninstalling PyPI's "
            "`autograd` package (HIPS autograd, same folder name) deleted it. Reinstall tapegrad: "
            f"`{reinstall_command()}`; or use a separate virtual environment for tapegrad."
        )
    if ours_here:
        found = f"PyPI's HIPS `autograd` merged into tapegrad's folder ({where})"
    else:
        found = f"a different package at {where or ', '.join(folders) or 'an unknown location'}"
    raise ImportError(
        f"`import autograd` found {found}, not tapegrad's engine (PyPI's HIPS `autograd` uses the "
        f"same import name). {fix}"
    )
