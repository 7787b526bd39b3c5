"""Bad input that used to give a wrong answer or a numpy traceback: each now raises PyTorch's
exception type with a message naming the layer or loss, what came, and what to do."""

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import Tensor


def torch_raises(fn, exc_type):
    """Where torch is installed, check that PyTorch raises `exc_type` on the same input."""
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(exc_type):
        fn(torch)


def test_batchnorm_eps_zero_in_training_raises_as_torch():
    x = Tensor(np.ones((4, 3), np.float32))  # a constant channel: var 0, so eps=0 divides by 0
    with pytest.raises(ValueError, match="batch_norm: eps must be positive during training, but got 0"):
        nn.BatchNorm1d(3, eps=0.0)(x)
    torch_raises(lambda t: t.nn.BatchNorm1d(3, eps=0.0)(t.ones(4, 3)), ValueError)
    bn = nn.BatchNorm1d(3, eps=0.0).eval()
    assert bn(x).shape == (4, 3)  # evaluation divides by the running var (1), as in torch


def test_batchnorm_empty_batch_returns_empty_and_keeps_running_stats():
    bn = nn.BatchNorm1d(3)
    y = bn(autograd.zeros(0, 3))
    assert y.shape == (0, 3)
    np.testing.assert_array_equal(bn.running_mean._data, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var._data, np.ones(3))
    assert bn.num_batches_tracked.item() == 1
    y.sum().backward()
    np.testing.assert_array_equal(bn.weight.grad._data, np.zeros(3))


def test_cross_entropy_probability_targets_with_ignore_index_raise():
    x, p = autograd.randn(4, 3), autograd.randn(4, 3).softmax(1)
    with pytest.raises(RuntimeError, match="cross_entropy: ignore_index=1 is not supported for floating point"):
        F.cross_entropy(x, p, ignore_index=1)
    assert F.cross_entropy(x, p).shape == ()  # the default ignore_index is fine, as in torch
    torch_raises(lambda t: t.nn.functional.cross_entropy(t.randn(4, 3), t.rand(4, 3), ignore_index=1),
                 RuntimeError)


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_integer_logits_raise(fn):
    logits = Tensor(np.arange(12).reshape(4, 3))
    with pytest.raises(NotImplementedError, match=rf"{fn}: not implemented for int64.*\.float\(\)"):
        getattr(F, fn)(logits, Tensor(np.array([0, 1, 2, 0])))
    torch_raises(lambda t: getattr(t.nn.functional, fn)(t.arange(12).reshape(4, 3), t.tensor([0, 1, 2, 0])),
                 NotImplementedError)


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
                                "binary_cross_entropy_with_logits"])
def test_integer_operands_in_elementwise_losses_raise(fn):
    a, b = Tensor(np.array([1, 2])), Tensor(np.array([0, 2]))
    with pytest.raises(RuntimeError, match=rf"{fn}: not implemented for int64 and int64"):
        getattr(F, fn)(a, b)
    torch_raises(lambda t: getattr(t.nn.functional, fn)(t.tensor([1, 2]), t.tensor([0, 2])), RuntimeError)
    assert getattr(F, fn)(a, Tensor(np.array([0.0, 2.0], np.float32))).shape == ()  # mixed: fine


def test_binary_cross_entropy_refuses_nan_inputs():
    with pytest.raises(RuntimeError, match="between 0 and 1, but got nan"):
        F.binary_cross_entropy(Tensor(np.array([np.nan, 0.5], np.float32)), Tensor([1.0, 0.0]))
    torch_raises(lambda t: t.nn.functional.binary_cross_entropy(t.tensor([float("nan"), 0.5]),
                                                                t.tensor([1.0, 0.0])), RuntimeError)


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("labels", [np.array([0.0, 1.0, 2.0, 1.0], np.float32), np.array([True, False, True, False])])
def test_float_and_bool_class_labels_say_to_pass_int64(fn, labels):
    x = autograd.randn(4, 3)
    with pytest.raises(RuntimeError, match=rf"{fn}: .*{labels.dtype}.*target\.long\(\)"):
        getattr(F, fn)(x, Tensor(labels))
    torch_raises(lambda t: getattr(t.nn.functional, fn)(t.randn(4, 3), t.from_numpy(labels)), RuntimeError)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_recurrent_layers_refuse_a_zero_length_sequence(name, batch_first):
    layer = getattr(nn, name)(3, 4, batch_first=batch_first)
    x = autograd.zeros(2, 0, 3) if batch_first else autograd.zeros(0, 2, 3)
    with pytest.raises(RuntimeError, match=rf"{name}: expected sequence length to be larger than 0"):
        layer(x)
    torch_raises(lambda t: getattr(t.nn, name)(3, 4, batch_first=batch_first)(t.from_numpy(x.numpy())),
                 RuntimeError)
    out = layer(autograd.zeros(2, 5, 3) if not batch_first else autograd.zeros(5, 2, 3))
    assert out[0].shape == (2, 5, 4) if not batch_first else (5, 2, 4)


