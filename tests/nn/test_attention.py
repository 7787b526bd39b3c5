"""MultiheadAttention and scaled_dot_product_attention vs numpy references, masks, gradients."""

import math

import numpy as np
import pytest

import nn
import nn.functional as F
from autograd import Tensor, gradcheck

RNG = np.random.default_rng(0)


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _ref_sdpa(q, k, v, add=None, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if add is not None:
        s = s + add
    w = _softmax(s)
    return w @ v, w


def _ref_mha(m, q, k, v, kpm=None, attn_mask=None):
    """Sequence-first numpy MHA written from the definition; bool masks: True = blocked."""
    p = {n: t._data.astype(np.float64) for n, t in m.named_parameters()}
    E, H = m.embed_dim, m.num_heads
    if "in_proj_weight" in p:
        wq, wk, wv = np.split(p["in_proj_weight"], 3)
    else:
        wq, wk, wv = p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"]
    bq, bk, bv = np.split(p["in_proj_bias"], 3) if "in_proj_bias" in p else (0, 0, 0)
    L, N, _ = q.shape
    S = k.shape[0]
    Q, K, V = q @ wq.T + bq, k @ wk.T + bk, v @ wv.T + bv
    d = E // H
    out = np.zeros((L, N, E))
    weights = np.zeros((N, H, L, S))
    for n in range(N):
        for h in range(H):
            sl = slice(h * d, (h + 1) * d)
            add = np.zeros((L, S))
            if attn_mask is not None:
                am = attn_mask if attn_mask.ndim == 2 else attn_mask[n * H + h]
                add = add + (np.where(am, -np.inf, 0) if am.dtype == bool else am)
            if kpm is not None:
                add = add + np.where(kpm[n], -np.inf, 0)[None, :]
            o, w = _ref_sdpa(Q[:, n, sl], K[:, n, sl], V[:, n, sl], add)
            out[:, n, sl] = o
            weights[n, h] = w
    out = out @ p["out_proj.weight"].T + p.get("out_proj.bias", 0)
    return out, weights


# ----------------------------------------------------------------- scaled_dot_product_attention
def test_sdpa_matches_reference_with_masks():
    q, k, v = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((2, 3, 6, 7))
    out = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v))
    assert out.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(out._data, _ref_sdpa(q, k, v)[0], rtol=1e-10)
    allowed = RNG.random((4, 6)) > 0.4
    allowed[:, 0] = True
    out = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=allowed)
    np.testing.assert_allclose(out._data, _ref_sdpa(q, k, v, np.where(allowed, 0, -np.inf))[0], rtol=1e-10)
    bias = RNG.standard_normal((3, 4, 6))
    out = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), attn_mask=Tensor(bias), scale=0.2)
    np.testing.assert_allclose(out._data, _ref_sdpa(q, k, v, bias, scale=0.2)[0], rtol=1e-10)
    causal = np.where(np.arange(6)[None, :] > np.arange(4)[:, None], -np.inf, 0)
    out = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), is_causal=True)
    np.testing.assert_allclose(out._data, _ref_sdpa(q, k, v, causal)[0], rtol=1e-10)


def test_sdpa_keeps_float32_and_errors():
    q = Tensor(RNG.standard_normal((3, 4)).astype(np.float32))
    mask = np.zeros((3, 3))  # float64 mask must not upcast the result
    assert F.scaled_dot_product_attention(q, q, q, attn_mask=mask).dtype == np.float32
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mask, is_causal=True)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.zeros((2, 3)))
    with pytest.raises(TypeError, match="only bool and floating"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="same last dim"):
        F.scaled_dot_product_attention(q, Tensor(np.zeros((3, 5), np.float32)), q)


def test_sdpa_gradcheck():
    q, k, v = (Tensor(RNG.standard_normal(s), requires_grad=True) for s in ((2, 3, 2), (2, 4, 2), (2, 4, 3)))
    allowed = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]], dtype=bool)
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=allowed), (q, k, v))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), (q, k, v))


