"""scaled_dot_product_attention, multi_head_attention_forward.

Both are built of differentiable ops (the per-head products and the masked softmax of
`attention_kernels`, views, linear), so gradients of any order work. Mask conventions follow
PyTorch, which differ between the two:
- `scaled_dot_product_attention`: a bool `attn_mask` is True where attention IS allowed.
- `multi_head_attention_forward` / `nn.MultiheadAttention`: bool masks are True where attention
  is NOT allowed.
Float masks are added to the scores in both. A query row whose every key is masked gets zero
output from `scaled_dot_product_attention` (and from `multi_head_attention_forward` with
need_weights=False), NaN weights otherwise (softmax over only -inf), as in PyTorch 2.13.
Masks are passed on key-major, (..., S, L), as `attention_kernels` keeps the scores.
"""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor

from .attention_kernels import ATTENTION_MATMUL, ATTENTION_SOFTMAX
from .dropout import dropout as _dropout
from .linear import linear as _linear

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


def _check_tensor(fn: str, name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}: {name} must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{fn}: {name} must be a floating point Tensor, got dtype {x.dtype}")
    return x


def _float_mask(fn: str, name: str, mask, dtype, true_means_masked: bool):
    """A mask as something to add to the scores (0 / -inf for bool masks), in `dtype`."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        if mask.dtype.kind == "f":
            return mask.to(dtype)
        array = mask._data
    else:
        array = np.asarray(mask)
    if array.dtype == np.bool_:
        blocked = array if true_means_masked else ~array
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    if array.dtype.kind == "f":
        return array.astype(dtype, copy=False)
    raise TypeError(f"{fn}: only bool and floating types of {name} are supported, got dtype {array.dtype}")


def _key_major(mask):
    """A mask broadcastable to (..., L, S) as one broadcastable to the key-major (..., S, L)."""
    if mask is None:
        return None
    if mask.ndim < 2:
        mask = mask.reshape(1, -1) if mask.ndim == 1 else mask.reshape(1, 1)
    return mask.transpose(-2, -1) if isinstance(mask, Tensor) else np.swapaxes(mask, -1, -2)


def _attend(q: Tensor, k: Tensor, v: Tensor, mask, dropout_p: float, scale: float | None,
            key_major_mask=None, safe: bool = True):
    """softmax(q kᵀ * scale + mask) (dropped out) @ v, and the weights: (..., L, Ev), (..., L, S).

    `key_major_mask` (..., S, L), when given, is used as it is instead of `mask`. `safe`: a
    query with every key masked gets weights 0 (else NaN)."""
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    if key_major_mask is None:
        key_major_mask = _key_major(mask)
    weights_t = ATTENTION_SOFTMAX(ATTENTION_MATMUL(k, q.transpose(-2, -1)), key_major_mask,
                                  scale=float(scale), safe=safe)
    if dropout_p > 0.0:
        weights_t = _dropout(weights_t, dropout_p, True)
    out = ATTENTION_MATMUL(v.transpose(-2, -1), weights_t).transpose(-2, -1)
    return out, weights_t.transpose(-2, -1)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False) -> Tensor:
    """softmax(Q Kᵀ * scale + mask) V, with scale = 1 / sqrt(E) by default (PyTorch's semantics).

    Args:
        query: (..., L, E).
        key: (..., S, E).
        value: (..., S, Ev).
        attn_mask: broadcastable to (..., L, S): bool (True = may attend, as PyTorch's SDPA) or
            float (added to the scores).
        dropout_p: dropout on the attention weights (applied whenever > 0, as PyTorch).
        is_causal: query i attends to keys j <= i only (top-left aligned); excludes attn_mask.
        scale: score scale; default 1 / sqrt(E).
        enable_gqa: grouped-query attention: key and value have fewer heads (dim -3) than query,
            a divisor of its count; each is shared by consecutive query heads.

    Returns:
        (..., L, Ev).
    """
    fn = "scaled_dot_product_attention"
    for name, x in (("query", query), ("key", key), ("value", value)):
        _check_tensor(fn, name, x)
        if x.ndim < 2:
            raise ValueError(f"{fn}: {name} must have at least 2 dims (..., seq, features), got {tuple(x.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{fn}: query and key need the same last dim, got {tuple(query.shape)} and {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{fn}: key and value need the same sequence length, got {tuple(key.shape)} and {tuple(value.shape)}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{fn}: dropout_p should be in [0, 1], got {dropout_p}")
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
        mask = None
        # key j is hidden from query i when j > i: strictly below the diagonal, key-major
        causal = np.where(np.tril(np.ones((S, L), dtype=bool), -1), query.dtype.type(-np.inf),
                          query.dtype.type(0))
    else:
        causal = None
        mask = _float_mask(fn, "attn_mask", attn_mask, query.dtype, true_means_masked=False)
    if mask is not None:
        try:
            np.broadcast_shapes(tuple(mask.shape), (*query.shape[:-1], S))
        except ValueError:
            raise RuntimeError(
                f"{fn}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the scores' "
                f"shape {(*query.shape[:-1], S)}"
            ) from None
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = _share_heads(fn, query, key), _share_heads(fn, query, value)
    out, _ = _attend(query, key, value, mask, dropout_p, scale, key_major_mask=causal)
    return out


def _share_heads(fn: str, query: Tensor, x: Tensor) -> Tensor:
    """`x` with each of its heads (dim -3) repeated for the query heads that share it."""
    heads, kv_heads = query.shape[-3], x.shape[-3]
    if heads % kv_heads:
        raise RuntimeError(
            f"{fn}: number of heads in key/value ({kv_heads}) must divide number of heads in "
            f"query ({heads}) with enable_gqa=True"
        )
    return x[..., np.repeat(np.arange(kv_heads), heads // kv_heads), :, :]


def _in_projection(fn, query, key, value, E, in_proj_weight, in_proj_bias, separate, q_w, k_w, v_w):
    """q, k, v = x W_qᵀ + b_q, ... from the packed (3E, E) weight or three separate ones."""
    if in_proj_bias is not None and tuple(in_proj_bias.shape) != (3 * E,):
        raise ValueError(f"{fn}: in_proj_bias must have shape ({3 * E},), got {tuple(in_proj_bias.shape)}")
    if not separate and query is key and key is value and in_proj_weight is not None \
            and tuple(in_proj_weight.shape) == (3 * E, E):
        # NOTE: self-attention: one matmul for q, k and v together
        qkv = _linear(query, in_proj_weight, in_proj_bias)
        return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias[:E], in_proj_bias[E:2 * E], in_proj_bias[2 * E:]
    if separate:
        if q_w is None or k_w is None or v_w is None:
            raise ValueError(f"{fn}: use_separate_proj_weight needs q_, k_ and v_proj_weight")
        weights = (q_w, k_w, v_w)
    else:
        if in_proj_weight is None or tuple(in_proj_weight.shape) != (3 * E, E):
            got = None if in_proj_weight is None else tuple(in_proj_weight.shape)
            raise ValueError(f"{fn}: in_proj_weight must have shape ({3 * E}, {E}), got {got}")
        weights = (in_proj_weight[:E], in_proj_weight[E:2 * E], in_proj_weight[2 * E:])
    return (_linear(query, weights[0], b_q), _linear(key, weights[1], b_k),
            _linear(value, weights[2], b_v))


def _heads(x: Tensor, n: int, heads: int, head_dim: int) -> Tensor:
    """(T, N, E) -> (N, heads, T, head_dim)."""
    return x.reshape(x.shape[0], n, heads, head_dim).permute(1, 2, 0, 3)


def multi_head_attention_forward(
    query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
    in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn: bool, dropout_p: float,
    out_proj_weight: Tensor, out_proj_bias, training: bool = True, key_padding_mask=None,
    need_weights: bool = True, attn_mask=None, use_separate_proj_weight: bool = False,
    q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None, static_v=None,
    average_attn_weights: bool = True, is_causal: bool = False,
):
    """Multi-head attention as PyTorch's F.multi_head_attention_forward (sequence-first).

    Per head h: softmax(Q_h K_hᵀ / sqrt(d) + masks) V_h with Q = query W_qᵀ + b_q (likewise K, V)
    and d = E / num_heads; heads are concatenated and projected by out_proj.

    Args:
        query: (L, N, E) or unbatched (L, E). key: (S, N, E_k). value: (S, N, E_v).
        embed_dim_to_check: E. num_heads: number of heads (divides E).
        in_proj_weight: (3E, E) packed q/k/v weights (unless use_separate_proj_weight).
        in_proj_bias: (3E,) or None. bias_k, bias_v: (1, 1, E) extra key/value or None.
        add_zero_attn: append a zero key/value to every sequence.
        dropout_p: dropout on the attention weights while `training`.
        out_proj_weight: (E, E); out_proj_bias: (E,) or None.
        key_padding_mask: (N, S) (unbatched: (S,)); bool True = padding (ignored), or float (added).
        need_weights: also return the attention weights.
        attn_mask: (L, S) or (N * num_heads, L, S); bool True = not allowed, or float (added).
        use_separate_proj_weight, q_proj_weight (E, E), k_proj_weight (E, E_k),
            v_proj_weight (E, E_v): separate input projections (kdim / vdim differ from E).
        static_k, static_v: (N * num_heads, S, d) projected keys / values used as they are.
        average_attn_weights: average the returned weights over heads.
        is_causal: a hint that attn_mask is causal (needs attn_mask, as PyTorch).

    Returns:
        (attn_output (L, N, E), attn_weights (N, L, S) averaged, (N, num_heads, L, S) if not,
        or None when need_weights is False); unbatched inputs drop the N dim.
    """
    fn = "multi_head_attention_forward"
    for name, x in (("query", query), ("key", key), ("value", value)):
        _check_tensor(fn, name, x)
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise ValueError(
            f"{fn}: query, key and value must all be 3-D (seq, batch, features) or all 2-D "
            f"(unbatched), got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{fn}: Need attn_mask if specifying the is_causal hint")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = (key_padding_mask.unsqueeze(0) if isinstance(key_padding_mask, Tensor)
                                else np.asarray(key_padding_mask)[None])
    L, N, E = query.shape
    if E != embed_dim_to_check:
        raise ValueError(f"{fn}: was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    if E % num_heads:
        raise ValueError(f"{fn}: embed_dim {E} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != N:
        raise ValueError(
            f"{fn}: key and value must share (S, N) with the query's batch size {N}, got key "
            f"{tuple(key.shape)} and value {tuple(value.shape)}"
        )
    head_dim = E // num_heads
    dtype = query.dtype
    q, k, v = _in_projection(fn, query, key, value, E, in_proj_weight, in_proj_bias,
                             use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight)
    attn_mask = _float_mask(fn, "attn_mask", attn_mask, dtype, true_means_masked=True)
    key_padding_mask = _float_mask(fn, "key_padding_mask", key_padding_mask, dtype, True)
    if static_k is not None:
        static_k = _static(fn, "static_k", static_k, N, num_heads, head_dim)
    if static_v is not None:
        static_v = _static(fn, "static_v", static_v, N, num_heads, head_dim)
    S = key.shape[0] if static_k is None else static_k.shape[2]
    if static_v is not None and static_v.shape[2] != S:
        raise RuntimeError(f"{fn}: static_v has {static_v.shape[2]} positions but the keys have {S}")
    if attn_mask is not None:
        expected = [(L, S), (N * num_heads, L, S)]
        if tuple(attn_mask.shape) not in expected:
            raise RuntimeError(f"{fn}: attn_mask should have shape {expected[0]} or {expected[1]}, "
                               f"got {tuple(attn_mask.shape)}")
        if attn_mask.ndim == 3:
            attn_mask = attn_mask.reshape(N, num_heads, L, S)
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S):
        raise RuntimeError(f"{fn}: key_padding_mask should have shape {(N, S)}, "
                           f"got {tuple(key_padding_mask.shape)}")
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{fn}: bias_k and bias_v must both be given or both be None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{fn}: bias_k/bias_v cannot be combined with static_k/static_v")
        k = autograd.cat([k, bias_k.expand(1, N, E)], 0)
        v = autograd.cat([v, bias_v.expand(1, N, E)], 0)
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask, dtype)
    q = _heads(q, N, num_heads, head_dim)
    k = _heads(k, N, num_heads, head_dim) if static_k is None else static_k
    v = _heads(v, N, num_heads, head_dim) if static_v is None else static_v
    if add_zero_attn:
        zeros = np.zeros((N, num_heads, 1, head_dim), dtype=dtype)
        k = autograd.cat([k, zeros], 2)
        v = autograd.cat([v, zeros], 2)
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask, dtype)
    mask = attn_mask
    if key_padding_mask is not None:
        kpm = key_padding_mask.reshape(N, 1, 1, key_padding_mask.shape[-1])
        mask = kpm if mask is None else mask + kpm
    out, weights = _attend(q, k, v, mask, dropout_p if training else 0.0, None,
                           safe=not need_weights)
    # (N, heads, L, d) -> (L, N, E), then the output projection
    out = _linear(out.permute(2, 0, 1, 3).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if not need_weights:
        return (out if batched else out.squeeze(1)), None
    if average_attn_weights:
        weights = weights.mean(1)
    if not batched:
        return out.squeeze(1), weights.squeeze(0)
    return out, weights


def _static(fn: str, name: str, x, n: int, heads: int, head_dim: int) -> Tensor:
    """A precomputed (N * heads, S, d) key/value as (N, heads, S, d)."""
    if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[0] != n * heads or x.shape[2] != head_dim:
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise RuntimeError(f"{fn}: expected {name} of shape ({n * heads}, S, {head_dim}), got {got}")
    return x.reshape(n, heads, x.shape[1], head_dim)


def _pad_masks(attn_mask, key_padding_mask, dtype):
    """Append one always-allowed (0) key column to each mask (for bias_k or the zero key)."""
    def pad(m):
        if m is None:
            return None
        if isinstance(m, Tensor):
            return autograd.pad(m, (0, 1))
        return np.concatenate([m, np.zeros((*m.shape[:-1], 1), dtype=dtype)], -1)

    return pad(attn_mask), pad(key_padding_mask)
