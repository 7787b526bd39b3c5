"""Shared pieces of the checkpoint tests: a sample checkpoint, exact comparison, crafted files."""

import json
import math
import struct
from collections import OrderedDict

import numpy as np

import autograd
import nn
import optim
from autograd import Tensor


def sample_checkpoint():
    """A training checkpoint as PyTorch programs write one: model, optimizer, epoch, config."""
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(autograd.randn(8, 3)).sum().backward()
    opt.step()
    return model, opt, {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "config": {"sizes": (3, 4, 2), "lr": 0.01, "name": "mlp", "dropout": None, "ok": True,
                   "nan": math.nan, "big": 2**70, 7: [1.5, "x", (None,)]},
        "mask": np.array([True, False]),
        "half": Tensor(np.arange(3, dtype=np.float16)),
        "scalar": autograd.tensor(2.5, requires_grad=True),
        "empty": autograd.zeros(0, 3),
    }


def assert_same(a, b, where="obj"):
    """Exact equality of two loaded structures: types, keys and order, dtypes, shapes, values."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, (Tensor, np.ndarray)):
        x = a._data if isinstance(a, Tensor) else a
        y = b._data if isinstance(b, Tensor) else b
        assert x.dtype == y.dtype and x.shape == y.shape, f"{where}: {x.dtype}{x.shape} != {y.dtype}{y.shape}"
        np.testing.assert_array_equal(x, y, err_msg=where)
        if isinstance(a, Tensor):
            assert a.requires_grad == b.requires_grad, where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def safetensors_file(header: dict, data: bytes = b"") -> bytes:
    """Raw safetensors bytes with a hand-written header (to craft hostile files)."""
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def legacy_npz(path, header, **members):
    """A file in the first nn.save format: np.savez of the arrays plus the JSON header member."""
    members["__tapegrad__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **members)


def legacy_tree(**entries):
    """The first format's header for a flat dict {key: (member, dtype str, shape)}."""
    items = [[k, {"t": "tensor", "k": m, "dtype": d, "shape": s}] for k, (m, d, s) in entries.items()]
    return {"format": "tapegrad-npz", "version": 1, "tree": {"t": "dict", "items": items}}


__all__ = ["OrderedDict", "assert_same", "legacy_npz", "legacy_tree", "safetensors_file",
           "sample_checkpoint"]
