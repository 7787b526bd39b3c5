"""log(0)'s numpy warning names the user's line, and numpy's error settings still apply."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd


def test_log_of_zero_warns_at_the_callers_line():
    x = autograd.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = x.log()
        z = autograd.log(x)
    assert [str(w.message) for w in caught] == ["divide by zero encountered in log"] * 2
    assert {w.filename for w in caught} == {__file__}
    assert caught[1].lineno == caught[0].lineno + 1
    assert y.tolist() == z.tolist() == [-np.inf, 0.0]


def test_log_of_a_negative_number_is_an_invalid_value():
    with pytest.warns(RuntimeWarning, match="invalid value encountered in log") as record:
        out = autograd.tensor([-1.0]).log()
    assert record[0].filename == __file__
    assert np.isnan(out.item())


def test_numpy_error_settings_are_honoured():
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError, match="divide by zero"):
        autograd.tensor([0.0]).log()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            assert autograd.tensor([0.0]).log().item() == -np.inf


def test_no_warning_for_positive_inputs_and_gradients_unchanged():
    x = autograd.tensor([0.5, 2.0], dtype=autograd.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.log().sum().backward()
    assert np.allclose(x.grad.numpy(), [2.0, 0.5])
    (g,) = autograd.grad(x.log().sum(), x, create_graph=True)
    (gg,) = autograd.grad(g.sum(), x)
    assert np.allclose(gg.numpy(), [-4.0, -0.25])
