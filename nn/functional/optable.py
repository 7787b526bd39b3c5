"""nn.functional in the op table: one entry per public function, named "nn.functional.<name>"
(PyTorch's OpInfo names), with small samples and a numpy reference (`optable_refs`).

Registering gives each function the generated tests of tests/autograd/test_op_table.py: forward
vs the reference in float32 and float64, float64 gradcheck, the plain backward's ndarray-only
contract and, where smooth, second order. (A tuple argument that is not an input is wrapped in
`Const`, or the tests would draw a random array of that shape.) The entries are not Tensor methods. Random functions
(dropout) enter with their deterministic settings (p=0 or training=False); their random path is
tested in tests/nn.
"""

from __future__ import annotations

from importlib import import_module

import numpy as np

from autograd import Tensor
from autograd.ops.registry import Const, Sample, register

from . import optable_refs as R


def _module(name: str):
    # NOTE: not `from . import linear`: the package namespace holds the function `linear` there
    return import_module(f"{__package__}.{name}")


activation, attention, conv, conv_extra, distance, dropout, group_norm, interpolate, linear, loss, \
    loss_extra, normalization, pooling, pooling1d, rms_norm = map(_module, (
        "activation", "attention", "conv", "conv_extra", "distance", "dropout", "group_norm",
        "interpolate", "linear", "loss", "loss_extra", "normalization", "pooling", "pooling1d", "rms_norm"))

__all__: list[str] = []

ELEMENTWISE = [Sample((3, 4)), Sample((2, 3, 2))]
PAIRS = [Sample((3, 4), (3, 4)), Sample((3, 4), (3, 4), reduction="sum"),
         Sample((2, 3), (2, 3), reduction="none")]


def entry(fn, ref, samples, **kwargs):
    """Register `fn` as "nn.functional.<its name>" (no Tensor method)."""
    return register(f"nn.functional.{fn.__name__}", ref=ref, samples=samples, method=False, **kwargs)(fn)


# ---------------------------------------------------------------- activations
A = activation
entry(A.relu, lambda x: np.maximum(x, 0), ELEMENTWISE, domain="nonzero")
entry(A.relu6, lambda x: np.clip(x, 0, 6), [Sample((3, 4))], domain=(-3.0, 8.0), smooth=False)
entry(A.leaky_relu, lambda x, s=0.01: np.where(x > 0, x, s * x), [Sample((3, 4)), Sample((2, 3), 0.2)],
      domain="nonzero")
entry(A.elu, R.elu, [Sample((3, 4)), Sample((2, 3), alpha=0.5)], domain="nonzero")
entry(A.selu, lambda x: 1.0507009873554805 * R.elu(x, 1.6732632423543772), ELEMENTWISE, domain="nonzero")
entry(A.celu, lambda x, alpha=1.0: np.where(x > 0, x, alpha * (np.exp(x / alpha) - 1)),
      [Sample((3, 4)), Sample((2, 3), alpha=0.5)], domain="nonzero")
entry(A.gelu, R.gelu, [Sample((3, 4)), Sample((2, 3), approximate="tanh")], domain=(-3.0, 3.0))
entry(A.sigmoid, R.sigmoid, ELEMENTWISE)
entry(A.tanh, np.tanh, ELEMENTWISE)
entry(A.silu, lambda x: x * R.sigmoid(x), ELEMENTWISE)
entry(A.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), ELEMENTWISE)
entry(A.softplus, R.softplus, [Sample((3, 4)), Sample((2, 3), beta=2.0, threshold=1.5)])
entry(A.logsigmoid, lambda x: -np.log1p(np.exp(-x)), ELEMENTWISE)
entry(A.hardtanh, lambda x, lo=-1.0, hi=1.0: np.clip(x, lo, hi),
      [Sample((3, 4)), Sample((2, 3), -0.5, 1.5)], smooth=False)
entry(A.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, [Sample((3, 4))], domain=(-4.0, 4.0), smooth=False)
entry(A.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, [Sample((3, 4))], domain=(-4.0, 4.0), smooth=False)
entry(A.softsign, lambda x: x / (1 + np.abs(x)), ELEMENTWISE, domain="nonzero")
entry(A.prelu, R.prelu, [Sample((2, 3, 4), (3,)), Sample((3, 4), (1,))], domain="nonzero")
entry(A.softmax, lambda x, dim: R.softmax(x, dim), [Sample((3, 4), 1), Sample((2, 3, 2), dim=0)])
entry(A.log_softmax, lambda x, dim: np.log(R.softmax(x, dim)), [Sample((3, 4), 1), Sample((2, 3), dim=0)])
entry(A.softmin, lambda x, dim: R.softmax(-x, dim), [Sample((3, 4), 1), Sample((2, 3), dim=0)])

# ---------------------------------------------------------------- linear, embedding, attention
entry(linear.linear, lambda x, w, b=None: x @ w.T + (0 if b is None else b),
      [Sample((2, 3), (4, 3), (4,)), Sample((2, 2, 3), (4, 3))])
entry(linear.embedding, lambda idx, w: w[np.asarray(idx)],
      [Sample(Const(Tensor(np.array([[0, 2], [1, 0]]))), (3, 4))])