# ----------------------------------------------------------------- MultiheadAttention
def test_parameter_names_shapes_and_init():
    m = nn.MultiheadAttention(8, 2)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [
        ("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)),
        ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    sep = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    assert [(n, tuple(p.shape)) for n, p in sep.named_parameters()] == [
        ("q_proj_weight", (8, 8)), ("k_proj_weight", (8, 3)), ("v_proj_weight", (8, 5)),
        ("in_proj_bias", (24,)), ("bias_k", (1, 1, 8)), ("bias_v", (1, 1, 8)),
        ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert sep.in_proj_weight is None
    assert np.all(m.in_proj_bias._data == 0) and np.all(m.out_proj.bias._data == 0)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ on (3E, E)
    assert np.abs(m.in_proj_weight._data).max() <= bound
    assert m.in_proj_weight._data.std() > 0.4 * bound


@pytest.mark.parametrize("masks", ["none", "kpm", "bool", "float", "per_head", "both"])
def test_mha_matches_reference(masks):
    m = nn.MultiheadAttention(8, 2).double()
    L, S, N = 4, 5, 3
    q, k, v = RNG.standard_normal((L, N, 8)), RNG.standard_normal((S, N, 8)), RNG.standard_normal((S, N, 8))
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, -1:] = True
    kpm[2, 0] = True
    blocked = np.zeros((L, S), dtype=bool)
    blocked[1, :3] = True
    args = {
        "none": {}, "kpm": {"key_padding_mask": kpm}, "bool": {"attn_mask": blocked},
        "float": {"attn_mask": RNG.standard_normal((L, S))},
        "per_head": {"attn_mask": RNG.standard_normal((N * 2, L, S))},
        "both": {"attn_mask": blocked, "key_padding_mask": kpm},
    }[masks]
    out, w = m(Tensor(q), Tensor(k), Tensor(v), **args)
    assert np.isfinite(out._data).all()
    ref_out, ref_w = _ref_mha(m, q, k, v, args.get("key_padding_mask"), args.get("attn_mask"))
    assert out.shape == (L, N, 8) and w.shape == (N, L, S)
    np.testing.assert_allclose(out._data, ref_out, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w._data, ref_w.mean(1), rtol=1e-9, atol=1e-12)
    _, w_heads = m(Tensor(q), Tensor(k), Tensor(v), average_attn_weights=False, **args)
    np.testing.assert_allclose(w_heads._data, ref_w, rtol=1e-9, atol=1e-12)


def test_mha_kdim_vdim_batch_first_unbatched_no_weights():
    m = nn.MultiheadAttention(6, 3, kdim=2, vdim=5, batch_first=True).double()
    q, k, v = RNG.standard_normal((2, 4, 6)), RNG.standard_normal((2, 3, 2)), RNG.standard_normal((2, 3, 5))
    out, _ = m(Tensor(q), Tensor(k), Tensor(v))
    ref_out, ref_w = _ref_mha(m, q.transpose(1, 0, 2), k.transpose(1, 0, 2), v.transpose(1, 0, 2))
    assert out.shape == (2, 4, 6)
    np.testing.assert_allclose(out._data, ref_out.transpose(1, 0, 2), rtol=1e-9)
    out_nw, none = m(Tensor(q), Tensor(k), Tensor(v), need_weights=False)
    assert none is None
    np.testing.assert_allclose(out_nw._data, out._data, rtol=1e-12)
    out_u, w_u = m(Tensor(q[0]), Tensor(k[0]), Tensor(v[0]))  # unbatched (L, E)
    assert out_u.shape == (4, 6) and w_u.shape == (4, 3)
    np.testing.assert_allclose(out_u._data, out._data[0], rtol=1e-9)
    np.testing.assert_allclose(w_u._data, ref_w.mean(1)[0], rtol=1e-9)


def test_self_attention_same_tensor():
    m = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = RNG.standard_normal((2, 3, 4))
    X = Tensor(x)
    out, _ = m(X, X, X)
    ref, _ = _ref_mha(m, *(x.transpose(1, 0, 2),) * 3)
    np.testing.assert_allclose(out._data, ref.transpose(1, 0, 2), rtol=1e-9)


def test_mha_dropout_only_while_training():
    m = nn.MultiheadAttention(4, 2, dropout=1.0).double()
    m.out_proj.bias._data[...] = np.arange(4.0)
    x = Tensor(RNG.standard_normal((3, 2, 4)))
    out, w = m(x, x, x)
    np.testing.assert_allclose(w._data, 0.0)  # every weight dropped
    np.testing.assert_allclose(out._data, np.broadcast_to(np.arange(4.0), (3, 2, 4)))
    m.eval()
    out, w = m(x, x, x)
    np.testing.assert_allclose(w._data.sum(-1), 1.0)


def test_mha_gradcheck():
    m = nn.MultiheadAttention(4, 2, kdim=3)
    names = [n for n, _ in m.named_parameters()]
    blocked = np.array([[False, True, False], [False, False, False]])

    def fn(q, k, v, *params):
        saved = dict(m._parameters)
        own = dict(zip(names, params))
        m._parameters.update({n: p for n, p in own.items() if "." not in n})
        m.out_proj._parameters.update({"weight": own["out_proj.weight"], "bias": own["out_proj.bias"]})
        try:
            return m(q, k, v, attn_mask=blocked)
        finally:
            m._parameters.update(saved)

    params = [Tensor(p._data.astype(np.float64), requires_grad=True) for p in m.parameters()]
    saved_out = dict(m.out_proj._parameters)
    inputs = [Tensor(RNG.standard_normal(s), requires_grad=True) for s in ((2, 1, 4), (3, 1, 3), (3, 1, 4))]
    try:
        assert gradcheck(fn, (*inputs, *params))
    finally:
        m.out_proj._parameters.update(saved_out)


def test_mha_errors():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    m = nn.MultiheadAttention(4, 2)
    x = Tensor(np.zeros((3, 2, 4), np.float32))
    with pytest.raises(ValueError, match="last dim 4"):
        m(Tensor(np.zeros((3, 2, 5), np.float32)), x, x)
    with pytest.raises(RuntimeError, match=r"attn_mask should have shape \(3, 3\) or \(4, 3, 3\)"):
        m(x, x, x, attn_mask=np.zeros((2, 3), dtype=bool))
    with pytest.raises(RuntimeError, match=r"key_padding_mask should have shape \(2, 3\)"):
        m(x, x, x, key_padding_mask=np.zeros((3, 2), dtype=bool))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)


def test_mha_matches_torch_with_copied_weights():
    torch = pytest.importorskip("torch")
    for kw in ({}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True, "add_zero_attn": True},
               {"bias": False, "batch_first": True}):
        theirs = torch.nn.MultiheadAttention(8, 2, **kw).double()
        ours = nn.MultiheadAttention(8, 2, **kw).double()
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        for p, t in zip(ours.parameters(), theirs.parameters()):
            p._data[...] = t.detach().numpy()
        order = (1, 0, 2) if kw.get("batch_first") else (0, 1, 2)
        q = RNG.standard_normal((4, 3, 8)).transpose(order)
        k = RNG.standard_normal((5, 3, kw.get("kdim", 8))).transpose(order)
        v = RNG.standard_normal((5, 3, kw.get("vdim", 8))).transpose(order)
        kpm = np.zeros((3, 5))  # float masks, as torch deprecates mixing bool and float
        kpm[1, :2] = -np.inf
        mask = RNG.standard_normal((4, 5))
        tq = torch.from_numpy(q).requires_grad_()
        t_out, t_w = theirs(tq, torch.from_numpy(k), torch.from_numpy(v),
                            key_padding_mask=torch.from_numpy(kpm), attn_mask=torch.from_numpy(mask))
        oq = Tensor(q, requires_grad=True)
        out, w = ours(oq, Tensor(k), Tensor(v), key_padding_mask=kpm, attn_mask=mask)
        np.testing.assert_allclose(out._data, t_out.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(w._data, t_w.detach().numpy(), rtol=1e-9, atol=1e-12)
        t_out.sum().backward()
        out.sum().backward()
        np.testing.assert_allclose(oq.grad._data, tq.grad.numpy(), rtol=1e-8, atol=1e-12)
        for p, t in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_sdpa_matches_torch():
    torch = pytest.importorskip("torch")
    q, k, v = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 5, 2))
    allowed = RNG.random((4, 5)) > 0.3
    allowed[:, 0] = True
    for kw, tkw in (({"attn_mask": allowed}, {"attn_mask": torch.from_numpy(allowed)}),
                    ({"is_causal": True}, {"is_causal": True})):
        ours = F.scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), **kw)
        theirs = torch.nn.functional.scaled_dot_product_attention(
            torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(v), **tkw)
        np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-10)


def test_fully_masked_query_row_gives_nan_like_pytorch():
    m = nn.MultiheadAttention(4, 2).double()
    x = Tensor(RNG.standard_normal((2, 1, 4)))
    blocked = np.array([[True, True], [False, True]])  # query 0 may attend to nothing
    with np.errstate(invalid="ignore"):
        out, w = m(x, x, x, attn_mask=blocked)
    assert np.isnan(out._data[0]).all() and np.isfinite(out._data[1]).all()
    np.testing.assert_allclose(w._data[0, 1], [1.0, 0.0])
