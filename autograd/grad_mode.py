"""Switches read on every op: gradient recording (per thread) and anomaly detection (process-wide),
as PyTorch's grad mode and anomaly mode."""

from __future__ import annotations

import functools
import threading


class _State(threading.local):
    """Per-thread grad mode, read on every op; an attribute so reads stay cheap."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.inference = False


STATE = _State()


class _Anomaly:
    """Process-wide anomaly mode (PyTorch's is not per thread either); a slot, as every recorded
    op reads it."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


ANOMALY = _Anomaly()


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for backprop in this thread."""
    return STATE.grad_enabled


class _GradModeContext:
    """Base for context managers (and decorators) that set grad mode and restore it on exit."""

    _mode: bool

    def __new__(cls, *args):
        # `@no_grad` without parentheses decorates the function directly, as in PyTorch
        if len(args) == 1 and callable(args[0]) and cls in (no_grad, enable_grad):
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode
        return self

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self._prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager / decorator: ops inside are not recorded (results need no grad)."""

    _mode = False


class enable_grad(_GradModeContext):
    """Context manager / decorator: turn recording back on inside a no_grad block."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to `mode`; works as a plain call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self._prev = STATE.grad_enabled
        self._mode = bool(mode)
        STATE.grad_enabled = self._mode

    def __enter__(self):
        return self

    def __call__(self, fn):
        STATE.grad_enabled = self._prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self._mode):
                return fn(*args, **kwargs)

        return wrapper


class inference_mode(_GradModeContext):
    """Context manager / decorator for evaluation code (PyTorch's `inference_mode(mode=True)`):
    ops inside are not recorded, as in `no_grad()`. `inference_mode(False)` changes nothing;
    `@inference_mode` works with or without parentheses."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.mode = True
            return self(mode)
        return self

    def __init__(self, mode: bool = True) -> None:
        if callable(mode) and not isinstance(mode, bool):
            mode = True
        self.mode = bool(mode)

    def __enter__(self):
        self._prev = (STATE.grad_enabled, STATE.inference)
        if self.mode:
            STATE.grad_enabled = False
            STATE.inference = True
        return self

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled, STATE.inference = self._prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()`."""
    return STATE.inference


class detect_anomaly:
    """Context manager: record where each op was created and stop at the first NaN/Inf gradient.

    Inside it, backward raises `AnomalyError` naming the op whose backward produced a non-finite
    value and the file and line of user code where that op ran in the forward pass.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = ANOMALY.enabled
        ANOMALY.enabled = self.check_nan
        return self

    def __exit__(self, *exc) -> None:
        ANOMALY.enabled = self._prev


def is_anomaly_enabled() -> bool:
    """Return True inside `detect_anomaly()`."""
    return ANOMALY.enabled
