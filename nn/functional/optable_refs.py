"""Plain numpy references of nn.functional for the op table's generated tests.

Each is written from the definition (loops over kernel offsets, windows and bins, written for
clarity, not speed), independently of the fast code paths, and takes the same arguments as its
function with arrays in place of tensors. Only the forward value is compared with them; the
gradients are checked against finite differences of the functions themselves.
"""

from __future__ import annotations

import math

import numpy as np

SQRT_HALF = math.sqrt(0.5)


def _np(x):
    return None if x is None else np.asarray(x)


# ---------------------------------------------------------------- activations
def erf(x):
    return np.vectorize(math.erf, otypes=[float])(x)


def gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + erf(x * SQRT_HALF))


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x, dim=None):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def prelu(x, weight):
    w = weight.reshape(-1, *([1] * (x.ndim - 2))) if x.ndim >= 2 and weight.size > 1 else weight.reshape(())
    return np.where(x > 0, x, w * x)


def multi_head_attention(query, key, value, e, heads, w_in, b_in, bias_k, bias_v, add_zero_attn,
                         dropout_p, w_out, b_out, **kwargs):
    """Sequence-first (L, N, E) multi-head attention with packed projections; (out, mean weights)."""
    d = e // heads
    q, k, v = (x @ w.T + b for x, w, b in zip((query, key, value), np.split(w_in, 3), np.split(b_in, 3)))
    n = query.shape[1]

    def split(t):  # (T, N, E) -> (N, heads, T, d)
        return t.reshape(t.shape[0], n, heads, d).transpose(1, 2, 0, 3)

    weights = softmax(split(q) @ split(k).swapaxes(-1, -2) / math.sqrt(d), -1)
    out = (weights @ split(v)).transpose(2, 0, 1, 3).reshape(query.shape[0], n, e)
    return out @ w_out.T + b_out, weights.mean(axis=1)


def sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    scores = q @ k.swapaxes(-1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if is_causal:
        scores = np.where(np.tril(np.ones(scores.shape[-2:], bool)), scores, -np.inf)
    if attn_mask is not None:
        m = np.asarray(attn_mask)
        scores = np.where(m, scores, -np.inf) if m.dtype == bool else scores + m
    return softmax(scores, -1) @ v


# ---------------------------------------------------------------- convolution
def _pad(x, pads, value=0.0):
    return np.pad(x, [(0, 0), (0, 0), *pads], constant_values=value)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    kh, kw = w.shape[2:]
    if padding == "same":
        th, tw = d[0] * (kh - 1), d[1] * (kw - 1)
        pads = [(th // 2, th - th // 2), (tw // 2, tw - tw // 2)]
    else:
        p = (padding, padding) if isinstance(padding, int) else padding
        pads = [(p[0], p[0]), (p[1], p[1])]
    xp = _pad(x, pads)
    ho = (xp.shape[2] - d[0] * (kh - 1) - 1) // s[0] + 1
    wo = (xp.shape[3] - d[1] * (kw - 1) - 1) // s[1] + 1
    o, cg = w.shape[:2]
    og = o // groups
    out = np.zeros((x.shape[0], o, ho, wo))
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * d[0]: i * d[0] + s[0] * (ho - 1) + 1: s[0],
                           j * d[1]: j * d[1] + s[1] * (wo - 1) + 1: s[1]]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, i, j])
    return out if b is None else out + b.reshape(-1, 1, 1)


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    pad = padding if isinstance(padding, str) else (0, padding)
    return conv2d(x[:, :, None], w[:, :, None], b, (1, stride), pad, (1, dilation), groups)[:, :, 0]


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Scatter form: out[n, c, h*s + i*d - p, w*s + j*d - p] += x[n, o, h, w] * w[o, c, i, j]."""
    s, p, op, d = (v if isinstance(v, tuple) else (v, v) for v in (stride, padding, output_padding, dilation))
    n, cin, h, wd = x.shape
    kh, kw = w.shape[2:]
    cg = w.shape[1]
    ig = cin // groups
    full = np.zeros((n, cg * groups, (h - 1) * s[0] + d[0] * (kh - 1) + 1 + op[0],
                     (wd - 1) * s[1] + d[1] * (kw - 1) + 1 + op[1]))
    for g in range(groups):
        xs, ws = x[:, g * ig:(g + 1) * ig], w[g * ig:(g + 1) * ig]
        for i in range(kh):
            for j in range(kw):
                full[:, g * cg:(g + 1) * cg, i * d[0]: i * d[0] + s[0] * (h - 1) + 1: s[0],
                     j * d[1]: j * d[1] + s[1] * (wd - 1) + 1: s[1]] += np.einsum("nohw,oc->nchw", xs, ws[:, :, i, j])
    hout = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    wout = (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    out = full[:, :, p[0]: p[0] + hout, p[1]: p[1] + wout]
    return out if b is None else out + b.reshape(-1, 1, 1)


# ---------------------------------------------------------------- pooling
def _windows(x, k, s, p, d, ceil_mode, value, overhang=None):
    """[view (N, C, Ho, Wo) per kernel offset] of x padded by p with `value` and, past that, by
    the ceil_mode overhang filled with `overhang` (default `value`), with PyTorch's output size."""
    sizes, extra = [], []
    for length, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d):
        span = length + 2 * pp - dd * (kk - 1) - 1
        out = (-(-span // ss) if ceil_mode else span // ss) + 1
        if ceil_mode and (out - 1) * ss >= length + pp:
            out -= 1
        sizes.append(out)
        extra.append(max(0, (out - 1) * ss + dd * (kk - 1) + 1 - length - 2 * pp))
    xp = _pad(x, [(p[0], p[0]), (p[1], p[1])], value)
    xp = _pad(xp, [(0, extra[0]), (0, extra[1])], value if overhang is None else overhang)
    return [xp[:, :, i * d[0]: i * d[0] + s[0] * (sizes[0] - 1) + 1: s[0],
               j * d[1]: j * d[1] + s[1] * (sizes[1] - 1) + 1: s[1]]
            for i in range(k[0]) for j in range(k[1])]


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    k = _pair(kernel_size)
    views = _windows(x, k, _pair(stride or kernel_size), _pair(padding), _pair(dilation), ceil_mode, -np.inf)
    return np.max(np.stack(views), axis=0)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Window sums over the divisor: the window's pixels inside the input (and the padding, with
    count_include_pad); the ceil_mode overhang past the padding never counts."""
    k, s, p = _pair(kernel_size), _pair(stride or kernel_size), _pair(padding)
    sums = _windows(x, k, s, p, (1, 1), ceil_mode, 0.0)
    ones = np.ones((1, 1, *x.shape[2:]))
    counts = _windows(ones, k, s, p, (1, 1), ceil_mode, 1.0 if count_include_pad else 0.0, overhang=0.0)
    return np.sum(np.stack(sums), axis=0) / np.sum(np.stack(counts), axis=0)


def _bins(length, out):
    return [(i * length // out, -(-(i + 1) * length // out)) for i in range(out)]


def _adaptive(x, output_size, reduce):
    ho, wo = _pair(output_size)
    ho, wo = ho or x.shape[2], wo or x.shape[3]
    out = np.empty((*x.shape[:2], ho, wo))
    for i, (h0, h1) in enumerate(_bins(x.shape[2], ho)):
        for j, (w0, w1) in enumerate(_bins(x.shape[3], wo)):
            out[:, :, i, j] = reduce(x[:, :, h0:h1, w0:w1], axis=(2, 3))
    return out


def adaptive_avg_pool2d(x, output_size):
    return _adaptive(x, output_size, np.mean)


def adaptive_max_pool2d(x, output_size, return_indices=False):
    return _adaptive(x, output_size, np.max)


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Per output pixel: PyTorch's source coordinate, then the nearest pixel or a lerp of two;
    area (4-D): the mean of each adaptive bin."""
    if mode == "area":
        return adaptive_avg_pool2d(x, size)
    out = x
    for axis in range(2, x.ndim):
        n_in = x.shape[axis]
        scale = None if scale_factor is None else float(scale_factor)
        n_out = (size if isinstance(size, int) else size[axis - 2]) if size is not None else math.floor(n_in * scale)
        dst = np.arange(n_out)
        ratio = np.float32(1 / scale) if scale else np.float32(n_in) / np.float32(n_out)
        if mode == "nearest":
            src = np.minimum(np.floor(dst.astype(np.float32) * ratio).astype(int), n_in - 1)
            out = np.take(out, src, axis=axis)
            continue
        if align_corners:
            pos = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            pos = np.maximum((dst + 0.5) * (1 / scale if scale else n_in / n_out) - 0.5, 0)
        i0 = np.floor(pos).astype(int)
        i1 = np.minimum(i0 + 1, n_in - 1)
        lam = (pos - i0).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
        out = np.take(out, i0, axis=axis) * (1 - lam) + np.take(out, i1, axis=axis) * lam
    return out


# ---------------------------------------------------------------- normalization and distances
def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    axes = (0, *range(2, x.ndim))
    shape = (-1, *([1] * (x.ndim - 2)))
    if training:
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    else:
        mean, var = _np(running_mean).reshape(shape), _np(running_var).reshape(shape)
    y = (x - mean) / np.sqrt(var + eps)
    y = y if weight is None else y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    y = y if weight is None else y * weight
    return y if bias is None else y + bias


def group_norm(x, num_groups, weight=None, bias=None, eps=1e-5):
    g = x.reshape(x.shape[0], num_groups, -1)
    y = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)).reshape(x.shape)
    shape = (-1, *([1] * (x.ndim - 2)))
    y = y if weight is None else y * weight.reshape(shape)
    return y if bias is None else y + bias.reshape(shape)


