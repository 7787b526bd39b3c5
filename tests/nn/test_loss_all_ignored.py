"""Cross-entropy / NLL when every target is ignored: PyTorch's loss is nan (0 / 0) but its
gradient is exactly 0 (an ignored target never contributes), so one all-padding batch leaves the
weights unchanged instead of making them nan."""

import warnings

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")

CASES = [
    ("cross_entropy", (3, 4), {}),
    ("cross_entropy", (3, 4), {"reduction": "none"}),
    ("cross_entropy", (3, 4), {"label_smoothing": 0.1}),
    ("cross_entropy", (2, 4, 3), {}),
    ("cross_entropy", (3, 4), {"weight": [1.0, 2.0, 0.5, 1.0]}),
    ("nll_loss", (3, 4), {}),
    ("nll_loss", (2, 4, 3), {"weight": [1.0, 2.0, 0.5, 1.0]}),
]


def _both(name, x, t, kw):
    tkw = {k: torch.tensor(v) if k == "weight" else v for k, v in kw.items()}
    gkw = {k: autograd.tensor(v) if k == "weight" else v for k, v in kw.items()}
    tx = torch.tensor(x, requires_grad=True)
    tl = getattr(torch.nn.functional, name)(tx, torch.tensor(t), **tkw)
    tl.sum().backward()
    gx = autograd.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gl = getattr(F, name)(gx, autograd.tensor(t), **gkw)
        gl.sum().backward()
    return (tl, tx.grad), (gl, gx.grad)


@pytest.mark.parametrize("name,shape,kw", CASES)
def test_all_targets_ignored_gives_zero_gradient(name, shape, kw):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    t = np.full((shape[0], *shape[2:]), -100, dtype=np.int64)
    (tl, tg), (gl, gg) = _both(name, x, t, kw)
    np.testing.assert_allclose(gl.detach().numpy(), tl.detach().numpy(), equal_nan=True)
    np.testing.assert_array_equal(np.abs(gg.numpy()), np.abs(tg.numpy()))


def test_zero_weight_targets_nan_only_in_kept_rows():
    # weight 0 on every kept target: PyTorch's gradient is nan in those rows, 0 in ignored ones
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    t = np.array([0, 1, -100])
    kw = {"weight": [0.0, 0.0, 1.0, 1.0]}
    (tl, tg), (gl, gg) = _both("cross_entropy", x, t, kw)
    assert np.isnan(gl.item()) and np.isnan(tl.item())
    np.testing.assert_array_equal(np.isnan(gg.numpy()), np.isnan(tg.numpy()))
    np.testing.assert_array_equal(gg.numpy()[2], tg.numpy()[2])
