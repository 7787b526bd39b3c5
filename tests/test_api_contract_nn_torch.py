"""Every nn.functional form API.md promises gives PyTorch's output dtype, shape and values on a
small float32 sample, and its gradient for the first input; each layer API.md promises builds
with default arguments with PyTorch's parameter names and shapes (state_dict keys and shapes)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

from .test_api_contract import FUNCTIONAL, NN_LAYERS, NN_LOSSES

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
V = rng.standard_normal((4, 5)).astype(np.float32)
P = (1 / (1 + np.exp(-V))).astype(np.float32)
Y = rng.standard_normal((4, 5)).astype(np.float32)
LBL = np.array([1, 0, 4, 2])
SEQ = rng.standard_normal((2, 4, 8)).astype(np.float32)


def f(*args, **kwargs):
    return lambda T: ([T(a) if isinstance(a, np.ndarray) else a for a in args], kwargs)


SAMPLES = {
    "linear": f(V, rng.standard_normal((3, 5)).astype(np.float32), np.ones(3, np.float32)),
    "conv2d": f(X, rng.standard_normal((4, 3, 3, 3)).astype(np.float32), None, 2, 1),
    "conv1d": f(X[:, :, 0], rng.standard_normal((4, 3, 2)).astype(np.float32), padding=1, dilation=2),
    "conv_transpose2d": f(X, rng.standard_normal((3, 2, 3, 3)).astype(np.float32), stride=2, output_padding=1),
    "max_pool2d": f(X, 2), "avg_pool2d": f(X, 3, stride=2, padding=1, count_include_pad=False),
    "adaptive_avg_pool2d": f(X, (3, 2)), "adaptive_max_pool2d": f(X, 4),
    "batch_norm": f(X, None, None, np.array([1.0, 2.0, 0.5], np.float32), training=True),
    "layer_norm": f(X, (6, 5)), "group_norm": f(X[:, :2].repeat(2, 1), 2),
    "local_response_norm": f(X, 2), "dropout": f(X, 0.5, training=False), "dropout2d": f(X, training=False),
    "embedding": f(LBL, rng.standard_normal((6, 3)).astype(np.float32)), "one_hot": f(LBL, 6),
    "relu": f(V), "leaky_relu": f(V, 0.2), "elu": f(V), "gelu": f(V, approximate="tanh"), "sigmoid": f(V),
    "tanh": f(V), "softmax": f(V, 1), "log_softmax": f(V, dim=0), "silu": f(V), "mish": f(V),
    "hardswish": f(V), "hardsigmoid": f(V), "softsign": f(V), "celu": f(V, 0.5),
    "prelu": f(X, np.array([0.1, 0.2, 0.3], np.float32)), "softplus": f(V, beta=2.0), "softmin": f(V, 1),
    "mse_loss": f(V, Y), "l1_loss": f(V, Y, reduction="sum"), "huber_loss": f(V, Y, delta=0.5),
    "smooth_l1_loss": f(V, Y, beta=0.5), "binary_cross_entropy": f(P, (Y > 0).astype(np.float32)),
    "binary_cross_entropy_with_logits": f(V, (Y > 0).astype(np.float32), pos_weight=np.full(5, 2.0, np.float32)),
    "cross_entropy": f(V, LBL, label_smoothing=0.1), "nll_loss": f(np.log(P), LBL, reduction="none"),
    "gaussian_nll_loss": f(V, Y, np.abs(Y) + 0.1), "kl_div": f(np.log(P), P[::-1].copy(), reduction="batchmean"),
    "cosine_similarity": f(V, Y), "normalize": f(V, dim=0),
    "interpolate": f(X, scale_factor=2, mode="bilinear", align_corners=False),
    "scaled_dot_product_attention": f(SEQ, SEQ[::-1].copy(), SEQ, is_causal=True),
    "pad": f(X, (1, 2, -1, 0)),
}


def _torch_arg(a):
    return torch.tensor(a) if isinstance(a, np.ndarray) else a


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_matches_torch(name):
    if name not in SAMPLES:
        pytest.fail(f"{name}: add a sample builder")
    ours_args, kw = SAMPLES[name](lambda a: autograd.tensor(a, requires_grad=a.dtype.kind == "f"))
    theirs_args, tkw = SAMPLES[name](lambda a: torch.tensor(a, requires_grad=a.dtype.kind == "f"))
    kw = {k: autograd.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    tkw = {k: _torch_arg(v) for k, v in tkw.items()}
    ours = getattr(F, name)(*ours_args, **kw)
    theirs = getattr(torch.nn.functional, name)(*theirs_args, **tkw)
    got, want = np.asarray(ours.detach()), theirs.detach().numpy()
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    if theirs.requires_grad:
        w = np.linspace(-1, 1, want.size).reshape(want.shape).astype(want.dtype)
        (ours * autograd.tensor(w)).sum().backward()
        (theirs * torch.tensor(w)).sum().backward()
        for a, t in zip(ours_args, theirs_args):
            if isinstance(t, torch.Tensor) and t.grad is not None:
                np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=1e-4, atol=1e-5)


LAYER_ARGS = {
    "Linear": (5, 3), "Conv2d": (3, 4, 3), "Conv1d": (3, 4, 3), "ConvTranspose2d": (3, 4, 3),
    "MaxPool2d": (2,), "AvgPool2d": (2,), "AdaptiveAvgPool2d": (1,), "AdaptiveMaxPool2d": (1,),
    "BatchNorm1d": (4,), "BatchNorm2d": (4,), "LayerNorm": (4,), "GroupNorm": (2, 4), "Embedding": (10, 4),
    "RNN": (4, 6), "LSTM": (4, 6, 2), "GRU": (4, 6), "RNNCell": (4, 6), "LSTMCell": (4, 6), "GRUCell": (4, 6),
    "MultiheadAttention": (8, 2), "LocalResponseNorm": (2,), "PReLU": (), "Unflatten": (1, (2, 2)),
    "Transformer": (), "TransformerEncoderLayer": (8, 2), "TransformerDecoderLayer": (8, 2),
    "Upsample": (None, 2),
}
LAYERS = [n for n in NN_LAYERS + NN_LOSSES if n not in ("TransformerEncoder", "TransformerDecoder")]


@pytest.mark.parametrize("name", LAYERS)
def test_layer_state_matches_torch(name):
    args = LAYER_ARGS.get(name, ())
    kwargs = {"d_model": 8, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 1,
              "dim_feedforward": 16} if name == "Transformer" else {}
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    got = {k: tuple(np.shape(np.asarray(v))) for k, v in ours.state_dict().items()}
    want = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert got == want
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
