"""The fused LSTM layer-direction node: the whole recurrence of one layer and direction in one node
with a backward on arrays (the recurrent weight's gradient as one GEMM over all steps)."""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Function

from .rnn import _lstm_sequence_reference

__all__: list[str] = []


def _gate_affine(four_h: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """(scale, shift) over the (i, f, g, o) gate block: 1/2 for the sigmoid gates, 1 for g; 1/2
    for the sigmoid gates, 0 for g. With them σ(x) = tanh(x/2)/2 + 1/2 and g's tanh share one
    pass: gates = tanh(pre · scale) · scale + shift."""
    hidden = four_h // 4
    scale = np.full(four_h, 0.5, dtype)
    scale[2 * hidden : 3 * hidden] = 1
    shift = np.full(four_h, 0.5, dtype)
    shift[2 * hidden : 3 * hidden] = 0
    return scale, shift


class _LSTMSequence(Function):
    """A whole LSTM layer-direction in one node over x (L, N, H_in): gates_t = x_t W_ihᵀ + b_ih +
    h_{t-1} W_hhᵀ + b_hh, c_t = σ(f) c_{t-1} + σ(i) tanh(g), h_t = σ(o) tanh(c_t); returns
    (h_1..h_L, c_L).

    The input projection of every step is one GEMM before the loop. Backward runs the recurrence
    backwards on arrays (per step: elementwise gate gradients and dh_{t-1} = dgates_t W_hh), then
    the weights' gradients over all steps as one GEMM each, as cuDNN and PyTorch's CPU path do.
    Under `create_graph` it differentiates the composite recurrence (`_lstm_sequence_reference`)
    instead, so higher-order gradients stay exact.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.reverse = reverse
        x2 = x._data.reshape(-1, x.shape[-1])
        dtype = np.result_type(x2, w_ih._data, w_hh._data)
        scale, _ = _gate_affine(w_ih.shape[0], dtype)
        # the GEMM yields the pre-activations already times `scale` (exact: powers of two)
        w_in = np.multiply(w_ih._data.T, scale, out=np.empty(w_ih.shape[::-1], dtype))
        gates = np.matmul(x2, w_in)
        if b_ih is not None:
            # NOTE: both biases in one pass over the (L·N, 4H) gates: Linear's own bias and a
            # second add cost ~1 ms more a W8 step, and the backward sums d gates once
            gates += (b_ih._data + b_hh._data) * scale
        gates = gates.reshape(*x.shape[:-1], -1)
        hs, cs, tcs = _lstm_sequence_forward(gates, h0._data, c0._data, w_hh._data, reverse)
        c = cs[0] if reverse else cs[-1]
        ctx.arrays = (x2, gates, hs, cs, tcs)
        return autograd.from_numpy(hs), autograd.from_numpy(c.copy())

    @staticmethod
    def backward(ctx, g_hs, g_c):
        saved = ctx.saved_tensors
        x, h0, c0, w_ih, w_hh, b_ih, _ = saved
        if autograd.is_grad_enabled():  # create_graph: differentiate the composite recurrence
            inputs = [t for t in saved if t is not None]
            with autograd.enable_grad():
                outs = _lstm_sequence_reference(*saved, ctx.reverse)
            grads = iter(autograd.grad(outs, inputs, (g_hs, g_c), create_graph=True,
                                       allow_unused=True, materialize_grads=True))
            return (*[None if t is None else next(grads) for t in saved], None)
        x2, gates, hs, cs, tcs = ctx.arrays
        d_gates, d_h0, d_c0, d_w_hh = _lstm_sequence_backward(
            g_hs._data, g_c._data, gates, hs, cs, tcs, h0._data, c0._data, w_hh._data,
            ctx.reverse)
        d2 = d_gates.reshape(-1, d_gates.shape[-1])
        d_x = (d2 @ w_ih._data).reshape(x.shape) if ctx.needs_input_grad[0] else None
        d_w_ih = d2.T @ x2
        d_b_ih = d_b_hh = None
        if b_ih is not None:
            d_b_ih = np.add.reduce(d2, axis=0)
            d_b_hh = d_b_ih.copy()  # two leaves: each adopts its own array as .grad
        return d_x, d_h0, d_c0, d_w_ih, d_w_hh, d_b_ih, d_b_hh, None


def _lstm_sequence_forward(gates, h0, c0, w_hh, reverse: bool):
    """The recurrence of `_LSTMSequence` on arrays: `gates` (L, N, 4H) holds (x W_ihᵀ + biases)
    times `_gate_affine`'s scale and becomes the activated gates; returns h, c and tanh(c),
    (L, N, H) each."""
    steps, n, four_h = gates.shape
    hidden = four_h // 4
    dtype = gates.dtype
    hs, cs, tcs = (np.empty((steps, n, hidden), dtype) for _ in range(3))
    recurrent = np.empty((n, four_h), dtype)
    tmp = np.empty((n, hidden), dtype)
    # NOTE: one tanh over the whole contiguous 4H block, σ(x) = tanh(x/2)/2 + 1/2 for i, f, o:
    # 40 us a step at W8's shapes against 84 us for exp-based sigmoids on the strided gate
    # slices. The halving is exact (a power of two), so the pre-activations are unchanged, and
    # σ's absolute error stays below float rounding of 1; a C-contiguous scaled Wᵀ also runs
    # BLAS ~1.5x faster than the transposed view.
    scale, shift = _gate_affine(four_h, dtype)
    w_t = np.multiply(w_hh.T, scale, out=np.empty((hidden, four_h), dtype))
    h, c = h0, c0
    for t in range(steps - 1, -1, -1) if reverse else range(steps):
        a = gates[t]
        a += np.matmul(h, w_t, out=recurrent)
        np.tanh(a, out=a)
        a *= scale
        a += shift
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        np.multiply(f, c, out=cs[t])
        cs[t] += np.multiply(i, g, out=tmp)
        np.multiply(o, np.tanh(cs[t], out=tcs[t]), out=hs[t])
        h, c = hs[t], cs[t]
    return hs, cs, tcs


def _lstm_sequence_backward(g_hs, g_c, gates, hs, cs, tcs, h0, c0, w_hh, reverse: bool):
    """Arrays d xw (L, N, 4H), d h0, d c0 (N, H) and d W_hh (4H, H) of `_LSTMSequence`."""
    steps, n, four_h = gates.shape
    hidden = four_h // 4
    dtype = gates.dtype
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    # step t started from state t - 1 (t + 1 when reverse): `later` holds the steps that follow
    # another, `earlier` the steps they follow; the first step started from (h0, c0)
    later, earlier, first = (slice(0, -1), slice(1, None), -1) if reverse else \
        (slice(1, None), slice(0, -1), 0)
    step = -1 if reverse else 1
    d_gates = np.empty_like(gates)
    # local derivative of each activated gate a: σ' = a (1 - a) for i, f, o, tanh' = (1 + a)(1 - a)
    # for g, computed over the whole 4H block as (a + bump)(1 - a)
    bump = np.zeros(four_h, dtype)
    bump[2 * hidden : 3 * hidden] = 1
    local, one_minus = np.empty((n, four_h), dtype), np.empty((n, four_h), dtype)
    tmp = np.empty((n, hidden), dtype)
    dh = np.zeros((n, hidden), dtype)
    dc = g_c.astype(dtype, copy=True)
    # NOTE: the gate gradients are made step by step while the step's arrays are in cache: 50 us
    # a step at W8's shapes against 7 ms for whole-sequence passes over the (L, N, 4H) arrays
    for t in order:
        a, d, tc = gates[t], d_gates[t], tcs[t]
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        d_i, d_f, d_g, d_o = (d[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c_prev = c0 if t == (steps - 1 if reverse else 0) else cs[t - step]
        dh += g_hs[t]
        np.multiply(dh, tc, out=d_o)
        np.multiply(hs[t], tc, out=tmp)  # dc += dh o (1 - tanh(c)²) = dh (o - h tanh(c))
        np.subtract(o, tmp, out=tmp)
        tmp *= dh
        dc += tmp
        np.multiply(dc, g, out=d_i)
        np.multiply(dc, c_prev, out=d_f)
        np.multiply(dc, i, out=d_g)
        dc *= f
        np.add(a, bump, out=local)
        local *= np.subtract(1, a, out=one_minus)
        d *= local
        np.matmul(d, w_hh, out=dh)
    # W_hh's gradient: sum_t dgates_tᵀ h_{t-1}, one GEMM over the steps that follow another
    d_w = d_gates[later].reshape(-1, four_h).T @ hs[earlier].reshape(-1, hidden)
    d_w += d_gates[first].T @ h0
    return d_gates, dh, dc, d_w
