"""nn.init: gains, fans, distributions (statistically), generators, in-place semantics, errors."""

import math

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn import init


def big(*shape, dtype=np.float32):
    return nn.Parameter(Tensor(np.zeros(shape, dtype=dtype)))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans_include_the_receptive_field():
    assert init._calculate_fan_in_and_fan_out(big(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(big(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(big(4))


def test_uniform_and_normal_moments_in_place_and_dtype_kept():
    p = big(200, 300)
    array = p._data
    assert init.uniform_(p, -2.0, 3.0) is p
    assert p._data is array and p.dtype == np.float32
    assert p._data.min() >= -2.0 and p._data.max() <= 3.0
    assert abs(p._data.mean() - 0.5) < 0.03 and abs(p._data.std() - 5 / math.sqrt(12)) < 0.03
    init.normal_(p, 1.0, 0.5)
    assert abs(p._data.mean() - 1.0) < 0.01 and abs(p._data.std() - 0.5) < 0.01
    assert p.grad_fn is None and p.requires_grad


def test_constant_zeros_ones_eye():
    p = big(3, 4)
    init.constant_(p, 2.5)
    assert np.all(p._data == 2.5)
    init.zeros_(p)
    assert np.all(p._data == 0)
    init.ones_(p)
    assert np.all(p._data == 1)
    init.eye_(p)
    np.testing.assert_array_equal(p._data, np.eye(3, 4))
    with pytest.raises(ValueError, match="only 2-D"):
        init.eye_(big(2, 2, 2))


@pytest.mark.parametrize("shape", [(256, 512), (64, 32, 3, 3)])
def test_xavier_bounds_and_std(shape):
    p = big(*shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(p)
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    init.xavier_uniform_(p, gain=2.0)
    assert p._data.max() <= bound and p._data.min() >= -bound and p._data.max() > 0.98 * bound
    assert abs(p._data.std() / (bound / math.sqrt(3)) - 1) < 0.03
    init.xavier_normal_(p)
    assert abs(p._data.std() / math.sqrt(2 / (fan_in + fan_out)) - 1) < 0.03


@pytest.mark.parametrize(("a", "mode", "nonlinearity"), [
    (0, "fan_in", "leaky_relu"), (0.2, "fan_out", "leaky_relu"), (0, "fan_in", "relu"),
    (0, "fan_out", "tanh"),
])
def test_kaiming_bounds_and_std(a, mode, nonlinearity):
    p = big(64, 32, 3, 3)
    fan = 32 * 9 if mode == "fan_in" else 64 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    init.kaiming_uniform_(p, a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(p._data).max() <= math.sqrt(3) * std
    assert abs(p._data.std() / std - 1) < 0.03
    init.kaiming_normal_(p, a=a, mode=mode, nonlinearity=nonlinearity)
    assert abs(p._data.std() / std - 1) < 0.03 and abs(p._data.mean()) < 0.01 * std * 10


def test_kaiming_rejects_a_bad_mode():
    with pytest.raises(ValueError, match="Mode 'fan_avg' not supported"):
        init.kaiming_uniform_(big(3, 3), mode="fan_avg")


def test_lecun_uniform_and_normal():
    p = big(400, 250)
    init.lecun_uniform_(p)
    assert np.abs(p._data).max() <= math.sqrt(3 / 250)
    assert abs(p._data.std() * math.sqrt(250) - 1) < 0.03
    init.lecun_normal_(p)
    assert abs(p._data.std() * math.sqrt(250) - 1) < 0.03
    assert np.abs(p._data).max() > 3 / math.sqrt(250)  # not truncated


def test_trunc_normal_respects_bounds_and_matches_truncated_moments():
    p = big(300, 300)
    init.trunc_normal_(p, mean=0.5, std=1.0, a=-0.5, b=1.5)
    assert p._data.min() >= -0.5 and p._data.max() <= 1.5
    # N(0.5, 1) truncated to mean ± 1: variance 1 - 2 phi(1) / (2 Phi(1) - 1)
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    var = 1 - 2 * phi / math.erf(1 / math.sqrt(2))
    assert abs(p._data.mean() - 0.5) < 0.01 and abs(p._data.var() / var - 1) < 0.03
    with pytest.raises(ValueError, match="holds only"):
        init.trunc_normal_(p, a=10.0, b=11.0)


def test_generator_argument_and_global_seed_make_draws_reproducible():
    p, q = big(5, 7), big(5, 7)
    init.kaiming_uniform_(p, generator=np.random.default_rng(3))
    init.kaiming_uniform_(q, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(p._data, q._data)
    autograd.manual_seed(11)
    init.normal_(p)
    autograd.manual_seed(11)
    init.normal_(q)
    np.testing.assert_array_equal(p._data, q._data)
    init.normal_(q)
    assert not np.array_equal(p._data, q._data)


def test_init_works_on_a_parameter_while_grad_mode_is_on():
    p = big(3, 3)
    y = (p * 2).sum()
    init.xavier_uniform_(p)  # would raise if not done under no_grad
    assert autograd.is_grad_enabled() and y.requires_grad


def test_zero_element_tensors_are_left_alone():
    p = big(0, 3)
    assert init.kaiming_uniform_(p) is p and init.xavier_normal_(p) is p


def test_default_inits_match_pytorch_formulas():
    torch = pytest.importorskip("torch")
    for name, param in [("tanh", None), ("relu", None), ("leaky_relu", 0.3), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    shape = (6, 4, 5, 5)
    assert init._calculate_fan_in_and_fan_out(big(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