def test_chunk_by_zero_and_chunks_of_an_empty_dim_match_torch():
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        autograd.zeros(4).chunk(0)
    torch_raises(lambda t: t.zeros(4).chunk(0), RuntimeError)
    x = autograd.zeros(0, requires_grad=True)
    pieces = x.chunk(3)
    assert [p.shape for p in pieces] == [(0,), (0,), (0,)]
    sum(p.sum() for p in pieces).backward()
    assert x.grad.shape == (0,)
    assert [p.shape for p in autograd.zeros(5).chunk(2)] == [(3,), (2,)]


def test_stack_and_cat_of_an_empty_list_raise_as_torch():
    with pytest.raises(RuntimeError, match=r"stack\(\): expected a non-empty list of Tensors"):
        autograd.stack([])
    with pytest.raises(ValueError, match=r"cat\(\): expected a non-empty list of Tensors"):
        autograd.cat([])
    torch_raises(lambda t: t.stack([]), RuntimeError)
    torch_raises(lambda t: t.cat([]), ValueError)


@pytest.mark.parametrize("make", [
    lambda: nn.Sequential(nn.Linear(3, 2)), lambda: nn.Conv2d(3, 2, 1), lambda: nn.MaxPool2d(2),
    lambda: nn.BatchNorm1d(3), lambda: nn.LayerNorm(3), lambda: nn.LSTM(3, 2), lambda: nn.Embedding(5, 3),
    lambda: nn.Flatten(), lambda: nn.ReLU(), lambda: nn.GELU(), lambda: nn.Dropout(), lambda: nn.Softmax(1),
])
@pytest.mark.parametrize("kind", ["ndarray", "list"])
def test_numpy_arrays_and_lists_into_a_model_say_to_wrap_them(make, kind):
    x = np.ones((2, 3, 3, 3), np.float32)[..., 0, 0] if kind == "ndarray" else [[1.0, 2.0, 3.0]]
    with pytest.raises(TypeError, match=rf"expected a Tensor .*got {'ndarray' if kind == 'ndarray' else 'list'}: wrap it with autograd\.tensor\(x\)"):
        make()(x)


def test_numpy_array_into_a_loss_says_to_wrap_it():
    with pytest.raises(TypeError, match=r"mse_loss: expected a Tensor input, got ndarray: wrap it with autograd\.tensor"):
        F.mse_loss(np.ones(3, np.float32), Tensor(np.ones(3, np.float32)))


@pytest.mark.parametrize("make, shape", [(lambda: nn.Linear(3, 2), (2, 3)), (lambda: nn.LayerNorm(3), (2, 3)),
                                         (lambda: nn.BatchNorm1d(3), (4, 3)), (lambda: nn.GRU(3, 2), (5, 2, 3))])
def test_float64_input_into_a_float32_layer_raises_as_torch(make, shape):
    layer = make()
    with pytest.raises((RuntimeError, ValueError), match=r"input dtype float64 does not match the layer's dtype float32.*input\.float\(\)"):
        layer(Tensor(np.ones(shape)))
    assert layer(Tensor(np.ones(shape, np.float32))) is not None


@pytest.mark.parametrize("dtype", [np.int32, np.int16, np.int8])
def test_class_labels_must_be_int64_or_uint8_as_in_pytorch(dtype):
    """PyTorch: "expected target dtype to be Long or Byte, but got Int" (int64 and uint8 pass)."""
    logits = Tensor(np.zeros((3, 4), dtype=np.float32))
    for loss in (F.cross_entropy, F.nll_loss):
        with pytest.raises(RuntimeError, match="Long or Byte"):
            loss(logits, Tensor(np.array([0, 1, 2], dtype=dtype)))
        loss(logits, Tensor(np.array([0, 1, 2], dtype=np.uint8)))
        loss(logits, Tensor(np.array([0, 1, 2], dtype=np.int64)))
