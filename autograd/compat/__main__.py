"""`python -m autograd.compat SCRIPT [ARGS...]`: run an unmodified PyTorch script on tapegrad.

The script runs as Python would run it (`__name__ == "__main__"`, `sys.argv == [SCRIPT, *ARGS]`,
its folder first on `sys.path`), after `autograd.compat.install()` so that `import torch` gives
tapegrad. `python -m autograd.compat -m MODULE [ARGS...]` runs a module the same way.
"""

from __future__ import annotations

import os
import runpy
import sys

from . import install

_USAGE = "usage: python -m autograd.compat SCRIPT [ARGS...]  |  python -m autograd.compat -m MODULE [ARGS...]"


def main(argv: list[str] | None = None) -> int:
    """Run the script or module named in `argv` (default: the command line) on tapegrad."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            print(_USAGE, file=sys.stderr)
            return 2
        sys.argv = [argv[1], *argv[2:]]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"python -m autograd.compat: can't open file {script!r}: no such file", file=sys.stderr)
        return 2
    sys.argv = [script, *argv[1:]]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