entry(attention.scaled_dot_product_attention, R.sdpa, [
    Sample((2, 3, 4), (2, 5, 4), (2, 5, 3)),
    Sample((1, 2, 4, 3), (1, 2, 4, 3), (1, 2, 4, 2), is_causal=True, scale=0.7),
    Sample((2, 3, 4), (2, 3, 4), (2, 3, 2), Const(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]], bool))),
])
entry(attention.multi_head_attention_forward, R.multi_head_attention, [
    Sample((3, 2, 4), (5, 2, 4), (5, 2, 4), 4, 2, (12, 4), (12,), None, None, False, 0.0, (4, 4), (4,),
           training=False),
])

# ---------------------------------------------------------------- convolution and pooling
entry(conv.conv2d, R.conv2d, [
    Sample((1, 2, 5, 5), (3, 2, 3, 3), (3,)),
    Sample((2, 4, 5, 4), (4, 2, 2, 3), None, 2, 1, 1, 2),
    Sample((1, 2, 5, 5), (2, 2, 2, 2), dilation=2, padding="same"),
])
entry(conv_extra.conv1d, R.conv1d, [
    Sample((2, 2, 7), (3, 2, 3), (3,)),
    Sample((1, 4, 8), (4, 2, 2), None, stride=2, padding=1, groups=2, dilation=2),
])
entry(conv_extra.conv_transpose2d, R.conv_transpose2d, [
    Sample((1, 2, 3, 3), (2, 3, 3, 3), (3,)),
    Sample((2, 2, 3, 2), (2, 2, 3, 2), None, stride=2, padding=1, output_padding=1),
    Sample((1, 4, 2, 3), (4, 1, 2, 2), groups=2, stride=(1, 2), dilation=2, output_padding=(1, 0)),
])
entry(conv_extra.conv_transpose1d, R.conv_transpose1d, [
    Sample((2, 2, 4), (2, 3, 3), (3,)),
    Sample((1, 4, 3), (4, 1, 2), None, 2, 1, 1, 2, 2),
])
entry(pooling1d.max_pool1d, R.max_pool1d, [Sample((2, 3, 6), 2), Sample((1, 2, 7), 3, 2, 1, ceil_mode=True)],
      smooth=False)
entry(pooling1d.avg_pool1d, R.avg_pool1d, [Sample((2, 3, 6), 2), Sample((1, 2, 7), 3, 2, 1, count_include_pad=False)])
entry(pooling1d.adaptive_avg_pool1d, lambda x, n: R.adaptive_avg_pool2d(x[:, :, None], (1, n))[:, :, 0],
      [Sample((2, 3, 7), 3)])
entry(pooling1d.adaptive_max_pool1d, lambda x, n: R.adaptive_max_pool2d(x[:, :, None], (1, n))[:, :, 0],
      [Sample((2, 3, 7), 3)], smooth=False)
entry(pooling.max_pool2d, R.max_pool2d, [
    Sample((2, 3, 4, 4), 2),
    Sample((1, 2, 5, 6), 3, stride=2, padding=1),
    Sample((1, 1, 5, 5), 2, ceil_mode=True),
    Sample((1, 1, 6, 5), Const((2, 3)), stride=1, dilation=(2, 1)),
], smooth=False)
entry(pooling.avg_pool2d, R.avg_pool2d, [
    Sample((2, 3, 4, 4), 2),
    Sample((1, 2, 5, 6), 3, stride=2, padding=1),
    Sample((1, 1, 5, 5), 3, 2, 1, ceil_mode=True, count_include_pad=False),
    Sample((1, 1, 5, 4), 2, ceil_mode=True),
])
entry(pooling.adaptive_avg_pool2d, R.adaptive_avg_pool2d,
      [Sample((1, 2, 5, 7), Const((2, 3))), Sample((2, 1, 4, 4), 1), Sample((1, 1, 3, 5), (None, 2))])
entry(pooling.adaptive_max_pool2d, R.adaptive_max_pool2d,
      [Sample((1, 2, 5, 7), Const((2, 3))), Sample((2, 1, 4, 4), 1)], smooth=False)
IP = interpolate
entry(IP.interpolate, R.interpolate, [
    Sample((1, 2, 3, 4), size=(5, 3)),
    Sample((1, 1, 3, 4), scale_factor=1.5, mode="bilinear"),
    Sample((2, 1, 4, 3), size=(3, 5), mode="bilinear", align_corners=True),
    Sample((1, 2, 5), size=7, mode="linear"),
    Sample((1, 2, 5, 4), size=(2, 3), mode="area"),
])
entry(IP.upsample, R.interpolate, [Sample((1, 1, 2, 3), scale_factor=2)])
entry(IP.upsample_nearest, R.interpolate, [Sample((1, 1, 2, 3), size=(3, 4))])
entry(IP.upsample_bilinear, lambda x, size=None, scale_factor=None: R.interpolate(
    x, size, scale_factor, mode="bilinear", align_corners=True), [Sample((1, 1, 2, 3), scale_factor=2)])

