"""The fused LSTM layer-direction node: the whole recurrence of one layer and direction in one node
with a backward on arrays (the weights' gradients as GEMMs over all steps).

Inside the node the gates live gate-major, as (4, L, N, H) arrays in the order (i, f, o, g):
each gate of each step is one contiguous (N, H) block, and the three sigmoid gates are one
contiguous run. PyTorch's weights (rows in (i, f, g, o) order) are regrouped into that order
once per call, and their gradients are written back in PyTorch's order.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Function

from .rnn import _lstm_sequence_reference

__all__: list[str] = []

# internal gate k is PyTorch's gate _ORDER[k]; swapping g and o is its own inverse
_ORDER = [0, 1, 3, 2]
# σ(x) = tanh(x/2)/2 + 1/2: the sigmoid gates' pre-activations are halved, g's are not
_HALF = (0.5, 0.5, 0.5, 1.0)


def _blocks(w: np.ndarray) -> np.ndarray:
    """PyTorch's (4H, X) gate-stacked weight as (4, H, X) blocks in the internal gate order."""
    return w.reshape(4, w.shape[0] // 4, -1)[_ORDER]


def _scaled_t(w: np.ndarray, dtype) -> np.ndarray:
    """(4, X, H): each internal gate's block of `w` transposed and times its `_HALF` factor
    (a power of two, so the products carry exactly the halved pre-activations)."""
    blocks = _blocks(w).transpose(0, 2, 1)
    half = np.array(_HALF, dtype)[:, None, None]
    return np.multiply(blocks, half, out=np.empty(blocks.shape, dtype))


def _input_operands(x, w_ih, w_hh, bias) -> tuple[np.ndarray, np.ndarray]:
    """(x2 (L·N, H_in [+ 1]), w_in (4, H_in [+ 1], H)) whose product is every step's halved input
    part of the pre-activations, in the internal gate order.

    NOTE: with a bias (b_ih + b_hh), x2 gets a column of ones and w_in a row of it: the GEMM adds the
    biases (no pass over the (4, L, N, H) gates) and the backward's GEMM for d W_ih yields the
    biases' gradient as its last column (no sum over d gates): ~1 ms less a W8 step.
    """
    n_in = x.shape[-1]
    dtype = np.result_type(x, w_ih, w_hh)
    if bias is None:
        return x.reshape(-1, n_in), _scaled_t(w_ih, dtype)
    x2 = np.empty((x.size // n_in, n_in + 1), dtype)
    np.copyto(x2[:, :n_in].reshape(x.shape), x)
    x2[:, n_in] = 1
    return x2, _scaled_t(np.concatenate([w_ih, bias[:, None]], axis=1), dtype)


class _LSTMSequence(Function):
    """A whole LSTM layer-direction in one node over x (L, N, H_in): gates_t = x_t W_ihᵀ + b_ih +
    h_{t-1} W_hhᵀ + b_hh, c_t = σ(f) c_{t-1} + σ(i) tanh(g), h_t = σ(o) tanh(c_t); returns
    (h_1..h_L, c_L).

    The input projection of every step is one GEMM per gate before the loop. Backward runs the
    recurrence backwards on arrays (per step: elementwise gate gradients and dh_{t-1} = dgates_t
    W_hh), then the weights' gradients over all steps as GEMMs, as cuDNN and PyTorch's CPU path
    do. Under `create_graph` it differentiates the composite recurrence
    (`_lstm_sequence_reference`) instead, so higher-order gradients stay exact.
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.reverse = reverse
        ctx.arrays = _forward_arrays(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)
        _, _, hs, cs, _ = ctx.arrays
        c = cs[0] if reverse else cs[-1]
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
        # the backward overwrites the saved gates with their gradients: a second backward
        # (retain_graph) recomputes the forward's arrays from the saved inputs
        arrays, ctx.arrays = ctx.arrays, None
        if arrays is None:
            arrays = _forward_arrays(*saved, ctx.reverse)
        x2, gates, hs, cs, tcs = arrays
        d_gates, d_h0, d_c0, d_w_hh = _lstm_sequence_backward(
            g_hs._data, g_c._data, gates, hs, cs, tcs, h0._data, c0._data, w_hh._data,
            ctx.reverse)
        d4 = d_gates.reshape(4, x2.shape[0], d_gates.shape[-1])  # (4, L·N, H)
        d_x = None
        if ctx.needs_input_grad[0]:
            d_x = np.add.reduce(np.matmul(d4, _blocks(w_ih._data)), axis=0).reshape(x.shape)
        # one GEMM per gate against x's columns (and the ones column: the biases' gradient)
        d_w_aug = np.empty((4, d4.shape[2], x2.shape[1]), d4.dtype)
        for k in range(4):
            np.matmul(d4[k].T, x2, out=d_w_aug[k])
        d_w_aug = d_w_aug[_ORDER]  # PyTorch's gate order
        d_w_ih = np.ascontiguousarray(d_w_aug[..., : w_ih.shape[1]]).reshape(w_ih.shape)
        d_b_ih = d_b_hh = None
        if b_ih is not None:
            d_b_ih = d_w_aug[..., -1].reshape(-1)
            d_b_hh = d_b_ih.copy()  # two leaves: each adopts its own array as .grad
        return d_x, d_h0, d_c0, d_w_ih, d_w_hh, d_b_ih, d_b_hh, None


def _forward_arrays(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse: bool):
    """(x2, activated gates (4, L, N, H), h, c, tanh(c)) of `_LSTMSequence` for its Tensors."""
    bias = None if b_ih is None else b_ih._data + b_hh._data
    x2, w_in = _input_operands(x._data, w_ih._data, w_hh._data, bias)
    gates = np.matmul(x2, w_in)  # (4, L·N, H): halved pre-activations, biases included
    gates = gates.reshape(4, *x.shape[:-1], w_hh.shape[1])  # explicit: N may be 0
    return (x2, gates, *_lstm_sequence_forward(gates, h0._data, c0._data, w_hh._data, reverse))


def _lstm_sequence_forward(gates, h0, c0, w_hh, reverse: bool):
    """The recurrence of `_LSTMSequence` on arrays: `gates` (4, L, N, H) holds the halved
    pre-activations' input part and becomes the activated gates (i, f, o, g); returns h, c and
    tanh(c), (L, N, H) each."""
    _, steps, n, hidden = gates.shape
    dtype = gates.dtype
    hs, cs, tcs = (np.empty((steps, n, hidden), dtype) for _ in range(3))
    recurrent = np.empty((4, n, hidden), dtype)
    tmp = np.empty((n, hidden), dtype)
    # NOTE: gate-major blocks and σ(x) = tanh(x/2)/2 + 1/2 make a step one tanh over all four
    # gates and contiguous elementwise work: at W8's shapes the forward's elementwise part went
    # from ~95 to ~59 us a step (exp-based sigmoids on strided slices of (N, 4H) rows before),
    # and the per-gate GEMMs run ~10% faster than one (N, H) x (H, 4H) product in OpenBLAS
    w_rec = _scaled_t(w_hh, dtype)
    h, c = h0, c0
    for t in range(steps - 1, -1, -1) if reverse else range(steps):
        a = gates[:, t]
        a += np.matmul(h, w_rec, out=recurrent)
        np.tanh(a, out=a)
        sigmoids = a[:3]
        sigmoids *= 0.5
        sigmoids += 0.5
        i, f, o, g = a
        np.multiply(f, c, out=cs[t])
        cs[t] += np.multiply(i, g, out=tmp)
        np.multiply(o, np.tanh(cs[t], out=tcs[t]), out=hs[t])
        h, c = hs[t], cs[t]
    return hs, cs, tcs


def _lstm_sequence_backward(g_hs, g_c, gates, hs, cs, tcs, h0, c0, w_hh, reverse: bool):
    """Arrays d gates (4, L, N, H) (pre-activations, internal order), d h0, d c0 (N, H) and
    d W_hh (4H, H) (PyTorch's order) of `_LSTMSequence`. The gradients overwrite `gates`."""
    _, steps, n, hidden = gates.shape
    dtype = gates.dtype
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    first = steps - 1 if reverse else 0  # the step that started from (h0, c0)
    step = -1 if reverse else 1
    w_back = _blocks(w_hh)  # dh = sum over gates k of d_k W_k
    parts = np.empty((4, n, hidden), dtype)
    # local derivative of each activated gate a: σ' = a (1 - a) for i, f, o, tanh' = (1 + a)(1 - a)
    # for g, over all four blocks at once as (a + bump)(1 - a)
    bump = np.array([0, 0, 0, 1], dtype)[:, None, None]
    local, one_minus, partner = (np.empty((4, n, hidden), dtype) for _ in range(3))
    d_i, d_f, d_o, d_g = partner  # each gate's gradient before its local derivative
    tmp = np.empty((n, hidden), dtype)
    dh = np.zeros((n, hidden), dtype)
    dc = g_c.astype(dtype, copy=True)
    # NOTE: the gate gradients are made step by step while the step's arrays are in cache, in
    # contiguous blocks: 4.1 ms of elementwise work a W8 backward against 8.3 ms for
    # whole-sequence passes over (L, N, 4H) gates plus the loop's strided slices before; they
    # overwrite step t's gates once read (a fresh 8 MB array for them cost ~0.6 ms a W8 step)
    for t in order:
        a, tc = gates[:, t], tcs[t]
        i, f, o, g = a
        c_prev = c0 if t == first else cs[t - step]
        np.add(a, bump, out=local)
        local *= np.subtract(1, a, out=one_minus)
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
        d = np.multiply(partner, local, out=a)
        np.add.reduce(np.matmul(d, w_back, out=parts), axis=0, out=dh)
    # W_hh's gradient: sum_t dgates_tᵀ h_{t-1}, one GEMM per gate over the steps that follow
    # another (t ≥ 1; t ≤ L - 2 when reverse), plus the first step's term with h0
    later, earlier = (slice(0, -1), slice(1, None)) if reverse else (slice(1, None), slice(0, -1))
    d_gates = gates
    d_w = np.empty((4 * hidden, hidden), dtype)
    pt_blocks = d_w.reshape(4, hidden, hidden)
    h_earlier = hs[earlier].reshape(-1, hidden)
    for k in range(4):
        out = np.matmul(d_gates[k, later].reshape(-1, hidden).T, h_earlier, out=pt_blocks[_ORDER[k]])
        out += d_gates[k, first].T @ h0
    return d_gates, dh, dc, d_w
