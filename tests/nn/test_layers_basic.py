"""Linear, Identity, Flatten, Unflatten, Embedding, activations and dropout: forward against
numpy references, gradients against finite differences, default inits, errors."""

import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import optim
from autograd import Tensor

RNG = np.random.default_rng(0)


def t64(*shape, low=-2.0, high=2.0, requires_grad=True):
    return Tensor(RNG.uniform(low, high, shape), requires_grad=requires_grad)


# ----------------------------------------------------------------- Linear
def test_linear_forward_matches_numpy_on_batched_input():
    lin = nn.Linear(4, 3)
    x = RNG.standard_normal((2, 5, 4)).astype(np.float32)
    y = lin(Tensor(x))
    assert y.shape == (2, 5, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y._data, x @ lin.weight._data.T + lin.bias._data, rtol=1e-6)
    no_bias = nn.Linear(4, 3, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    np.testing.assert_allclose(no_bias(Tensor(x))._data, x @ no_bias.weight._data.T, rtol=1e-6)


def test_linear_gradcheck_and_second_order():
    x, w, b = t64(3, 4), t64(2, 4), t64(2)
    assert autograd.gradcheck(F.linear, (x, w, b))
    assert autograd.gradgradcheck(lambda x, w: F.linear(x, w).tanh(), (x, w))
    x3 = t64(2, 3, 4)  # batched input: the fused op folds the leading dims into one GEMM
    assert autograd.gradcheck(F.linear, (x3, w, b))
    assert autograd.gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), (x3, w, b))


@pytest.mark.parametrize("order", ["F", "C"])
def test_linear_weight_gradient_in_either_memory_order(order):
    # nn.Linear stores its weight column-major (a faster forward GEMM); a weight the user sets
    # row-major must work the same, and each gradient comes back in its weight's order
    x, b = t64(5, 4), t64(3)
    w = Tensor(np.asarray(RNG.uniform(-2, 2, (3, 4)), order=order), requires_grad=True)
    assert autograd.gradcheck(F.linear, (x, w, b))
    F.linear(x, w, b).sum().backward()
    np.testing.assert_allclose(w.grad._data, np.ones((5, 3)).T @ x._data, rtol=1e-12)
    assert w.grad._data.flags[f"{order}_CONTIGUOUS"]


@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_agree_in_the_fast_and_the_reference_walk(bias):
    # a plain backward takes the engine's fast walk; anomaly mode takes the reference walk: both
    # run Linear's VJPs on arrays and must give the same gradients
    x = t64(2, 5, 4)
    lin = nn.Linear(4, 3, bias=bias, dtype=np.float64)
    grads = []
    for anomaly in (False, True):
        for p in (x, *lin.parameters()):
            p.grad = None
        if anomaly:
            with autograd.detect_anomaly():
                lin(x).tanh().sum().backward()
        else:
            lin(x).tanh().sum().backward()
        grads.append([p.grad._data.copy() for p in (x, *lin.parameters())])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_linear_keeps_its_column_major_weight_through_init_training_and_loading():
    lin = nn.Linear(4, 3)
    assert lin.weight._data.flags.f_contiguous and lin.weight.shape == (3, 4)
    opt = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        lin(autograd.randn(6, 4)).pow(2).sum().backward()
        assert lin.weight.grad._data.flags.f_contiguous
        opt.step()
    state = {k: v.clone() for k, v in lin.state_dict().items()}
    fresh = nn.Linear(4, 3)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.weight._data, lin.weight._data)
    assert fresh.weight._data.flags.f_contiguous
    x = autograd.randn(2, 4)
    np.testing.assert_allclose(fresh(x)._data, x._data @ lin.weight._data.T + lin.bias._data, rtol=1e-6)


def test_linear_default_init_is_pytorchs_kaiming_uniform_a_sqrt5():
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # gain(leaky_relu, sqrt 5) * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    w = lin.weight._data
    assert w.shape == (300, 400) and w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < 0.02
    assert np.abs(lin.bias._data).max() <= bound and abs(lin.bias._data.std() / (bound / math.sqrt(3)) - 1) < 0.15


