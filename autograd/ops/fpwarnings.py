"""numpy's floating-point warnings of an op reported at the user's line, not inside the op table.

`np.log(0)` warns "divide by zero encountered in log" from the line that called numpy, which is
tapegrad's `Primitive.__call__`, so every log(0) in a program points there (and Python shows a
warning once per line: later ones at other user lines vanish). `at_callers_line(np.log)` runs the
forward with numpy's errors collected, then applies the user's own `np.seterr` setting for each
kind: a RuntimeWarning at the first frame outside autograd, nn and optim, a FloatingPointError
for "raise", nothing for "ignore". It costs about a microsecond per call.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_LIBRARY = tuple(os.path.join(_ROOT, name) + os.sep for name in ("autograd", "nn", "optim"))
_SETTING = {"divide by zero": "divide", "invalid value": "invalid", "overflow": "over"}


def at_callers_line(fn):
    """`fn` (a numpy forward) whose divide/invalid/overflow warnings name the user's line."""

    def forward(*args, **kwargs):
        errors: list = []
        with np.errstate(divide="call", invalid="call", over="call", call=lambda kind, _: errors.append(kind)):
            out = fn(*args, **kwargs)
        if errors:
            _report(errors, fn.__name__)
        return out

    forward.__name__ = forward.__qualname__ = fn.__name__
    forward.__doc__ = fn.__doc__
    return forward


def _report(errors: list, name: str) -> None:
    settings = np.geterr()
    for kind in dict.fromkeys(errors):
        mode = settings[_SETTING[kind]]
        message = f"{kind} encountered in {name}"
        if mode == "raise":
            raise FloatingPointError(message)
        if mode != "ignore":
            warnings.warn(message, RuntimeWarning, stacklevel=_user_level())


def _user_level() -> int:
    """warnings.warn's stacklevel, from `_report`, of the first frame outside the library."""
    frame, level = sys._getframe(2), 2  # (2: the frame that called _report's caller)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_LIBRARY):
        frame, level = frame.f_back, level + 1
    return level
