"""uint8 class-index targets, as PyTorch: accepted for (N, C) and (C,) inputs only; with
(N, C, d1, ...) inputs (e.g. a uint8 segmentation mask) PyTorch raises 'expected scalar type
Long but found Byte'."""

import numpy as np
import pytest

import autograd
import nn.functional as F

torch = pytest.importorskip("torch")

SHAPES = [((4,), ()), ((2, 4), (2,)), ((2, 4, 3), (2, 3)), ((2, 4, 3, 3), (2, 3, 3))]


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("shape, t_shape", SHAPES)
def test_uint8_target_accepted_or_raises_as_pytorch(name, shape, t_shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    t = rng.integers(0, 4, t_shape).astype(np.uint8)
    try:
        want = getattr(torch.nn.functional, name)(torch.from_numpy(x), torch.from_numpy(t))
    except RuntimeError:
        with pytest.raises(RuntimeError, match="Long but found Byte"):
            getattr(F, name)(autograd.tensor(x), autograd.tensor(t))
        return
    got = getattr(F, name)(autograd.tensor(x), autograd.tensor(t))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)