def normalize(x, p=2.0, dim=1, eps=1e-12):
    return x / np.maximum(np.linalg.norm(x, ord=p, axis=dim, keepdims=True), eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    x1, x2 = np.broadcast_arrays(x1, x2)
    n1 = np.maximum(np.sqrt((x1 * x1).sum(dim, keepdims=True)), eps)
    n2 = np.maximum(np.sqrt((x2 * x2).sum(dim, keepdims=True)), eps)
    return (x1 / n1 * x2 / n2).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    diff = np.broadcast_to(x1 - x2 + eps, np.broadcast_shapes(x1.shape, x2.shape))
    return np.linalg.norm(diff, ord=p, axis=-1, keepdims=keepdim)


# ---------------------------------------------------------------- losses
def _reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum}.get(reduction, lambda v: v)(loss)


def mse_loss(x, t, reduction="mean"):
    return _reduce((x - t) ** 2, reduction)


def l1_loss(x, t, reduction="mean"):
    return _reduce(np.abs(x - t), reduction)


def huber_loss(x, t, reduction="mean", delta=1.0):
    d = np.abs(x - t)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def smooth_l1_loss(x, t, reduction="mean", beta=1.0):
    d = np.abs(x - t)
    return _reduce(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def binary_cross_entropy(x, t, weight=None, reduction="mean"):
    loss = -(t * np.log(x) + (1 - t) * np.log(1 - x))
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(x, t, weight=None, reduction="mean", pos_weight=None):
    pw = 1.0 if pos_weight is None else pos_weight
    loss = -(pw * t * np.log(sigmoid(x)) + (1 - t) * np.log(1 - sigmoid(x)))
    return _reduce(loss if weight is None else loss * weight, reduction)


def _log_softmax(x):
    return np.log(softmax(x, 1))


def nll_loss(x, target, weight=None, ignore_index=-100, reduction="mean"):
    t = np.asarray(target)
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    w = (np.ones(x.shape[1]) if weight is None else _np(weight))[safe] * keep
    loss = -np.take_along_axis(x, safe[:, None], axis=1)[:, 0] * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def cross_entropy(x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Class indices (with smoothing only without weights) or class probabilities."""
    logp = _log_softmax(x)
    t = np.asarray(target)
    c = x.shape[1]
    if t.dtype.kind == "f":
        t = t * (1 - label_smoothing) + label_smoothing / c
        w = np.ones(c) if weight is None else _np(weight)
        loss = -(t * logp * w.reshape(-1, *([1] * (x.ndim - 2)))).sum(1)
        return _reduce(loss, reduction)
    if label_smoothing == 0:
        return nll_loss(logp, t, weight, ignore_index, reduction)
    keep = t != ignore_index
    nll = -np.take_along_axis(logp, np.where(keep, t, 0)[:, None], axis=1)[:, 0]
    loss = ((1 - label_smoothing) * nll - label_smoothing / c * logp.sum(1)) * keep
    return loss.sum() / keep.sum() if reduction == "mean" else _reduce(loss, reduction)


def gaussian_nll_loss(x, t, var, full=False, eps=1e-6, reduction="mean"):
    v = np.maximum(var, eps)
    loss = 0.5 * (np.log(v) + (x - t) ** 2 / v) + (0.5 * math.log(2 * math.pi) if full else 0.0)
    return _reduce(loss, reduction)


def kl_div(x, t, reduction="mean", log_target=False):
    loss = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
    if reduction == "batchmean":
        return loss.sum() / x.shape[0]
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- 1-D forms (through the 2-D references)
def conv_transpose1d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return conv_transpose2d(x[:, :, None], w[:, :, None], b, (1, stride), (0, padding), (0, output_padding),
                            groups, (1, dilation))[:, :, 0]


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    return max_pool2d(x[:, :, None], (1, kernel_size), (1, stride or kernel_size), (0, padding), (1, dilation),
                      ceil_mode)[:, :, 0]


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return avg_pool2d(x[:, :, None], (1, kernel_size), (1, stride or kernel_size), (0, padding), ceil_mode,
                      count_include_pad)[:, :, 0]


def rms_norm(x, normalized_shape, weight=None, eps=None):
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    ms = (x * x).mean(axis=tuple(range(x.ndim - k, x.ndim)), keepdims=True)
    y = x / np.sqrt(ms + (np.finfo(x.dtype).eps if eps is None else eps))
    return y if weight is None else y * weight


def local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """x_c / (k + alpha / size * sum of x² over channels c - size//2 .. c + (size-1)//2)^beta."""
    c = x.shape[1]
    sq = np.pad(x * x, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (x.ndim - 2))
    window = sum(sq[:, i:i + c] for i in range(size))
    return x / (k + alpha / size * window) ** beta
