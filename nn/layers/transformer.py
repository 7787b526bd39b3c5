"""Transformer, TransformerEncoder(Layer), TransformerDecoder(Layer): PyTorch's modules, built on
MultiheadAttention, with the same parameter names, defaults, masks and layer order."""

from __future__ import annotations

import copy

import numpy as np

import autograd
from autograd import Tensor
from autograd.device import check_device

from .. import init
from ..functional.activation import gelu, relu
from ..module import Module
from . import _args
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]


def _activation(activation, where: str):
    if isinstance(activation, str):
        if activation == "relu":
            return relu
        if activation == "gelu":
            return gelu
        raise RuntimeError(f"{where}: activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"{where}: activation must be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


def _feed_forward(d_model, dim_feedforward, dropout, bias, dtype, layer) -> None:
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
    layer.dropout = Dropout(dropout)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)


def _check_sizes(where: str, d_model, nhead, dim_feedforward) -> None:
    for name, value in (("d_model", d_model), ("nhead", nhead),
                        ("dim_feedforward", dim_feedforward)):
        _args.size(where, name, value)


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward network, each with a residual connection and
    LayerNorm (after it by default, before it with `norm_first=True`):

        x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(ff(x)))
        ff(x) = linear2(dropout(activation(linear1(x))))

    Args: d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu" ("gelu" or a
    callable), layer_norm_eps=1e-5, batch_first=False ((N, S, E) instead of (S, N, E)),
    norm_first=False, bias=True, device (CPU only), dtype.

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False): src (S, N, E)
    (batch_first: (N, S, E); unbatched (S, E)); masks as in MultiheadAttention; same shape out.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        _check_sizes("TransformerEncoderLayer", d_model, nhead, dim_feedforward)
        check_device(device, type(self).__name__)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, device=device, dtype=dtype)
        _feed_forward(d_model, dim_feedforward, dropout, bias, dtype, self)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerEncoderLayer")
        self.batch_first = bool(batch_first)

    def forward(self, src: Tensor, src_mask=None, src_key_padding_mask=None,
                is_causal: bool = False) -> Tensor:
        """The encoded sequence, the shape of `src`."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's output (`memory`), then a
    feed-forward network; each with a residual connection and LayerNorm (post-norm by default):

        x = norm1(x + sa(x));  x = norm2(x + mha(x, memory));  x = norm3(x + ff(x))

    Args as TransformerEncoderLayer. forward(tgt, memory, tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False,
    memory_is_causal=False): tgt (T, N, E), memory (S, N, E) (batch_first: N first); out like tgt.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation="relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        _check_sizes("TransformerDecoderLayer", d_model, nhead, dim_feedforward)
        check_device(device, type(self).__name__)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, device=device, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, device=device,
                                                 dtype=dtype)
        _feed_forward(d_model, dim_feedforward, dropout, bias, dtype, self)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerDecoderLayer")
        self.batch_first = bool(batch_first)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        """The decoded sequence, the shape of `tgt`."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _clones(layer: Module, n: int):
    from ..containers import ModuleList

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"num_layers must be a non-negative int, got {n!r}")
    return ModuleList([copy.deepcopy(layer) for _ in range(int(n))])


def _detect_is_causal(mask, is_causal, size: int | None) -> bool:
    """PyTorch's rule: an explicit is_causal wins; else a float/bool mask equal to the square
    subsequent mask counts as causal."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    causal = Transformer.generate_square_subsequent_mask(size, dtype=mask.dtype)._data
    m = np.asarray(mask._data if isinstance(mask, Tensor) else mask)
    if m.dtype == np.bool_:
        causal = np.isinf(causal)
    return m.shape == causal.shape and bool(np.array_equal(m, causal))


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[1 if batch_first and x.ndim == 3 else 0]


def _nested_capable(layer) -> bool:
    """PyTorch's TransformerEncoder conditions on its layer for the nested-tensor fast path."""
    if not isinstance(layer, TransformerEncoderLayer) or layer.norm_first:
        return False
    attn = layer.self_attn
    act = layer.activation
    return (attn.batch_first and attn._qkv_same_embed_dim and attn.in_proj_bias is not None
            and (act is relu or act is gelu or isinstance(act, (ReLU, GELU)))
            and layer.norm1.eps == layer.norm2.eps and attn.num_heads % 2 == 0)


