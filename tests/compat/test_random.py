"""Generator and the random functions with PyTorch's signatures; inference_mode."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Generator


def test_generator_is_reproducible_and_has_pytorch_methods():
    g = Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3 and g.device == autograd.device("cpu")
    a = autograd.randn(5, generator=g)
    g.manual_seed(3)
    assert np.array_equal(a.numpy(), autograd.randn(5, generator=g).numpy())
    state = g.get_state()
    assert state.dtype == np.uint8
    b = autograd.rand(4, generator=g)
    g.set_state(state)
    assert np.array_equal(b.numpy(), autograd.rand(4, generator=g).numpy())
    s = g.seed()
    assert g.initial_seed() == s
    with pytest.raises(RuntimeError, match="get_state"):
        g.set_state(autograd.zeros(3, dtype=autograd.uint8))
    assert Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1


def test_global_seed_makes_every_random_function_reproducible():
    def draw():
        p = autograd.tensor([0.2, 0.3, 0.5])
        return [autograd.rand(3), autograd.randn(2, 2), autograd.randint(0, 9, (4,)),
                autograd.randperm(6), autograd.multinomial(p, 4, replacement=True),
                autograd.normal(0.0, 1.0, (3,)), autograd.bernoulli(autograd.full((5,), 0.5))]

    assert autograd.manual_seed(7) is autograd.random.default_generator()
    first = draw()
    autograd.manual_seed(7)
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(first, draw()))
    state = autograd.get_rng_state()
    x = autograd.rand(3)
    autograd.set_rng_state(state)
    assert np.array_equal(x.numpy(), autograd.rand(3).numpy())


def test_generator_argument_on_every_random_function():
    p = autograd.tensor([0.2, 0.3, 0.5])
    calls = [
        lambda g: autograd.rand(3, generator=g), lambda g: autograd.randn(3, generator=g),
        lambda g: autograd.randint(10, (3,), generator=g), lambda g: autograd.randperm(5, generator=g),
        lambda g: autograd.multinomial(p, 3, True, generator=g),
        lambda g: autograd.normal(autograd.zeros(3), 1.0, generator=g),
        lambda g: autograd.bernoulli(autograd.full((4,), 0.5), generator=g),
        lambda g: autograd.rand_like(autograd.zeros(3), generator=g),
        lambda g: autograd.randn_like(autograd.zeros(3), generator=g),
        lambda g: autograd.randint_like(autograd.zeros(3), 10, generator=g),
    ]
    for call in calls:
        a = call(Generator().manual_seed(11))
        b = call(Generator().manual_seed(11))
        assert np.array_equal(a.numpy(), b.numpy())


def test_randint_reads_high_and_size_as_pytorch():
    x = autograd.randint(5, (1000,))
    assert x.shape == (1000,) and x.dtype == np.int64 and x.min().item() >= 0 and x.max().item() == 4
    y = autograd.randint(3, 5, (2, 50))
    assert y.shape == (2, 50) and set(np.unique(y.numpy())) == {3, 4}
    assert autograd.randint(0, 10, size=(3,)).shape == (3,)
    assert autograd.randint(low=2, high=4, size=(3,)).min().item() >= 2
    assert autograd.randint(10, size=(2,), dtype=autograd.int32).dtype == np.int32
    with pytest.raises(TypeError, match="size"):
        autograd.randint(5)
    with pytest.raises(RuntimeError, match="from"):
        autograd.randint(5, 5, (2,))


def test_randint_shapes_match_torch():
    torch = pytest.importorskip("torch")
    for args, kw in (((5, (10,)), {}), ((3, 5, (2, 4)), {}), ((10,), {"size": (3,)}),
                     ((), {"low": 1, "high": 3, "size": (2,)})):
        a, b = torch.randint(*args, **kw), autograd.randint(*args, **kw)
        assert tuple(a.shape) == b.shape and str(a.dtype) == f"torch.{b.dtype}"


def test_multinomial_frequencies_and_rules():
    autograd.manual_seed(0)
    w = autograd.tensor([[1.0, 0.0, 3.0, 0.0], [0.0, 2.0, 2.0, 0.0]])
    x = autograd.multinomial(w, 20000, replacement=True)
    assert x.shape == (2, 20000) and x.dtype == np.int64
    f0 = np.bincount(x.numpy()[0], minlength=4) / 20000
    f1 = np.bincount(x.numpy()[1], minlength=4) / 20000
    np.testing.assert_allclose(f0, [0.25, 0, 0.75, 0], atol=0.015)
    np.testing.assert_allclose(f1, [0, 0.5, 0.5, 0], atol=0.015)
    y = autograd.multinomial(autograd.tensor([0.1, 0.2, 0.3, 0.4, 0.0]), 4)
    assert sorted(y.tolist()) == [0, 1, 2, 3]  # without replacement: each once, never weight 0
    # first draws without replacement follow the weights
    firsts = np.array([autograd.multinomial(autograd.tensor([1.0, 3.0]), 2)[0].item()
                       for _ in range(2000)])
    assert abs(firsts.mean() - 0.75) < 0.04
    assert autograd.multinomial(autograd.tensor([0.0, 1.0]), 1).item() == 1
    # more draws than non-zero weights: the zero-weight categories follow, as in PyTorch
    z = autograd.multinomial(autograd.tensor([1.0, 0.0, 0.0, 0.0]), 3).tolist()
    assert z[0] == 0 and len(set(z)) == 3


@pytest.mark.parametrize(("weights", "n", "replacement"), [
    ([0.5, -0.1], 1, True), ([0.0, 0.0], 1, True), ([1.0, 1.0], 3, False),
    ([[[1.0]]], 1, True), ([1.0, float("nan")], 1, True),
])
def test_multinomial_raises_where_torch_does(weights, n, replacement):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.multinomial(torch.tensor(weights), n, replacement)
    with pytest.raises(RuntimeError, match="multinomial"):
        autograd.multinomial(autograd.tensor(weights), n, replacement)


def test_normal_forms_and_statistics():
    autograd.manual_seed(1)
    x = autograd.normal(2.0, 3.0, (20000,))
    assert x.dtype == np.float32 and abs(x.mean().item() - 2) < 0.1 and abs(x.std().item() - 3) < 0.1
    m = autograd.zeros(3, 1, dtype=autograd.float64)
    y = autograd.normal(m, autograd.ones(4, dtype=autograd.float64))
    assert y.shape == (3, 4) and y.dtype == np.float64
    assert autograd.normal(autograd.zeros(2)).shape == (2,)
    with pytest.raises(RuntimeError, match="std"):
        autograd.normal(0.0, -1.0, (2,))


def test_bernoulli_draws_zero_one_in_input_dtype():
    autograd.manual_seed(2)
    p = autograd.full((20000,), 0.3, dtype=autograd.float64)
    b = autograd.bernoulli(p)
    assert b.dtype == np.float64 and set(np.unique(b.numpy())) == {0.0, 1.0}
    assert abs(b.mean().item() - 0.3) < 0.02
    assert abs(autograd.bernoulli(autograd.zeros(20000), 0.8).mean().item() - 0.8) < 0.02
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        autograd.bernoulli(autograd.tensor([1.5]))


def _records() -> bool:
    return (autograd.ones(1, requires_grad=True) * 2).requires_grad


def test_inference_mode_as_context_and_decorator():
    with autograd.inference_mode():
        assert not _records() and autograd.is_inference_mode_enabled()
    assert _records() and not autograd.is_inference_mode_enabled()
    with autograd.inference_mode(False):
        assert _records()
    assert autograd.inference_mode()(_records)() is False
    assert autograd.inference_mode(_records)() is False  # bare decorator
    assert autograd.inference_mode(mode=False)(_records)() is True
    assert autograd.no_grad(_records)() is False  # PyTorch 2 allows a bare @no_grad too
    assert _records()


def test_inference_mode_restores_on_error():
    with pytest.raises(ValueError), autograd.inference_mode():
        raise ValueError
    assert _records() and not autograd.is_inference_mode_enabled()


def test_multinomial_and_bernoulli_are_tensor_methods_as_in_pytorch():
    probs = autograd.tensor([0.0, 1.0, 0.0])
    assert probs.multinomial(4, replacement=True).tolist() == [1, 1, 1, 1]
    assert probs.bernoulli().tolist() == [0.0, 1.0, 0.0]
    assert probs.multinomial(1).dtype == autograd.int64