def test_linear_errors_name_the_op_and_shapes():
    lin = nn.Linear(4, 3)
    with pytest.raises(ValueError) as info:  # (a ShapeError: RuntimeError, as PyTorch's, too)
        lin(autograd.randn(2, 5))
    assert isinstance(info.value, RuntimeError)
    assert str(info.value) == ("linear: expected input with last dimension in_features=4 (weight "
                               "shape (3, 4)), got input shape (2, 5)")
    with pytest.raises(ValueError, match="in_features=4"):
        F.linear(autograd.randn(2, 5), lin.weight)
    with pytest.raises(ValueError, match="non-negative int"):
        nn.Linear(-1, 2)
    lin.weight = nn.Parameter(autograd.randn(5, 4))  # replaced by a weight the bias does not fit
    with pytest.raises(ValueError, match=r"linear: bias must have shape \(5,\), got \(3,\)"):
        lin(autograd.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"linear: mat1 and mat2 must have the same dtype.*input dtype float64 does not match"):
        lin(autograd.randn(2, 4, dtype=autograd.float64))
    with pytest.raises(TypeError, match="linear: expected a Tensor input, got ndarray"):
        F.linear(np.ones((2, 4), np.float32), lin.weight)


def test_linear_dtype_argument_and_double():
    lin = nn.Linear(2, 2, dtype=np.float64)
    assert lin.weight.dtype == np.float64
    assert nn.Linear(2, 2).double()(Tensor(np.ones((1, 2)))).dtype == np.float64


# ----------------------------------------------------------------- shape layers
def test_identity_flatten_unflatten():
    x = autograd.randn(2, 3, 4, 5)
    assert nn.Identity(7, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    np.testing.assert_array_equal(nn.Flatten()(x)._data, x._data.reshape(2, 60))
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert nn.Unflatten(-2, (2, -1))(x).shape == (2, 3, 2, 2, 5)
    assert nn.Unflatten(1, (3, -1))(autograd.randn(2, 12)).shape == (2, 3, 4)
    with pytest.raises(ValueError, match="does not match size 12"):
        nn.Unflatten(1, (5, 2))(autograd.randn(2, 12))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


# ----------------------------------------------------------------- Embedding
def test_embedding_lookup_init_and_padding_gradient():
    emb = nn.Embedding(6, 4, padding_idx=2)
    np.testing.assert_array_equal(emb.weight._data[2], 0)
    idx = np.array([[0, 2, 5], [2, 2, 0]])
    out = emb(Tensor(idx))
    np.testing.assert_array_equal(out._data, emb.weight._data[idx])
    (out * Tensor(RNG.standard_normal((2, 3, 4)).astype(np.float32))).sum().backward()
    grad = emb.weight.grad._data
    np.testing.assert_array_equal(grad[2], 0)
    np.testing.assert_array_equal(grad[[1, 3, 4]], 0)
    assert np.all(grad[0] != 0) and np.all(grad[5] != 0)
    assert repr(emb) == "Embedding(6, 4, padding_idx=2)"


def test_embedding_gradient_accumulates_repeats_and_padding_row_value_is_used():
    w = Tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    w._data[1] = 5.0
    out = F.embedding(Tensor(np.array([1, 3, 3])), w, padding_idx=1)
    np.testing.assert_array_equal(out._data[0], 5.0)  # the row's value, just no gradient
    out.sum().backward()
    np.testing.assert_array_equal(w.grad._data, [[0, 0, 0], [0, 0, 0], [0, 0, 0], [2, 2, 2]])
    assert autograd.gradcheck(lambda w: F.embedding(Tensor(np.array([[0, 2], [2, 3]])), w), (t64(4, 3),))


def test_embedding_default_init_is_standard_normal_and_errors():
    emb = nn.Embedding(500, 200)
    assert abs(emb.weight._data.std() - 1) < 0.01 and abs(emb.weight._data.mean()) < 0.01
    with pytest.raises(IndexError, match=r"indices span \[0, 500\]"):
        emb(Tensor(np.array([0, 500])))
    with pytest.raises(IndexError, match="index out of range"):
        emb(Tensor(np.array([-1])))
    with pytest.raises(TypeError, match="integer indices"):
        emb(Tensor([0.0]))
    frozen = nn.Embedding.from_pretrained(Tensor(np.eye(3, dtype=np.float32)))
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(Tensor(np.array([2])))._data, [[0, 0, 1]])


