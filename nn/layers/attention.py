"""MultiheadAttention (PyTorch's parameters, defaults, shapes and mask conventions)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from .. import init
from ..functional import _checks
from ..functional.attention import multi_head_attention_forward
from ..module import Module, Parameter
from .linear import Linear

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Multi-head attention: concat_h(softmax(Q_h K_hᵀ / sqrt(d) + mask) V_h) W_oᵀ + b_o.

    Q = query W_qᵀ + b_q, K = key W_kᵀ + b_k, V = value W_vᵀ + b_v, split into `num_heads`
    heads of size d = embed_dim / num_heads.

    Args:
        embed_dim: E, the query (and output) feature size.
        num_heads: number of heads; must divide embed_dim.
        dropout: dropout on the attention weights (training only).
        bias: biases for the input and output projections.
        add_bias_kv: learn one extra key and value (`bias_k`, `bias_v`, (1, 1, E)) appended to
            every sequence.
        add_zero_attn: append a zero key and value to every sequence.
        kdim, vdim: feature sizes of key and value (default E); when they differ from E the
            input projection uses `q_proj_weight` (E, E), `k_proj_weight` (E, kdim) and
            `v_proj_weight` (E, vdim) instead of the packed `in_proj_weight` (3E, E).
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).
        device: accepted for PyTorch compatibility. dtype: parameter dtype (float32 default).

    Parameters: `in_proj_weight` (3E, E) (or the three separate ones), `in_proj_bias` (3E,),
    `out_proj` (a Linear(E, E)). Init as PyTorch: xavier_uniform_ for the input projection
    weights, zeros for in_proj_bias and out_proj.bias, xavier_normal_ for bias_k / bias_v.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights):
        query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch_first: N first; unbatched:
        no N); key_padding_mask (N, S): bool True = ignore that key, or float (added);
        attn_mask (L, S) or (N * num_heads, L, S): bool True = not allowed, or float (added);
        attn_output like query; attn_weights (N, L, S) averaged over heads, (N, num_heads,
        L, S) with average_attn_weights=False, None with need_weights=False.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        for name, value in (("embed_dim", embed_dim), ("num_heads", num_heads), ("kdim", kdim),
                            ("vdim", vdim)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                      or value <= 0):
                raise ValueError(f"MultiheadAttention: {name} must be a positive int, got {value!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim="
                f"{embed_dim} and num_heads={num_heads}"
            )
        if isinstance(dropout, bool) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout should be in [0, 1], got {dropout!r}")
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        if dtype.kind != "f":
            raise TypeError(f"MultiheadAttention: parameters need a floating point dtype, got {dtype}")
        E = int(embed_dim)
        self.embed_dim = E
        self.kdim = E if kdim is None else int(kdim)
        self.vdim = E if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == E and self.vdim == E
        self.num_heads = int(num_heads)
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = E // self.num_heads
        self.add_zero_attn = bool(add_zero_attn)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * E, E), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.empty((E, E), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((E, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((E, self.vdim), dtype=dtype))
        if bias:
            self.in_proj_bias = Parameter(np.empty((3 * E,), dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, E), dtype=dtype))
            self.bias_v = Parameter(np.empty((1, 1, E), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's init: xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/v."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None,
                need_weights: bool = True, attn_mask=None, average_attn_weights: bool = True,
                is_causal: bool = False):
        """(attn_output, attn_weights or None); see the class docstring for shapes and masks."""
        for name, x in (("query", query), ("key", key), ("value", value)):
            _checks.tensor_input("MultiheadAttention", x, name)
            weight = self.in_proj_weight if self._qkv_same_embed_dim else self.q_proj_weight
            _checks.same_dtype(f"MultiheadAttention ({name})", x, weight)
        for name, x, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if x.ndim not in (2, 3) or x.shape[-1] != size:
                raise ValueError(
                    f"MultiheadAttention: expected {name} with last dim {size} and 2 or 3 dims, "
                    f"got shape {tuple(x.shape)}"
                )
        batched = query.ndim == 3
        if self.batch_first and batched:
            # NOTE: transpose shared inputs once, so self-attention keeps its fused projection
            q = query.transpose(0, 1)
            k = q if key is query else key.transpose(0, 1)
            v = k if value is key else (q if value is query else value.transpose(0, 1))
            query, key, value = q, k, v
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, weights

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}")
