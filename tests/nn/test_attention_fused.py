"""scaled_dot_product_attention's fused path (key-major scores, ATTENTION_SOFTMAX) against
PyTorch's F.scaled_dot_product_attention: values and gradients of q, k, v and a float mask."""

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor, gradcheck, gradgradcheck
from nn.functional.attention_kernels import ATTENTION_SOFTMAX

RNG = np.random.default_rng(7)


def _ours(q, k, v, mask=None, **kw):
    ts = [Tensor(a, requires_grad=True) for a in (q, k, v)]
    m = None
    if mask is not None:
        m = Tensor(mask, requires_grad=mask.dtype.kind == "f") if mask.dtype != bool else mask
    out = F.scaled_dot_product_attention(*ts, attn_mask=m, **kw)
    g = RNG.standard_normal(out.shape).astype(out.dtype)
    (out * Tensor(g)).sum().backward()
    grads = [t.grad._data for t in ts]
    if isinstance(m, Tensor):
        grads.append(m.grad._data)
    return out._data, grads, g


def _theirs(torch, q, k, v, g, mask=None, **kw):
    ts = [torch.from_numpy(a).requires_grad_() for a in (q, k, v)]
    m = None
    if mask is not None:
        m = torch.from_numpy(mask)
        if mask.dtype.kind == "f":
            m.requires_grad_()
    out = torch.nn.functional.scaled_dot_product_attention(*ts, attn_mask=m, dropout_p=0.0, **kw)
    out.backward(torch.from_numpy(g))
    grads = [t.grad.numpy() for t in ts]
    if mask is not None and mask.dtype.kind == "f":
        grads.append(m.grad.numpy())
    return out.detach().numpy(), grads


CASES = [
    ((2, 4, 8, 16), (2, 4, 8, 16), (2, 4, 8, 16), None, {"is_causal": True}),
    ((2, 4, 5, 8), (2, 4, 7, 8), (2, 4, 7, 3), None, {"is_causal": True, "scale": 0.3}),
    ((3, 6, 8), (3, 9, 8), (3, 9, 5), "bool", {}),
    ((2, 2, 6, 4), (2, 2, 6, 4), (2, 2, 6, 4), "float", {"scale": -0.7}),
    ((5, 4), (3, 4), (3, 2), "float_row", {}),
    ((2, 3, 5, 8), (1, 3, 7, 8), (1, 3, 7, 4), None, {"is_causal": True}),  # batch dims broadcast
]


def _mask(kind, L, S):
    if kind == "bool":
        allowed = RNG.random((L, S)) > 0.4
        allowed[:, 0] = True
        return allowed
    if kind == "float":
        return RNG.standard_normal((1, 2, L, S))
    if kind == "float_row":
        return RNG.standard_normal((S,))
    return None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_sdpa_values_and_gradients_match_torch(case, dtype):
    torch = pytest.importorskip("torch")
    qs, ks, vs, kind, kw = CASES[case]
    q, k, v = (RNG.standard_normal(s).astype(dtype) for s in (qs, ks, vs))
    mask = _mask(kind, qs[-2], ks[-2])
    if mask is not None and mask.dtype.kind == "f":
        mask = mask.astype(dtype)
    out, grads, g = _ours(q, k, v, mask, **kw)
    t_out, t_grads = _theirs(torch, q, k, v, g, mask, **kw)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    assert out.dtype == dtype and out.shape == t_out.shape
    np.testing.assert_allclose(out, t_out, **tol)
    assert len(grads) == len(t_grads)
    for ours, theirs in zip(grads, t_grads):
        assert ours.dtype == dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, **tol)


def test_attention_softmax_gradients_first_and_second_order():
    s = Tensor(RNG.standard_normal((2, 4, 3)), requires_grad=True)  # key-major: (batch, S, L)
    mask = Tensor(RNG.standard_normal((4, 1)), requires_grad=True)

    def fn(s, mask):
        return ATTENTION_SOFTMAX(s, mask, scale=0.6, safe=True)

    assert gradcheck(fn, (s, mask))
    assert gradgradcheck(fn, (s, mask))
    # the probabilities sum to one over the keys (axis -2)
    np.testing.assert_allclose(fn(s, mask)._data.sum(-2), 1.0, rtol=1e-12)


def test_causal_sdpa_second_order():
    q, k, v = (Tensor(RNG.standard_normal((2, 3, 2)), requires_grad=True) for _ in range(3))
    assert gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True),
                         (q, k, v))


def test_fully_masked_query_gives_zeros_as_torch():
    """PyTorch 2.13's SDPA (its `_safe_softmax`) gives a query with no allowed key output 0 and
    no gradient, where a plain softmax would give NaN; so does MHA with need_weights=False."""
    torch = pytest.importorskip("torch")
    q = RNG.standard_normal((3, 4))
    allowed = np.array([[True, False, True], [False, False, False], [True, True, True]])
    ours_q = Tensor(q, requires_grad=True)
    ours = F.scaled_dot_product_attention(ours_q, ours_q, ours_q, attn_mask=allowed)
    ours.sum().backward()
    t = torch.from_numpy(q).requires_grad_()
    theirs = torch.nn.functional.scaled_dot_product_attention(t, t, t, attn_mask=torch.from_numpy(allowed))
    theirs.sum().backward()
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(ours._data[1], 0.0)
    np.testing.assert_allclose(ours_q.grad._data, t.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_mha_fully_masked_query_without_weights_gives_zeros_as_torch():
    torch = pytest.importorskip("torch")
    import nn

    m = nn.MultiheadAttention(4, 2).double()
    theirs = torch.nn.MultiheadAttention(4, 2).double()
    with torch.no_grad():
        for p, t in zip(m.parameters(), theirs.parameters()):
            t.copy_(torch.from_numpy(p._data))
    x = RNG.standard_normal((2, 1, 4))
    blocked = np.array([[True, True], [False, True]])
    ours, _ = m(Tensor(x), Tensor(x), Tensor(x), attn_mask=blocked, need_weights=False)
    tx = torch.from_numpy(x)
    t_out, _ = theirs(tx, tx, tx, attn_mask=torch.from_numpy(blocked), need_weights=False)
    np.testing.assert_allclose(ours._data, t_out.detach().numpy(), rtol=1e-10, atol=1e-15)


def test_empty_keys_and_queries():
    q = Tensor(np.zeros((2, 0, 4), np.float32))
    k = Tensor(np.zeros((2, 3, 4), np.float32))
    assert F.scaled_dot_product_attention(q, k, k).shape == (2, 0, 4)
    k0 = Tensor(np.zeros((2, 0, 4), np.float32), requires_grad=True)
    q1 = Tensor(np.ones((2, 3, 4), np.float32), requires_grad=True)
    out = F.scaled_dot_product_attention(q1, k0, k0)
    assert out.shape == (2, 3, 4)
    out.sum().backward()
    assert q1.grad.shape == (2, 3, 4)