# ----------------------------------------------------------------- activations
def np_erf(x):
    return np.vectorize(math.erf)(x)


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.ELU(1.5), lambda x: np.where(x > 0, x, 1.5 * (np.exp(x) - 1))),
    (nn.GELU(), lambda x: 0.5 * x * (1 + np_erf(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Softplus(2.0, 3.0), lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
    (nn.Hardtanh(-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    (nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    (nn.SELU(), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))),
    (nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
]


@pytest.mark.parametrize(("layer", "ref"), ACTIVATIONS, ids=[type(a).__name__ for a, _ in ACTIVATIONS])
def test_activation_forward_matches_numpy_and_keeps_float32(layer, ref):
    x = RNG.uniform(-4, 4, (3, 5)).astype(np.float32)
    y = layer(Tensor(x))
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y._data, ref(x.astype(np.float64)), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize(("layer", "ref"), ACTIVATIONS, ids=[type(a).__name__ for a, _ in ACTIVATIONS])
def test_activation_gradients_first_and_second_order(layer, ref):
    # values kept away from the kinks at 0, -0.5, 0.8, 1.5 (softplus threshold) and 6
    x = Tensor(RNG.choice([-1, 1], (2, 4)) * RNG.uniform(0.1, 0.4, (2, 4)) + np.array([0, 0, 1.2, -2]), requires_grad=True)
    assert autograd.gradcheck(layer, (x,))
    assert autograd.gradgradcheck(layer, (x,))


def test_fused_activations_are_stable_at_extreme_inputs():
    x = Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float32), requires_grad=True)
    for fn in (F.elu, F.softplus, F.gelu, F.logsigmoid, F.silu):
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            y = fn(x)
            y.sum().backward()
        assert np.all(np.isfinite(y._data)) and np.all(np.isfinite(x.grad._data)), fn.__name__
        x.grad = None
    np.testing.assert_allclose(F.logsigmoid(x)._data, [-1000, -50, -math.log(2), 0, 0], atol=1e-6)


def test_erf_is_accurate_to_float64_precision():
    from autograd.ops.special import erf_forward as _erf_forward

    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, 1.0, 3.5, 6.0, -np.inf, np.inf]])
    np.testing.assert_allclose(_erf_forward(x), np_erf(x), rtol=0, atol=2e-15)
    assert np.isnan(_erf_forward(np.array([np.nan])))[0]
    assert _erf_forward(np.ones(2, dtype=np.float32)).dtype == np.float32


def test_activation_reprs_and_argument_checks():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)"
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(autograd.randn(2, 3))
    np.testing.assert_allclose(y._data.sum(1), 1, rtol=1e-6)


def test_activations_match_pytorch():
    torch = pytest.importorskip("torch")
    x = RNG.uniform(-6, 6, (4, 7))
    pairs = [
        (F.gelu, torch.nn.functional.gelu), (lambda v: F.gelu(v, "tanh"), lambda v: torch.nn.functional.gelu(v, approximate="tanh")),
        (F.elu, torch.nn.functional.elu), (F.selu, torch.nn.functional.selu),
        (lambda v: F.softplus(v, 0.5, 2.0), lambda v: torch.nn.functional.softplus(v, 0.5, 2.0)),
        (F.silu, torch.nn.functional.silu), (F.logsigmoid, torch.nn.functional.logsigmoid),
        (F.leaky_relu, torch.nn.functional.leaky_relu), (F.relu6, torch.nn.functional.relu6),
    ]
    for ours, theirs in pairs:
        a = Tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ya, yb = ours(a), theirs(b)
        np.testing.assert_allclose(ya._data, yb.detach().numpy(), rtol=1e-12, atol=1e-14)
        (ya * Tensor(np.cos(x))).sum().backward()
        (yb * torch.tensor(np.cos(x))).sum().backward()
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-12, atol=1e-14)


