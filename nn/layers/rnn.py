"""RNN, LSTM, GRU and their cells (PyTorch's parameter names, shapes, gate order and init).

Each layer projects the whole input sequence with one matmul (x @ W_ihᵀ + b_ih for all time steps)
and loops only over time for the recurrent part. Everything is composed from differentiable
Tensor ops, so gradients of any order work; splitting the projected sequence into steps and the
gates into pieces goes through one multi-output node each (`_Chunks`), so backward stays linear in
the sequence length.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import autograd
from autograd import Function, Tensor

from .. import init
from ..functional import _checks
from ..functional.dropout import dropout as _dropout
from ..module import Module, Parameter

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class _Chunks(Function):
    """Split `x` along `axis` into pieces of `sizes` in one node; `squeeze` drops size-1 axes.

    Backward concatenates (or stacks) the pieces' gradients, zeros for pieces that got none, so
    it costs one pass over `x` however many pieces there are (indexing would allocate a full
    zero gradient per piece).
    """

    @staticmethod
    def forward(ctx, x, sizes, axis, squeeze):
        ctx.meta = (axis, squeeze)
        bounds = np.cumsum(sizes)[:-1]
        pieces = np.split(x._data, bounds, axis=axis)
        if squeeze:
            pieces = [np.squeeze(p, axis) for p in pieces]
        return tuple(autograd.from_numpy(p) for p in pieces)

    @staticmethod
    def backward(ctx, *grads):
        axis, squeeze = ctx.meta
        joined = autograd.stack(list(grads), axis) if squeeze else autograd.cat(list(grads), axis)
        return joined, None, None, None


def _chunks(x: Tensor, n: int, axis: int) -> tuple[Tensor, ...]:
    """`n` equal pieces of `x` along `axis` (the gates of a fused projection)."""
    size = x.shape[axis] // n
    if n == 1:
        return (x,)
    return _Chunks.apply(x, [size] * n, axis, False)


def _unbind(x: Tensor) -> tuple[Tensor, ...]:
    """The time steps x[0], x[1], ... of a (L, ...) tensor."""
    if x.shape[0] == 1:
        return (x[0],)
    return _Chunks.apply(x, [1] * x.shape[0], 0, True)


# ----------------------------------------------------------------- one time step
def _rnn_step(xw, h, w_hh_t, b_hh, act):
    """h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh); `xw` is the precomputed input part."""
    hh = h @ w_hh_t
    pre = xw + (hh if b_hh is None else hh + b_hh)
    return pre.tanh() if act == "tanh" else pre.relu()


def _lstm_step(xw, h, c, w_hh_t, b_hh):
    """Gates (i, f, g, o) = xw + h W_hhᵀ + b_hh; c' = σ(f) c + σ(i) tanh(g); h' = σ(o) tanh(c')."""
    gates = xw + h @ w_hh_t
    if b_hh is not None:
        gates = gates + b_hh
    i, f, g, o = _chunks(gates, 4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_step(xw, h, w_hh_t, b_hh):
    """r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r h_n), h' = (1 - z) n + z h.

    x_* include b_ih and h_* include b_hh (so b_hn sits inside r * (...), as PyTorch).
    """
    hh = h @ w_hh_t
    if b_hh is not None:
        hh = hh + b_hh
    x_r, x_z, x_n = _chunks(xw, 3, -1)
    h_r, h_z, h_n = _chunks(hh, 3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return n + z * (h - n)


def _check_float_dtype(dtype):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"parameters need a floating point dtype, got {dtype}")
    return dtype


def _check_size(layer: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
    return int(value)


def _uniform_init(module: Module, hidden_size: int) -> None:
    """PyTorch's RNN init: every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))."""
    bound = 1.0 / math.sqrt(hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (parameters, shape checks, the time loop)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        self.mode = mode
        self.input_size = _check_size(name, "input_size", input_size)
        self.hidden_size = _check_size(name, "hidden_size", hidden_size)
        self.num_layers = _check_size(name, "num_layers", num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout adds dropout after all but the last recurrent layer, so it has "
                f"no effect with num_layers=1 (got dropout={dropout})", UserWarning, stacklevel=3,
            )
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        dtype = _check_float_dtype(dtype)
        gate_size = _GATES[mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names = []
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else self.hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {
                    f"weight_ih_l{layer}{suffix}": (gate_size, in_size),
                    f"weight_hh_l{layer}{suffix}": (gate_size, self.hidden_size),
                }
                if self.bias:
                    shapes[f"bias_ih_l{layer}{suffix}"] = (gate_size,)
                    shapes[f"bias_hh_l{layer}{suffix}"] = (gate_size,)
                for pname, shape in shapes.items():
                    setattr(self, pname, Parameter(np.empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(pname)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        _uniform_init(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Does nothing: PyTorch compacts cuDNN weights here; kept so ported code runs."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Parameters grouped per layer and direction: [w_ih, w_hh, (b_ih, b_hh)]."""
        per = 4 if self.bias else 2
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[k:k + per] for k in range(0, len(flat), per)]

    @property
    def _name(self) -> str:
        return type(self).__name__

    # ----------------------------------------------------------------- checks
    def _check_input(self, input) -> bool:
        """Validate `input`; return True when it is batched."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._name}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{self._name}: Expected input to be 2D (L, H_in) or 3D "
                f"({'N, L' if self.batch_first else 'L, N'}, H_in), got {input.ndim}D with shape "
                f"{tuple(input.shape)}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{self._name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]}"
            )
        if input.dtype.kind != "f":
            raise TypeError(f"{self._name}: expected a floating point input, got dtype {input.dtype}")
        return input.ndim == 3

    def _check_hidden(self, h, batch: int | None, what: str) -> Tensor:
        """`h` as a (layers * directions, N, H) tensor (unbatched: given as (layers * dirs, H))."""
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, self.hidden_size)
        if batch is not None:
            expected = (expected[0], batch, expected[1])
        if not isinstance(h, Tensor):
            raise TypeError(f"{self._name}: {what} must be a Tensor, got {type(h).__name__}")
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{self._name}: Expected {what} size {expected}, got {tuple(h.shape)}")
        return h if batch is not None else h.unsqueeze(1)

    # ----------------------------------------------------------------- forward
    def _run(self, input: Tensor, hx: tuple | None):
        """The stacked (bi)directional recurrence; returns (output, tuple of final states)."""
        _checks.recurrent_input(self, input)
        batched = self._check_input(input)
        x = input
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        N = x.shape[1]
        n_states = 2 if self.mode == "LSTM" else 1
        names = ("h_0", "c_0")
        if hx is None:
            zeros = autograd.zeros(self.num_layers * (2 if self.bidirectional else 1), N,
                                   self.hidden_size, dtype=x.dtype)
            states = (zeros,) * n_states
        else:
            states = tuple(
                self._check_hidden(h, N if batched else None, names[k]) for k, h in enumerate(hx)
            )
        per_state = [_unbind(s) for s in states]  # per layer-direction initial states
        finals: list[list[Tensor]] = [[] for _ in range(n_states)]
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                suffix = "_reverse" if d else ""
                out, last = self._direction(x, layer, suffix, [ps[k] for ps in per_state], d == 1)
                outs.append(out)
                for s in range(n_states):
                    finals[s].append(last[s])
            x = outs[0] if directions == 1 else autograd.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)
        output = x
        final = tuple(autograd.stack(f, 0) for f in finals)
        if not batched:
            output = output.squeeze(1)
            final = tuple(f.squeeze(1) for f in final)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, final

    def _direction(self, x: Tensor, layer: int, suffix: str, state: list, reverse: bool):
        """Run one layer in one direction over x (L, N, in); returns (outputs (L, N, H), states)."""
        w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
        w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
        b_ih = getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None
        # NOTE: the input projection of every time step in one matmul
        xw = x @ w_ih.T
        if b_ih is not None:
            xw = xw + b_ih
        steps = _unbind(xw)
        w_hh_t = w_hh.T
        order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
        outputs: list = [None] * len(steps)
        if self.mode == "LSTM":
            h, c = state
            for t in order:
                h, c = _lstm_step(steps[t], h, c, w_hh_t, b_hh)
                outputs[t] = h
            last = (h, c)
        else:
            (h,) = state
            act = "relu" if self.mode == "RNN_RELU" else "tanh"
            for t in order:
                if self.mode == "GRU":
                    h = _gru_step(steps[t], h, w_hh_t, b_hh)
                else:
                    h = _rnn_step(steps[t], h, w_hh_t, b_hh, act)
                outputs[t] = h
            last = (h,)
        return autograd.stack(outputs, 0), last

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


_SHAPES_DOC = """
    Shapes: input (L, N, H_in), or (N, L, H_in) with batch_first, or unbatched (L, H_in);
    output (L, N, D * H_out) (batch_first: (N, L, D * H_out); unbatched: (L, D * H_out)), D = 2 if
    bidirectional else 1; states (D * num_layers, N, H_out) (unbatched: (D * num_layers, H_out)).
    Parameters `weight_ih_l{k}` (G * H_out, H_in or D * H_out), `weight_hh_l{k}` (G * H_out, H_out),
    `bias_ih_l{k}`, `bias_hh_l{k}` (G * H_out,), plus `_reverse` copies when bidirectional; all
    initialized U(-1/sqrt(H_out), 1/sqrt(H_out)). Dropout (training only) follows every layer but
    the last.
"""


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), act = tanh or relu (G = 1).

    Args:
        input_size, hidden_size: feature sizes H_in and H_out.
        num_layers: stacked layers. nonlinearity: 'tanh' or 'relu'. bias: use b_ih and b_hh.
        batch_first: input/output are (N, L, H). dropout: between layers. bidirectional: also
            run right-to-left and concatenate.

    forward(input, hx=None) -> (output, h_n).
    """ + _SHAPES_DOC

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None):
        """(output, h_n) for `input` and optional initial state `hx`."""
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """LSTM with gates (i, f, g, o) in that order (G = 4):

    i, f, o = σ(...), g = tanh(...), each of x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh;
    c_t = f c_{t-1} + i g; h_t = o tanh(c_t).

    forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n)). Arguments as `RNN` (no nonlinearity).
    """ + _SHAPES_DOC

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        """(output, (h_n, c_n)) for `input` and optional initial states `(h_0, c_0)`."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
        output, (h_n, c_n) = self._run(input, None if hx is None else tuple(hx))
        return output, (h_n, c_n)


class GRU(RNNBase):
    """GRU with gates (r, z, n) in that order (G = 3):

    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), z likewise, n = tanh(x W_inᵀ + b_in + r (h W_hnᵀ +
    b_hn)), h_t = (1 - z) n + z h_{t-1}.

    forward(input, hx=None) -> (output, h_n). Arguments as `RNN` (no nonlinearity).
    """ + _SHAPES_DOC

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None):
        """(output, h_n) for `input` and optional initial state `hx`."""
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


# ----------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared parameters and checks of the single-step cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = _check_size(name, "input_size", input_size)
        self.hidden_size = _check_size(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        dtype = _check_float_dtype(dtype)
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
