"""RNNCell, LSTMCell and GRUCell: one time step of each recurrence as a layer (PyTorch's parameter
names, shapes, gate order and init)."""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor

from .. import init
from ..functional.rnn import _gru_step, _lstm_step, _rnn_step
from ..module import Module, Parameter
from . import _args

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]


def _uniform_init(module: Module, hidden_size: int) -> None:
    """PyTorch's RNN init: every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class RNNCellBase(Module):
    """Shared parameters and checks of the single-step cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = _args.size(name, "input_size", input_size)
        self.hidden_size = _args.size(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        dtype = _args.param_dtype(name, dtype)
        gate_size = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((gate_size, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((gate_size, self.hidden_size), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(np.empty((gate_size,), dtype=dtype))
            self.bias_hh = Parameter(np.empty((gate_size,), dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        _uniform_init(self, self.hidden_size)

    def _prepare(self, input, states: tuple, names: tuple):
        """(x (N, in), states (N, H) each, batched flag); zeros for missing states."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},), "
                f"got {tuple(input.shape)}"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        out = []
        for state, sname in zip(states, names):
            if state is None:
                state = autograd.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
            else:
                expected = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
                if not isinstance(state, Tensor) or tuple(state.shape) != expected:
                    got = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
                    raise RuntimeError(f"{name}: Expected {sname} of shape {expected}, got {got}")
                state = state if batched else state.unsqueeze(0)
            out.append(state)
        return x, out, batched

    def _input_part(self, x: Tensor) -> Tensor:
        xw = x @ self.weight_ih.T
        return xw if self.bias_ih is None else xw + self.bias_ih

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s


class RNNCell(RNNCellBase):
    """One Elman step: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) for input (N, H_in) or (H_in,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or 'relu'.")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """h' (N, H_out) (or (H_out,) for an unbatched input); hx defaults to zeros."""
        x, (h,), batched = self._prepare(input, (hx,), ("hx",))
        h = _rnn_step(self._input_part(x), h, self.weight_hh.T, self.bias_hh, self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): returns (h', c') for input (N, H_in) or (H_in,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        """(h', c'), each (N, H_out) (or (H_out,) unbatched); hx = (h, c) defaults to zeros."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h_0, c_0)")
        x, (h, c), batched = self._prepare(input, tuple(hx) if hx else (None, None), ("h_0", "c_0"))
        h, c = _lstm_step(self._input_part(x), h, c, self.weight_hh.T, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): h' for input (N, H_in) or (H_in,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """h' (N, H_out) (or (H_out,) unbatched); hx defaults to zeros."""
        x, (h,), batched = self._prepare(input, (hx,), ("hx",))
        h = _gru_step(self._input_part(x), h, self.weight_hh.T, self.bias_hh)
        return h if batched else h.squeeze(0)