# ----------------------------------------------------------------- dropout
def test_dropout_scales_kept_values_and_zeroes_the_rest():
    autograd.manual_seed(0)
    x = Tensor(np.ones((200, 300), dtype=np.float32))
    y = F.dropout(x, 0.3)
    assert y.dtype == np.float32
    values = np.unique(y._data)
    np.testing.assert_allclose(values, [0, 1 / 0.7], rtol=1e-6)
    assert abs((y._data == 0).mean() - 0.3) < 0.01


def test_dropout_mask_is_reproducible_and_gradient_uses_the_same_mask():
    x = t64(4, 5)
    autograd.manual_seed(5)
    y1 = F.dropout(x, 0.4)
    autograd.manual_seed(5)
    y2 = F.dropout(x, 0.4)
    np.testing.assert_array_equal(y1._data, y2._data)
    y1.sum().backward()
    np.testing.assert_allclose(x.grad._data, (y1._data != 0) / 0.6)

    def fixed(x):
        autograd.manual_seed(7)
        return F.dropout(x, 0.5)

    assert autograd.gradcheck(fixed, (t64(3, 4),))


def test_dropout_module_train_eval_and_edge_probabilities():
    drop = nn.Dropout(0.5)
    x = autograd.randn(10, 10)
    assert drop.eval()(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0)._data == 0)
    assert repr(drop) == "Dropout(p=0.5, inplace=False)"
    with pytest.raises(ValueError, match=r"between 0 and 1, but got 1\.5"):
        nn.Dropout(1.5)


def test_dropout2d_drops_whole_channels():
    autograd.manual_seed(1)
    y = nn.Dropout2d(0.5)(Tensor(np.ones((8, 16, 3, 3), dtype=np.float32)))
    per_channel = y._data.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel[..., 0] == 0).mean() < 1


@pytest.mark.parametrize("make, error, words", [
    (lambda: nn.Linear(2, 3, dtype=np.int64), TypeError, "Linear: parameters need a floating point"),
    (lambda: nn.Embedding(True, 3), ValueError, "Embedding: num_embeddings must be a non-negative int"),
    (lambda: nn.Conv2d(0, 3, 3), ValueError, "Conv2d: in_channels must be a positive int, got 0"),
    (lambda: nn.BatchNorm1d(4, dtype=np.int32), TypeError, "BatchNorm1d: parameters need a floating"),
    (lambda: nn.LayerNorm(4, dtype=np.int32), TypeError, "LayerNorm: parameters need a floating"),
    (lambda: nn.LSTM(3, 2.5), ValueError, "LSTM: hidden_size must be a positive int, got 2.5"),
    (lambda: nn.GRUCell(3, 4, dtype=np.int64), TypeError, "GRUCell: parameters need a floating"),
    (lambda: nn.PReLU(0), ValueError, "PReLU: num_parameters must be a positive int, got 0"),
    (lambda: nn.PReLU(dtype=np.int64), TypeError, "PReLU: parameters need a floating point"),
    (lambda: nn.MultiheadAttention(8, -2), ValueError, "MultiheadAttention: num_heads must be a "
     "positive int"),
])
def test_layer_arguments_are_checked_alike(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_linear_and_embedding_accept_empty_sizes_as_pytorch():
    assert nn.Linear(0, 3)(autograd.zeros(2, 0)).shape == (2, 3)
    assert nn.Embedding(0, 4).weight.shape == (0, 4)
