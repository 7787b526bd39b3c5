"""Malformed inputs into every layer and loss: wrong rank, wrong channel count, wrong dtype, an
empty batch, a numpy array. Each either raises an error that names the layer and what it received,
or returns what PyTorch returns (where PyTorch accepts the input, e.g. an empty batch); when torch
is installed, each case is also run there and must end the same way (raises vs returns)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn

f32, f64, i64 = np.float32, np.float64, np.int64


def a(*shape, dtype=f32, high=None):
    """A deterministic array of `shape` (class indices below `high` for integer dtypes)."""
    n = int(np.prod(shape))
    if np.dtype(dtype).kind in "iub":
        return (np.arange(n) % (high or 2)).astype(dtype).reshape(shape)
    return (np.sin(np.arange(n) + 1.0) * 0.4 + 0.5).astype(dtype).reshape(shape)


# (case id, module factory given the nn namespace, numpy inputs, words the error must contain)
LAYERS = {
    "Linear": (lambda m: m.Linear(3, 4), (2, 3)),
    "Conv2d": (lambda m: m.Conv2d(3, 4, 3), (2, 3, 5, 5)),
    "MaxPool2d": (lambda m: m.MaxPool2d(2), (2, 3, 4, 4)),
    "AvgPool2d": (lambda m: m.AvgPool2d(2), (2, 3, 4, 4)),
    "BatchNorm1d": (lambda m: m.BatchNorm1d(3), (4, 3)),
    "BatchNorm2d": (lambda m: m.BatchNorm2d(3), (4, 3, 2, 2)),
    "LayerNorm": (lambda m: m.LayerNorm(3), (2, 3)),
    "RNN": (lambda m: m.RNN(3, 4), (5, 2, 3)),
    "LSTM": (lambda m: m.LSTM(3, 4), (5, 2, 3)),
    "GRU": (lambda m: m.GRU(3, 4), (5, 2, 3)),
}

CASES = []
for name, (make, shape) in LAYERS.items():
    channel = 1 if name in ("Conv2d", "BatchNorm1d", "BatchNorm2d") else len(shape) - 1
    wrong_channels = list(shape)
    wrong_channels[channel] += 2
    low_rank = shape[1:] if name not in ("Linear", "LayerNorm") else ()
    high_rank = (2, *shape)
    empty = (shape[0], 0, shape[2]) if name in ("RNN", "LSTM", "GRU") else (0, *shape[1:])
    CASES += [
        (f"{name}-rank-low", make, [a(*low_rank)]),
        (f"{name}-channels", make, [a(*wrong_channels)]),
        (f"{name}-float64", make, [a(*shape, dtype=f64)]),
        (f"{name}-int64", make, [a(*shape, dtype=i64)]),
        (f"{name}-empty-batch", make, [a(*empty)]),
        (f"{name}-ndarray", make, ["ndarray", a(*shape)]),
    ]
    if name in ("Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d"):
        CASES.append((f"{name}-rank-high", make, [a(*high_rank)]))
    if name in ("RNN", "LSTM", "GRU"):
        CASES.append((f"{name}-zero-length", make, [a(0, 2, 3)]))
CASES += [
    ("Embedding-float-indices", lambda m: m.Embedding(10, 3), [a(2, 4)]),
    ("Embedding-out-of-range", lambda m: m.Embedding(10, 3), [a(2, 4, dtype=i64, high=12) + 5]),
    ("Embedding-negative", lambda m: m.Embedding(10, 3), [a(2, 4, dtype=i64) - 1]),
    ("Embedding-empty", lambda m: m.Embedding(10, 3), [a(0, 4, dtype=i64)]),
    ("Embedding-ndarray", lambda m: m.Embedding(10, 3), ["ndarray", a(2, 4, dtype=i64)]),
    ("MultiheadAttention-embed-dim", lambda m: m.MultiheadAttention(8, 2), [a(5, 2, 6)] * 3),
    ("MultiheadAttention-rank", lambda m: m.MultiheadAttention(8, 2), [a(5, 2, 2, 8)] * 3),
    ("MultiheadAttention-float64", lambda m: m.MultiheadAttention(8, 2), [a(5, 2, 8, dtype=f64)] * 3),
    ("MultiheadAttention-key-value", lambda m: m.MultiheadAttention(8, 2), [a(5, 2, 8), a(4, 2, 8), a(3, 2, 8)]),
    ("MultiheadAttention-empty-batch", lambda m: m.MultiheadAttention(8, 2), [a(5, 0, 8)] * 3),
]
ELEMENTWISE = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss"]
for loss in ELEMENTWISE:
    make = (lambda name: lambda m: getattr(m, name)())(loss)
    CASES += [
        (f"{loss}-shape", make, [a(4, 3), a(4, 2)]),
        (f"{loss}-int64", make, [a(4, 3, dtype=i64), a(4, 3, dtype=i64)]),
        (f"{loss}-empty-batch-sum", (lambda name: lambda m: getattr(m, name)(reduction="sum"))(loss),
         [a(0, 3), a(0, 3)]),
        (f"{loss}-ndarray", make, ["ndarray", a(4, 3), a(4, 3)]),
    ]
for loss in ("CrossEntropyLoss", "NLLLoss"):
    make = (lambda name: lambda m: getattr(m, name)())(loss)
    CASES += [
        (f"{loss}-target-shape", make, [a(4, 3), a(5, dtype=i64)]),
        (f"{loss}-float-labels", make, [a(4, 3), a(4)]),
        (f"{loss}-bool-labels", make, [a(4, 3), a(4, dtype=np.bool_)]),
        (f"{loss}-int-logits", make, [a(4, 3, dtype=i64), a(4, dtype=i64)]),
        (f"{loss}-class-out-of-range", make, [a(4, 3), a(4, dtype=i64) + 3]),
        (f"{loss}-rank-0", make, [a(), a(dtype=i64)]),
        (f"{loss}-empty-batch-sum", (lambda name: lambda m: getattr(m, name)(reduction="sum"))(loss),
         [a(0, 3), a(0, dtype=i64)]),
        (f"{loss}-ndarray", make, ["ndarray", a(4, 3), a(4, dtype=i64)]),
    ]
CASES += [
    ("CrossEntropyLoss-probs-ignore-index", lambda m: m.CrossEntropyLoss(ignore_index=1), [a(4, 3), a(4, 3)]),
    ("BCELoss-nan", lambda m: m.BCELoss(), [np.array([np.nan, 0.5], f32), a(2)]),
    ("BatchNorm1d-eps-0", lambda m: m.BatchNorm1d(3, eps=0.0), [a(4, 3)]),
    ("GaussianNLLLoss-var-shape", lambda m: m.GaussianNLLLoss(), [a(4, 3), a(4, 3), a(4, 2)]),
    ("GaussianNLLLoss-negative-var", lambda m: m.GaussianNLLLoss(), [a(4, 3), a(4, 3), -a(4, 3)]),
]


# Where tapegrad refuses what PyTorch accepts: each still raises a clear error, for the reason given.
DEVIATIONS = {
    "MaxPool2d-int64": "integer pooling is not implemented (F.max_pool2d takes floating inputs)",
    "AvgPool2d-int64": "integer pooling is not implemented (F.avg_pool2d takes floating inputs)",
    "NLLLoss-rank-0": "a 0-d input has no class dim; PyTorch reads it as one class",
}


# Cases refused for a value rather than a shape or dtype: the words the message must contain.
VALUE_ERRORS = {
    "Embedding-out-of-range": "range", "Embedding-negative": "range",
    "CrossEntropyLoss-class-out-of-range": "[0, 2]", "NLLLoss-class-out-of-range": "[0, 2]",
    "CrossEntropyLoss-probs-ignore-index": "ignore_index=1", "BCELoss-nan": "nan",
    "BatchNorm1d-eps-0": "eps", "GaussianNLLLoss-negative-var": "negative",
    # PyTorch's own wording: the feature size expected and received
    "RNN-channels": "Expected 3, got 5", "LSTM-channels": "Expected 3, got 5",
    "GRU-channels": "Expected 3, got 5",
}


# Where both raise but with another exception type than PyTorch's, and why.
TYPE_DIFFERENCES = {
    **{f"{n}-ndarray": "PyTorch fails inside with AttributeError ('ndarray' has no attribute "
       "'dim'); a TypeError that says to wrap the array is the clear form"
       for n in ("BatchNorm1d", "BatchNorm2d", "RNN", "LSTM", "GRU")},
    **{f"MultiheadAttention-{k}": "PyTorch asserts (AssertionError); a ValueError names the shapes"
       for k in ("embed-dim", "rank", "key-value")},
    **{f"{n}-channels": "the recurrent layers' shape check (nn/layers/rnn.py) raises ValueError"
       for n in ("RNN", "LSTM", "GRU")},
    "Conv2d-float64": "F.conv2d's dtype check (nn/functional/conv.py) raises TypeError",
    "Conv2d-int64": "F.conv2d's dtype check (nn/functional/conv.py) raises TypeError",
    "MaxPool2d-rank-high": "the pooling functions' rank check raises ValueError",
    "AvgPool2d-rank-high": "the pooling functions' rank check raises ValueError",
}


def _names(case_id):
    layer = case_id.split("-")[0]
    return {layer, {"MultiheadAttention": "multi_head_attention_forward", "MSELoss": "mse_loss", "L1Loss": "l1_loss", "HuberLoss": "huber_loss",
                    "SmoothL1Loss": "smooth_l1_loss", "BCELoss": "binary_cross_entropy",
                    "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
                    "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss",
                    "GaussianNLLLoss": "gaussian_nll_loss", "BatchNorm1d": "batch_norm",
                    "BatchNorm2d": "batch_norm", "LayerNorm": "layer_norm",
                    "Embedding": "embedding", "MaxPool2d": "max_pool2d", "AvgPool2d": "avg_pool2d",
                    "Conv2d": "conv2d", "Linear": "linear"}.get(layer, layer)}


def run(lib, nn_ns, make, inputs):
    """('returns', shape) or ('raises', exception) for one case under one library."""
    module = make(nn_ns)
    as_ndarray = isinstance(inputs[0], str)
    arrays = inputs[1:] if as_ndarray else inputs
    args = [x if (as_ndarray and i == 0) else lib(x) for i, x in enumerate(arrays)]
    try:
        out = module(*args)
    except Exception as exc:  # the outcome under test
        return "raises", exc
    out = out[0] if isinstance(out, tuple) else out
    return "returns", tuple(out.shape)


def _tapegrad(x):
    return autograd.tensor(x)


@pytest.mark.parametrize("case_id, make, inputs", CASES, ids=[c[0] for c in CASES])
def test_malformed_input_ends_clearly(case_id, make, inputs):
    kind, result = run(_tapegrad, nn, make, inputs)
    if kind == "raises":
        message = str(result)
        assert type(result).__module__ in ("builtins", "nn.functional._checks"), f"{type(result)}: {message}"
        assert any(n in message for n in _names(case_id)), f"layer not named: {message}"
        arrays = [x for x in inputs if not isinstance(x, str)]
        received = {str(tuple(x.shape)) for x in arrays} | {str(x.dtype) for x in arrays}
        if isinstance(inputs[0], str):
            received = {"ndarray"}
        elif case_id in VALUE_ERRORS:
            received = {VALUE_ERRORS[case_id]}
        assert any(r in message for r in received), f"what came is not named: {message}"
        assert len(message) > 40, message
        if isinstance(inputs[0], str):
            assert "autograd.tensor(" in message, message
    try:
        import torch
    except ImportError:
        return
    t_kind, t_result = run(lambda x: torch.from_numpy(np.ascontiguousarray(x)), torch.nn, make, inputs)
    if case_id in DEVIATIONS and kind == "raises":  # (once implemented, compared as the rest)
        assert t_kind == "returns", DEVIATIONS[case_id]
        return
    assert kind == t_kind, f"tapegrad {kind} {result!r}; torch {t_kind} {t_result!r}"
    if kind == "returns":
        assert result == t_result
    elif case_id not in TYPE_DIFFERENCES:
        assert isinstance(result, type(t_result)), f"tapegrad {result!r}; torch {t_result!r}"