class TransformerEncoder(Module):
    """A stack of `num_layers` copies of `encoder_layer` (`layers`), then `norm` if given.

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None): each layer gets the
    same masks; `is_causal=None` detects a causal `mask`.

    enable_nested_tensor (default True) is PyTorch's inference fast path, which also changes the
    output: where PyTorch takes it (see `_nested_padding`) the padded positions come out as 0
    (before `norm`), so they do here too.
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        # PyTorch decides at construction whether the layer allows nested tensors
        self.use_nested_tensor = bool(enable_nested_tensor) and _nested_capable(encoder_layer)

    def _nested_padding(self, src: Tensor, mask, src_key_padding_mask):
        """The (N, S) padded positions when PyTorch would run the layers on a nested tensor and
        pad its output back with zeros: in eval mode, without gradient, with a batched src, a
        key padding mask and no `mask`, the valid positions of each sequence first. Else None."""
        if (not self.use_nested_tensor or not len(self.layers) or self.layers[0].training
                or src.ndim != 3 or src_key_padding_mask is None or mask is not None):
            return None
        pad = np.asarray(src_key_padding_mask._data if isinstance(src_key_padding_mask, Tensor)
                         else src_key_padding_mask) != 0
        if pad.shape != (src.shape[0], src.shape[1]):
            return None
        lengths = (~pad).sum(axis=1, keepdims=True)
        if self.mask_check and not np.array_equal(~pad, np.arange(pad.shape[1]) < lengths):
            return None  # (not left-aligned: PyTorch keeps the padded computation)
        if autograd.is_grad_enabled() and (src.requires_grad or any(
                p.requires_grad for p in self.layers[0].parameters())):
            return None
        return pad

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None,
                is_causal: bool | None = None) -> Tensor:
        """The encoded sequence, the shape of `src`."""
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(first, "batch_first", False)
        is_causal = _detect_is_causal(mask, is_causal, _seq_len(src, batch_first))
        pad = self._nested_padding(src, mask, src_key_padding_mask)
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, is_causal=is_causal,
                        src_key_padding_mask=src_key_padding_mask)
        if pad is not None:
            out = out.masked_fill(Tensor(pad[:, :, None]), 0.0)
        return self.norm(out) if self.norm is not None else out


class TransformerDecoder(Module):
    """A stack of `num_layers` copies of `decoder_layer` (`layers`), then `norm` if given.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False).
    """

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """The decoded sequence, the shape of `tgt`."""
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(first, "batch_first", False)
        tgt_is_causal = _detect_is_causal(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """The encoder-decoder Transformer ("Attention Is All You Need"), as PyTorch's.

    Args: d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
    custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
    device (CPU only), dtype. Parameters with more than one dimension start xavier-uniform.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False): src (S, N, E), tgt
    (T, N, E) (batch_first: N first) -> (T, N, E).
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", custom_encoder: Module | None = None,
                 custom_decoder: Module | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                  layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first,
                  bias=bias, device=device, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **kw), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **kw), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = bool(batch_first)

    def forward(self, src: Tensor, tgt: Tensor, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal: bool | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        """The decoder's output for `tgt` attending to the encoded `src`, shaped like tgt."""
        batched = src.ndim == 3
        if not self.batch_first and batched and src.shape[1] != tgt.shape[1]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if self.batch_first and batched and src.shape[0] != tgt.shape[0]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """(sz, sz) float mask: -inf above the diagonal (future positions), 0 elsewhere."""
        check_device(device, "generate_square_subsequent_mask")
        dtype = np.dtype(np.float32 if dtype is None else dtype)
        mask = np.triu(np.full((sz, sz), -np.inf, dtype=dtype), k=1)
        return autograd.tensor(mask, device=device)
