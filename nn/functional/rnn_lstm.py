"""The fused LSTM layer-direction node: the whole recurrence of one layer and direction in one node
with a backward on arrays (the recurrent weight's gradient as one GEMM over all steps)."""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Function

from .rnn import _lstm_sequence_reference

__all__: list[str] = []


def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """sigmoid(a) = 1 / (1 + exp(-a)) in place (exp overflowing to inf gives the limit 0: the
    caller silences the overflow warning)."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    return np.reciprocal(a, out=a)


class _LSTMSequence(Function):
    """A whole LSTM layer-direction in one node: gates_t = xw_t + h_{t-1} W_hhᵀ + b_hh,
    c_t = σ(f) c_{t-1} + σ(i) tanh(g), h_t = σ(o) tanh(c_t); returns (h_1..h_L, c_L).

    Backward runs the recurrence backwards on arrays (per step: elementwise gate gradients
    and dh_{t-1} = dgates_t W_hh), then W_hh's gradient over all steps as one GEMM, as cuDNN and
    PyTorch's CPU path do. Under `create_graph` it differentiates the composite recurrence
    (`_lstm_sequence_reference`) instead, so higher-order gradients stay exact.
    """

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, b_hh, reverse):
        ctx.save_for_backward(xw, h0, c0, w_hh, b_hh)
        ctx.reverse = reverse
        gates, hs, cs = _lstm_sequence_forward(xw._data, h0._data, c0._data, w_hh._data,
                                               None if b_hh is None else b_hh._data, reverse)
        c = cs[0] if reverse else cs[-1]
        ctx.arrays = (gates, hs, cs)
        return autograd.from_numpy(hs), autograd.from_numpy(c.copy())

    @staticmethod
    def backward(ctx, g_hs, g_c):
        xw, h0, c0, w_hh, b_hh = ctx.saved_tensors
        if autograd.is_grad_enabled():  # create_graph: differentiate the composite recurrence
            inputs = [t for t in (xw, h0, c0, w_hh, b_hh) if t is not None]
            with autograd.enable_grad():
                outs = _lstm_sequence_reference(xw, h0, c0, w_hh, b_hh, ctx.reverse)
            grads = iter(autograd.grad(outs, inputs, (g_hs, g_c), create_graph=True,
                                       allow_unused=True, materialize_grads=True))
            per_input = [None if t is None else next(grads) for t in (xw, h0, c0, w_hh, b_hh)]
            return (*per_input, None)
        gates, hs, cs = ctx.arrays
        grads = _lstm_sequence_backward(g_hs._data, g_c._data, gates, hs, cs, h0._data, c0._data,
                                        w_hh._data, ctx.reverse)
        d_xw, d_h0, d_c0, d_w = grads
        d_b = None if b_hh is None else d_xw.sum(axis=(0, 1))
        return d_xw, d_h0, d_c0, d_w, d_b, None


def _lstm_sequence_forward(x, h0, c0, w_hh, b_hh, reverse: bool):
    """Arrays (activated gates (L, N, 4H), h (L, N, H), c (L, N, H)) of `_LSTMSequence`."""
    steps, n, four_h = x.shape
    hidden = four_h // 4
    dtype = np.result_type(x, w_hh)
    # the gates buffer (kept for backward) starts as xw + b_hh for all steps in one pass
    gates = np.add(x, b_hh, dtype=dtype) if b_hh is not None else x.astype(dtype, copy=True)
    hs = np.empty((steps, n, hidden), dtype)
    cs = np.empty((steps, n, hidden), dtype)
    recurrent = np.empty((n, four_h), dtype)
    tmp = np.empty((n, hidden), dtype)
    # NOTE: a contiguous Wᵀ: BLAS runs these small GEMMs ~1.5x faster than on the transposed view
    w_t = np.ascontiguousarray(w_hh.T)
    h, c = h0, c0
    with np.errstate(over="ignore"):  # sigmoid's exp(-a) may overflow to inf: its limit, 0
        for t in range(steps - 1, -1, -1) if reverse else range(steps):
            a = gates[t]
            a += np.matmul(h, w_t, out=recurrent)
            _sigmoid_(a[:, : 2 * hidden])
            np.tanh(a[:, 2 * hidden : 3 * hidden], out=a[:, 2 * hidden : 3 * hidden])
            _sigmoid_(a[:, 3 * hidden :])
            i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
            np.multiply(f, c, out=cs[t])
            cs[t] += np.multiply(i, g, out=tmp)
            np.multiply(o, np.tanh(cs[t], out=tmp), out=hs[t])
            h, c = hs[t], cs[t]
    return gates, hs, cs


def _lstm_sequence_backward(g_hs, g_c, gates, hs, cs, h0, c0, w_hh, reverse: bool):
    """Arrays d xw (L, N, 4H), d h0, d c0 (N, H) and d W_hh (4H, H) of `_LSTMSequence`."""
    steps, n, four_h = gates.shape
    hidden = four_h // 4
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    # step t started from state t - 1 (t + 1 when reverse): `later` holds the steps that follow
    # another, `earlier` the steps they follow; the first step started from (h0, c0)
    later, earlier, first = (slice(0, -1), slice(1, None), -1) if reverse else \
        (slice(1, None), slice(0, -1), 0)
    i, f, g, o = (gates[..., k * hidden : (k + 1) * hidden] for k in range(4))
    # every local derivative at once (vectorised over all steps), written into d_gates, which
    # the loop below then scales by (dc, dc, dc, dh) as it chains dc and dh through time
    d_gates = np.empty_like(gates)
    d_i, d_f, d_g, d_o = (d_gates[..., k * hidden : (k + 1) * hidden] for k in range(4))
    np.subtract(1, i, out=d_i)
    d_i *= i
    d_i *= g  # sigmoid'(i) g
    np.subtract(1, f, out=d_f)
    d_f *= f
    d_f[later] *= cs[earlier]  # sigmoid'(f) c_{t-1}
    d_f[first] *= c0
    np.multiply(g, g, out=d_g)
    np.subtract(1, d_g, out=d_g)
    d_g *= i  # tanh'(g) i
    tc = np.tanh(cs)
    np.subtract(1, o, out=d_o)
    d_o *= o
    d_o *= tc  # sigmoid'(o) tanh(c)
    np.multiply(tc, tc, out=tc)
    np.subtract(1, tc, out=tc)
    tc *= o  # d c_t / d h_t = o tanh'(c)
    split_d = d_gates.reshape(steps, n, 4, hidden)
    dh = np.zeros((n, hidden), gates.dtype)
    dc = g_c.astype(gates.dtype, copy=True)
    for t in order:
        dh += g_hs[t]
        dc += dh * tc[t]
        split_d[t, :, :3] *= dc[:, None, :]
        split_d[t, :, 3] *= dh
        dc *= f[t]
        np.matmul(d_gates[t], w_hh, out=dh)
    # W_hh's gradient: sum_t dgates_tᵀ h_{t-1}, one GEMM over the steps that follow another
    d_w = d_gates[later].reshape(-1, four_h).T @ hs[earlier].reshape(-1, hidden)
    d_w += d_gates[first].T @ h0
    return d_gates, dh, dc, d_w

