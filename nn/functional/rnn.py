"""The recurrences' differentiable pieces, composed from Tensor ops: one time step of the Elman
RNN, LSTM and GRU (PyTorch's gate order), and the node that splits a tensor into steps or gates.

The layers in nn/layers/rnn.py and nn/layers/rnn_cell.py call these; the fused LSTM node
(`rnn_lstm.py`) differentiates `lstm_sequence_reference` under `create_graph`. Splitting goes
through one multi-output node (`_Chunks`), so backward stays linear in the sequence length.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Function, Tensor

from .linear import linear

__all__: list[str] = []


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


def _lstm_sequence_reference(x, h, c, w_ih, w_hh, b_ih, b_hh, reverse: bool):
    """The composite LSTM layer-direction (differentiable Tensor ops) over x (L, N, H_in):
    outputs (L, N, H) and the last c."""
    steps = _unbind(linear(x, w_ih, b_ih))
    w_hh_t = w_hh.T
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    outputs: list = [None] * len(steps)
    for t in order:
        h, c = _lstm_step(steps[t], h, c, w_hh_t, b_hh)
        outputs[t] = h
    return autograd.stack(outputs, 0), c

