"""RNN, LSTM and GRU sequence layers (PyTorch's parameter names, shapes, gate order and init); the
cells live in rnn_cell.py and are re-exported here.

Each layer projects the whole input sequence with one matmul (x @ W_ihᵀ + b_ih for all time steps)
and loops only over time for the recurrent part: the LSTM through one fused node per layer and
direction (nn/functional/rnn_lstm.py), RNN and GRU through the composite steps of
nn/functional/rnn.py, so gradients of any order work.
"""

from __future__ import annotations

import warnings

import numpy as np

import autograd
from autograd import Tensor

from ..functional import _checks
from ..functional.dropout import dropout as _dropout
from ..functional.linear import linear as _linear
from ..functional.rnn import _gru_step, _rnn_step, _unbind
from ..functional.rnn_lstm import _LSTMSequence
from ..module import Module, Parameter
from . import _args
from .rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase, _uniform_init

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (parameters, shape checks, the time loop)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        self.mode = mode
        self.input_size = _args.size(name, "input_size", input_size)
        self.hidden_size = _args.size(name, "hidden_size", hidden_size)
        self.num_layers = _args.size(name, "num_layers", num_layers)
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
        dtype = _args.param_dtype(name, dtype)
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
        if self.mode == "LSTM":
            h, c = state
            hs, c = _LSTMSequence.apply(x, h, c, w_ih, w_hh, b_ih, b_hh, reverse)
            return hs, (hs[0] if reverse else hs[-1], c)
        # NOTE: the input projection of every time step in one GEMM (linear flattens the
        # leading dims; a 3-D matmul would run one small product per time step)
        xw = _linear(x, w_ih, b_ih)
        steps = _unbind(xw)
        w_hh_t = w_hh.T
        order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
        outputs: list = [None] * len(steps)
        (h,) = state
        act = "relu" if self.mode == "RNN_RELU" else "tanh"
        for t in order:
            if self.mode == "GRU":
                h = _gru_step(steps[t], h, w_hh_t, b_hh)
            else:
                h = _rnn_step(steps[t], h, w_hh_t, b_hh, act)
            outputs[t] = h
        return autograd.stack(outputs, 0), (h,)

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