# ---------------------------------------------------------------- normalization, distances, dropout
N = normalization
entry(N.batch_norm, R.batch_norm, [
    Sample((4, 3), Const(None), Const(None), (3,), (3,), training=True),
    Sample((2, 3, 2, 2), Const(None), Const(None), training=True, eps=0.1),
    Sample((3, 2, 4), Const(None), Const(None), (2,), Const(None), training=True),
    Sample((2, 3, 2, 1, 2), Const(None), Const(None), (3,), (3,), training=True),
    Sample((3, 2, 2), Const(Tensor(np.array([0.5, -0.2]))), Const(Tensor(np.array([1.5, 0.7]))), (2,), (2,)),
])
entry(N.layer_norm, R.layer_norm, [Sample((3, 4), Const((4,)), (4,), (4,)), Sample((2, 3, 4), Const((3, 4)))])
entry(rms_norm.rms_norm, R.rms_norm, [Sample((3, 4), 4, (4,)), Sample((2, 3, 4), Const((3, 4)), eps=0.1)])
entry(group_norm.group_norm, R.group_norm, [Sample((2, 4, 3), 2, (4,), (4,)), Sample((2, 6, 2, 2), 3, eps=0.1)])
entry(distance.normalize, R.normalize, [Sample((3, 4)), Sample((3, 4), 1.0, 0), Sample((2, 3, 2), 3.0, dim=-1)])
entry(distance.cosine_similarity, R.cosine_similarity,
      [Sample((3, 4), (3, 4)), Sample((1, 4), (3, 4)), Sample((2, 3, 4), (2, 3, 4), dim=-1)])
entry(distance.pairwise_distance, R.pairwise_distance,
      [Sample((3, 4), (3, 4)), Sample((3, 4), (1, 4), 3.0, keepdim=True)])
entry(dropout.dropout, lambda x, p=0.5, training=True: x, [Sample((3, 4), 0.0), Sample((3, 4), 0.5, False)])
entry(dropout.dropout1d, lambda x, p=0.5, training=True: x, [Sample((2, 3, 2), 0.5, False)])
entry(dropout.dropout2d, lambda x, p=0.5, training=True: x, [Sample((2, 3, 2, 2), 0.5, False)])
entry(dropout.alpha_dropout, lambda x, p=0.5, training=False: x, [Sample((3, 4), 0.5, False)])
entry(dropout.feature_alpha_dropout, lambda x, p=0.5, training=False: x,
      [Sample((2, 3, 2), 0.5, False)])

# ---------------------------------------------------------------- losses
L = loss
TARGETS = Const(np.array([0, 3, 1, 4]))
entry(L.mse_loss, R.mse_loss, PAIRS)
entry(L.l1_loss, R.l1_loss, PAIRS, smooth=False)
entry(L.huber_loss, R.huber_loss, [*PAIRS, Sample((3, 4), (3, 4), delta=0.5)], smooth=False)
entry(L.smooth_l1_loss, R.smooth_l1_loss, [*PAIRS, Sample((3, 4), (3, 4), beta=0.5)], smooth=False)
entry(L.binary_cross_entropy, R.binary_cross_entropy,
      [Sample((3, 4), (3, 4)), Sample((3, 4), (3, 4), (3, 4), reduction="sum")], domain=(0.05, 0.95))
entry(L.binary_cross_entropy_with_logits, R.binary_cross_entropy_with_logits,
      [Sample((3, 4), (3, 4)), Sample((3, 4), (3, 4), (3, 4), "none", (4,))],
      domain=(0.05, 2.0))
entry(L.nll_loss, R.nll_loss, [
    Sample((4, 5), TARGETS),
    Sample((4, 5), TARGETS, Const([0.5, 1.0, 2.0, 1.5, 0.3]), ignore_index=1),
    Sample((4, 5), TARGETS, reduction="none"),
])
entry(L.cross_entropy, R.cross_entropy, [
    Sample((4, 5), TARGETS),
    Sample((4, 5), TARGETS, Const([0.5, 1.0, 2.0, 1.5, 0.3]), reduction="sum"),
    Sample((4, 5), TARGETS, ignore_index=3, label_smoothing=0.2),
    Sample((4, 5), (4, 5), label_smoothing=0.1),
])
entry(L.gaussian_nll_loss, R.gaussian_nll_loss,
      [Sample((3, 4), (3, 4), (3, 4)), Sample((3, 4), (3, 4), (3, 4), full=True, reduction="sum")],
      domain=(0.2, 2.0))
entry(loss_extra.kl_div, R.kl_div, [
    Sample((3, 4), (3, 4), reduction="batchmean"),
    Sample((3, 4), (3, 4), reduction="none", log_target=True),
    Sample((3, 4), (3, 4), reduction="sum"),
], domain=(0.1, 1.0))

# local_response_norm (AlexNet's; lrn.py comes from the `models` branch): entered where present
try:
    _lrn = _module("lrn")
except ModuleNotFoundError:
    _lrn = None
if _lrn is not None:
    entry(_lrn.local_response_norm, R.local_response_norm,
          [Sample((2, 5, 3), 3), Sample((1, 4, 2, 2), 2, alpha=0.1, beta=0.5, k=2.0)])
