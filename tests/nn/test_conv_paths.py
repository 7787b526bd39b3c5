"""The convolution's special paths: each one gives PyTorch's values, and the arrays it hands to
the engine are the ones the engine can adopt without a copy."""

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from nn.functional import conv as conv_module
from nn.functional.windows import Geometry


@pytest.mark.parametrize("out_channels", [4, 64])  # 64: the weight-ordered columns
def test_weight_gradient_is_a_fresh_array_the_weight_adopts(out_channels):
    # a view (base not None) would make the engine copy the whole gradient into .grad
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 4, 4)).astype(np.float32)
    geom = Geometry(1, 3, 4, 4, 3, 3, pt=1, pb=1, pl=1, pr=1)
    g = rng.standard_normal((1, out_channels, 4, 4)).astype(np.float32)
    assert conv_module._weight_order(geom, out_channels) == (out_channels == 64)
    gw = conv_module.CONV2D_WEIGHT_GRAD.forward(x, g, geom=geom)
    assert gw.base is None and gw.flags["C_CONTIGUOUS"]
    w = Tensor(rng.standard_normal((out_channels, 3, 3, 3)).astype(np.float32), requires_grad=True)
    out = F.conv2d(Tensor(x), w, padding=1)
    out.backward(Tensor(g))
    np.testing.assert_allclose(w.grad._data, gw, rtol=1e-6)


def test_strided_view_equals_numpy_as_strided():
    from numpy.lib.stride_tricks import as_strided

    from nn.functional.windows import strided

    buf = np.arange(2 * 5 * 6 * 3, dtype=np.float32).reshape(2, 5, 6, 3)
    sn, sh, sw, sc = buf.strides
    shape, steps = (2, 3, 4, 3, 3, 3), (sn, sh, sw, sh, sw, sc)
    view = strided(buf, shape, steps)
    np.testing.assert_array_equal(view, as_strided(buf, shape, steps))
    assert np.shares_memory(view, buf)
