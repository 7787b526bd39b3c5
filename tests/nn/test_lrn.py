"""LocalResponseNorm / F.local_response_norm against PyTorch: values, gradients, defaults, errors."""

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor


@pytest.mark.parametrize("shape", [(2, 7, 5), (2, 6, 3, 4), (1, 4, 2, 3, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_local_response_norm_matches_torch(shape, size):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(size).normal(size=shape) * 3
    xt = torch.tensor(x, requires_grad=True)
    want = torch.nn.functional.local_response_norm(xt, size, alpha=0.3, beta=0.6, k=1.5)
    g = np.random.default_rng(1).normal(size=shape)
    want.backward(torch.tensor(g))
    xa = Tensor(x, requires_grad=True)
    got = F.local_response_norm(xa, size, alpha=0.3, beta=0.6, k=1.5)
    got.backward(Tensor(g))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_layer_defaults_float32_and_repr():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(2, 10, 4, 4)).astype(np.float32) * 30
    layer = nn.LocalResponseNorm(5)
    out = layer(Tensor(x))
    assert out.dtype == np.float32 and out.shape == (2, 10, 4, 4)
    want = torch.nn.LocalResponseNorm(5)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5)
    assert repr(layer) == repr(torch.nn.LocalResponseNorm(5))
    assert not list(layer.parameters())


def test_edge_channels_see_zero_padding():
    """A single channel of ones: window sum 1 (the others are zero), always divided by size."""
    x = np.zeros((1, 5, 1, 1))
    x[0, 2] = 1.0
    out = F.local_response_norm(Tensor(x), 3, alpha=1.0, beta=1.0, k=1.0).numpy()
    np.testing.assert_allclose(out[0, :, 0, 0], [0, 0, 1 / (1 + 1 / 3), 0, 0])


def test_errors():
    with pytest.raises(ValueError, match="3D or higher"):
        F.local_response_norm(Tensor(np.ones((2, 3))), 2)
    with pytest.raises(ValueError, match="size"):
        F.local_response_norm(Tensor(np.ones((2, 3, 4))), 0)
    with pytest.raises(TypeError, match="Tensor"):
        F.local_response_norm(np.ones((2, 3, 4)), 2)
