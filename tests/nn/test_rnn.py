"""RNN, LSTM, GRU and their cells: PyTorch's parameters, a numpy reference loop, gradients."""

import math

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


# ----------------------------------------------------------------- an independent numpy reference
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _ref_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step written straight from the equations in PyTorch's documentation."""
    gi = x @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    H = h.shape[-1]
    if mode == "LSTM":
        i, f = _sig(gi[:, :H] + gh[:, :H]), _sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        g, o = np.tanh(gi[:, 2 * H:3 * H] + gh[:, 2 * H:3 * H]), _sig(gi[:, 3 * H:] + gh[:, 3 * H:])
        c = f * c + i * g
        return o * np.tanh(c), c
    if mode == "GRU":
        r = _sig(gi[:, :H] + gh[:, :H])
        z = _sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        return (1 - z) * n + z * h, None
    pre = gi + gh
    return (np.tanh(pre) if mode == "RNN_TANH" else np.maximum(pre, 0)), None


def _ref_forward(mode, params, x, h0, c0, num_layers, bidirectional, bias):
    """x (L, N, in); h0/c0 (layers * D, N, H). Returns output, h_n, c_n."""
    D = 2 if bidirectional else 1
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            sfx = f"l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = params[f"weight_ih_{sfx}"], params[f"weight_hh_{sfx}"]
            b_ih = params[f"bias_ih_{sfx}"] if bias else None
            b_hh = params[f"bias_hh_{sfx}"] if bias else None
            h, c = h0[layer * D + d], c0[layer * D + d]
            out = np.zeros((x.shape[0], x.shape[1], h.shape[-1]))
            steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
            for t in steps:
                h, c = _ref_cell(mode, x[t], h, c, w_ih, w_hh, b_ih, b_hh)
                out[t] = h
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = np.concatenate(outs, -1)
    return x, np.stack(hs), (np.stack(cs) if mode == "LSTM" else None)


def _params(module):
    return {n: p._data.astype(np.float64) for n, p in module.named_parameters()}


CONFIGS = [
    dict(num_layers=1, bidirectional=False, bias=True),
    dict(num_layers=2, bidirectional=True, bias=True),
    dict(num_layers=3, bidirectional=False, bias=False),
]
LAYERS = [(nn.LSTM, "LSTM", {}), (nn.GRU, "GRU", {}), (nn.RNN, "RNN_TANH", {}),
          (nn.RNN, "RNN_RELU", {"nonlinearity": "relu"})]


@pytest.mark.parametrize(("cls", "mode", "extra"), LAYERS)
@pytest.mark.parametrize("cfg", CONFIGS)
def test_forward_matches_numpy_reference(cls, mode, extra, cfg):
    m = cls(3, 4, **extra, **cfg).double()
    L, N, D = 5, 2, 2 if cfg["bidirectional"] else 1
    x = RNG.standard_normal((L, N, 3))
    h0 = RNG.standard_normal((cfg["num_layers"] * D, N, 4))
    c0 = RNG.standard_normal((cfg["num_layers"] * D, N, 4))
    hx = (Tensor(h0), Tensor(c0)) if mode == "LSTM" else Tensor(h0)
    out, state = m(Tensor(x), hx)
    ref_out, ref_h, ref_c = _ref_forward(mode, _params(m), x, h0, c0, cfg["num_layers"],
                                         cfg["bidirectional"], cfg["bias"])
    assert out.shape == (L, N, D * 4)
    np.testing.assert_allclose(out._data, ref_out, rtol=1e-10, atol=1e-12)
    h_n = state[0] if mode == "LSTM" else state
    np.testing.assert_allclose(h_n._data, ref_h, rtol=1e-10, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(state[1]._data, ref_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("cls", "mode", "extra"), LAYERS[:3])
def test_batch_first_unbatched_and_default_state(cls, mode, extra):
    m = cls(3, 4, num_layers=2, **extra).double()
    x = RNG.standard_normal((5, 2, 3))
    zeros = np.zeros((2, 2, 4))
    ref_out, ref_h, _ = _ref_forward(mode, _params(m), x, zeros, zeros, 2, False, True)
    out, _ = m(Tensor(x))  # no initial state: zeros
    np.testing.assert_allclose(out._data, ref_out, rtol=1e-10, atol=1e-12)
    m.batch_first = True
    out_bf, state_bf = m(Tensor(x.transpose(1, 0, 2)))
    assert out_bf.shape == (2, 5, 4)
    np.testing.assert_allclose(out_bf._data, ref_out.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    h_bf = state_bf[0] if mode == "LSTM" else state_bf
    assert h_bf.shape == (2, 2, 4)  # states stay (layers, N, H) with batch_first, as PyTorch
    m.batch_first = False
    out_u, state_u = m(Tensor(x[:, 0]))  # unbatched (L, H_in)
    h_u = state_u[0] if mode == "LSTM" else state_u
    assert out_u.shape == (5, 4) and h_u.shape == (2, 4)
    np.testing.assert_allclose(out_u._data, ref_out[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_u._data, ref_h[:, 0], rtol=1e-10, atol=1e-12)


def test_parameter_names_shapes_match_pytorch_list():
    m = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    expected = []
    for layer, in_size in ((0, 3), (1, 10)):
        for sfx in ("", "_reverse"):
            expected += [(f"weight_ih_l{layer}{sfx}", (20, in_size)),
                         (f"weight_hh_l{layer}{sfx}", (20, 5)),
                         (f"bias_ih_l{layer}{sfx}", (20,)), (f"bias_hh_l{layer}{sfx}", (20,))]
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == expected
    assert [(n, tuple(p.shape)) for n, p in nn.GRU(2, 3, bias=False).named_parameters()] == [
        ("weight_ih_l0", (9, 2)), ("weight_hh_l0", (9, 3))]
    assert [(n, tuple(p.shape)) for n, p in nn.LSTMCell(2, 3).named_parameters()] == [
        ("weight_ih", (12, 2)), ("weight_hh", (12, 3)), ("bias_ih", (12,)), ("bias_hh", (12,))]
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 4
    assert all(p.dtype == np.float32 for p in m.parameters())


def test_init_is_uniform_within_one_over_sqrt_hidden():
    m = nn.GRU(30, 64)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([p._data.ravel() for p in m.parameters()])
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound  # std of U(-b, b)


def _module_fn(module, forward):
    """fn(*inputs, *params) running `forward` with the module's parameters swapped in."""
    names = [n for n, _ in module.named_parameters()]

    def fn(*args):
        k = len(args) - len(names)
        saved = dict(module._parameters)
        module._parameters.update(zip(names, args[k:]))
        try:
            return forward(*args[:k])
        finally:
            module._parameters.update(saved)

    params = [Tensor(p._data.astype(np.float64), requires_grad=True) for p in module.parameters()]
    return fn, params


def _t(*shape):
    return Tensor(RNG.standard_normal(shape), requires_grad=True)


def test_lstm_gradcheck_three_steps():
    m = nn.LSTM(2, 3, num_layers=1)
    fn, params = _module_fn(m, lambda x, h, c: (lambda o, s: (o, *s))(*m(x, (h, c))))
    assert gradcheck(fn, (_t(3, 2, 2), _t(1, 2, 3), _t(1, 2, 3), *params))


def test_bidirectional_two_layer_gru_gradcheck():
    m = nn.GRU(2, 2, num_layers=2, bidirectional=True, batch_first=True)
    fn, params = _module_fn(m, lambda x: m(x))
    assert gradcheck(fn, (_t(2, 3, 2), *params))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_gradcheck(nonlinearity):
    m = nn.RNNCell(3, 2, nonlinearity=nonlinearity)
    fn, params = _module_fn(m, lambda x, h: m(x, h))
    assert gradcheck(fn, (_t(2, 3), _t(2, 2), *params))


def test_gru_and_lstm_cell_gradcheck():
    gru = nn.GRUCell(3, 2)
    fn, params = _module_fn(gru, lambda x, h: gru(x, h))
    assert gradcheck(fn, (_t(2, 3), _t(2, 2), *params))
    lstm = nn.LSTMCell(3, 2, bias=False)
    fn, params = _module_fn(lstm, lambda x, h, c: lstm(x, (h, c)))
    assert gradcheck(fn, (_t(2, 3), _t(2, 2), _t(2, 2), *params))


def test_second_order_through_the_time_split():
    m = nn.GRU(2, 2)
    fn, params = _module_fn(m, lambda x: m(x)[0])
    assert gradgradcheck(fn, (_t(3, 1, 2), *params))


def test_cells_match_reference_and_unbatched():
    x, h, c = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    for cell, mode in ((nn.RNNCell(3, 2), "RNN_TANH"), (nn.GRUCell(3, 2), "GRU"),
                       (nn.LSTMCell(3, 2), "LSTM")):
        cell.double()
        p = _params(cell)
        ref_h, ref_c = _ref_cell(mode, x, h, c, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
        out = cell(Tensor(x), (Tensor(h), Tensor(c)) if mode == "LSTM" else Tensor(h))
        got_h = out[0] if mode == "LSTM" else out
        np.testing.assert_allclose(got_h._data, ref_h, rtol=1e-12)
        if mode == "LSTM":
            np.testing.assert_allclose(out[1]._data, ref_c, rtol=1e-12)
        single = cell(Tensor(x[0]))  # unbatched, zero state
        ref0, _ = _ref_cell(mode, x[:1], np.zeros((1, 2)), np.zeros((1, 2)), p["weight_ih"],
                            p["weight_hh"], p["bias_ih"], p["bias_hh"])
        got0 = single[0] if mode == "LSTM" else single
        assert got0.shape == (2,)
        np.testing.assert_allclose(got0._data, ref0[0], rtol=1e-12)


def test_dropout_between_layers_only_in_training():
    m = nn.LSTM(3, 4, num_layers=2, dropout=1.0).double()
    x = RNG.standard_normal((4, 2, 3))
    zeros = np.zeros((2, 2, 4))
    p = _params(m)
    m.eval()
    ref, _, _ = _ref_forward("LSTM", p, x, zeros, zeros, 2, False, True)
    np.testing.assert_allclose(m(Tensor(x))[0]._data, ref, rtol=1e-10)
    m.train()  # dropout=1 zeroes the second layer's input entirely
    layer1 = {k.replace("l1", "l0"): v for k, v in p.items() if "l1" in k}
    ref_drop, _, _ = _ref_forward("LSTM", layer1, np.zeros((4, 2, 4)), zeros[:1], zeros[:1], 1, False, True)
    np.testing.assert_allclose(m(Tensor(x))[0]._data, ref_drop, rtol=1e-10)
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        nn.GRU(2, 2, dropout=0.5)


def test_float32_stays_float32_and_gradients_reach_all_parameters():
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, (h, c) = m(Tensor(RNG.standard_normal((6, 2, 3)).astype(np.float32)))
    assert out.dtype == h.dtype == c.dtype == np.float32
    (out.sum() + c.sum()).backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.dtype == np.float32, name
        assert np.abs(p.grad._data).sum() > 0, name


def test_errors_are_clear():
    m = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match="Expected 3, got 5"):
        m(Tensor(np.zeros((2, 1, 5))))
    with pytest.raises(ValueError, match=r"2D .* or 3D"):
        m(Tensor(np.zeros((2, 1, 1, 3))))
    with pytest.raises(RuntimeError, match=r"Expected h_0 size \(1, 2, 4\), got \(1, 3, 4\)"):
        m(Tensor(np.zeros((5, 2, 3), np.float32)), (Tensor(np.zeros((1, 3, 4), np.float32)), Tensor(np.zeros((1, 2, 4), np.float32))))
    with pytest.raises(TypeError, match="tuple"):
        m(Tensor(np.zeros((5, 2, 3))), Tensor(np.zeros((1, 2, 4))))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(2, 2, nonlinearity="gelu")
    with pytest.raises(ValueError, match="hidden_size must be a positive int"):
        nn.GRU(2, 0)
    with pytest.raises(RuntimeError, match=r"GRUCell: Expected hx of shape \(2, 3\)"):
        nn.GRUCell(2, 3)(Tensor(np.zeros((2, 2))), Tensor(np.zeros((3, 3))))


def test_repr_like_pytorch():
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == \
        "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(nn.GRUCell(3, 4)) == "GRUCell(3, 4)"


@pytest.mark.parametrize(("name", "extra"), [("LSTM", {}), ("GRU", {}), ("RNN", {"nonlinearity": "relu"})])
def test_matches_torch_with_copied_weights(name, extra):
    torch = pytest.importorskip("torch")
    for cfg in ({"num_layers": 2, "bidirectional": True, "batch_first": True}, {"bias": False}):
        theirs = getattr(torch.nn, name)(3, 4, **extra, **cfg).double()
        ours = getattr(nn, name)(3, 4, **extra, **cfg).double()
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        for p, q in zip(ours.parameters(), theirs.parameters()):
            p._data[...] = q.detach().numpy()
        x = RNG.standard_normal((2, 5, 3) if cfg.get("batch_first") else (5, 2, 3))
        tx = torch.from_numpy(x).requires_grad_()
        t_out, t_state = theirs(tx)
        xt = Tensor(x, requires_grad=True)
        out, state = ours(xt)
        np.testing.assert_allclose(out._data, t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        t_h = t_state[0] if name == "LSTM" else t_state
        h = state[0] if name == "LSTM" else state
        np.testing.assert_allclose(h._data, t_h.detach().numpy(), rtol=1e-10, atol=1e-12)
        (t_out.sum() + t_h.sum()).backward()
        (out.sum() + h.sum()).backward()
        np.testing.assert_allclose(xt.grad._data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_cells_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((3, 2))
    for name in ("RNNCell", "GRUCell", "LSTMCell"):
        theirs = getattr(torch.nn, name)(2, 4).double()
        ours = getattr(nn, name)(2, 4).double()
        for p, q in zip(ours.parameters(), theirs.parameters()):
            p._data[...] = q.detach().numpy()
        a, b = ours(Tensor(x)), theirs(torch.from_numpy(x))
        a = a[0] if name == "LSTMCell" else a
        b = b[0] if name == "LSTMCell" else b
        np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=1e-12)


def test_lstm_fused_sequence_gradcheck_and_second_order():
    # the fused layer-direction node (_LSTMSequence): plain backward on arrays, and under
    # create_graph the composite recurrence, both checked against finite differences
    m = nn.LSTM(2, 3, bidirectional=True)
    fn, params = _module_fn(m, lambda x, h, c: (lambda o, s: (o, *s))(*m(x, (h, c))))
    inputs = (_t(3, 2, 2), _t(2, 2, 3), _t(2, 2, 3), *params)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_fused_sequence_equals_the_composite_steps(reverse):
    from nn.functional.rnn import _lstm_sequence_reference
    from nn.functional.rnn_lstm import _LSTMSequence

    rng = np.random.default_rng(7)
    shapes = ((6, 4, 3), (4, 5), (4, 5), (20, 3), (20, 5), (20,), (20,))
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    g_out, g_c = rng.standard_normal((6, 4, 5)), rng.standard_normal((4, 5))
    results = []
    for run in (_LSTMSequence.apply, _lstm_sequence_reference):
        leaves = [Tensor(a, requires_grad=True) for a in arrays]
        hs, c = run(*leaves, reverse)
        ((hs * Tensor(g_out.astype(np.float32))).sum() + (c * Tensor(g_c.astype(np.float32))).sum()).backward()
        results.append([hs._data, c._data] + [t.grad._data for t in leaves])
    for ours, ref in zip(*results, strict=True):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bias", [True, False])
def test_float32_lstm_matches_torch_with_saturated_gates(bias):
    # float32 as W8 runs it: the fused node's tanh-based sigmoid and per-step backward against
    # PyTorch's kernels, with pre-activations up to ~±30 (gates saturated at 0 and 1), an input
    # that needs no gradient (as an Embedding's output would not, detached) and reverse steps
    torch = pytest.importorskip("torch")
    kw = dict(num_layers=2, bidirectional=True, batch_first=True, bias=bias)
    theirs, ours = torch.nn.LSTM(6, 16, **kw), nn.LSTM(6, 16, **kw)
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q *= 8
            p._data[...] = q.numpy()
    rng = np.random.default_rng(3)  # (its own: the module's RNG depends on the test order)
    x = (rng.standard_normal((3, 9, 6)) * 4).astype(np.float32)
    g = rng.standard_normal((3, 9, 32)).astype(np.float32)
    t_out, (t_h, t_c) = theirs(torch.from_numpy(x))
    out, (h, c) = ours(Tensor(x))
    for a, b in ((out, t_out), (h, t_h), (c, t_c)):
        assert a.dtype == np.float32
        # (c reaches ~9 over 9 steps, where a float32 ulp is 1e-6: over 30 seeds the largest
        # difference from PyTorch was 4.7e-6, a few ulps of c)
        np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=1e-5, atol=1e-5)
    ((t_out * torch.from_numpy(g)).sum() + t_c.sum()).backward()
    ((out * Tensor(g)).sum() + c.sum()).backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        scale = np.abs(q.grad.numpy()).max()
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-4, atol=1e-5 * scale)


def test_lstm_empty_batch_runs_forward_and_backward():
    # N = 0 (PyTorch returns empty outputs and zero weight gradients): the fused node's reshapes
    # must not infer a dimension from an empty array
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = Tensor(np.zeros((5, 0, 3), np.float32), requires_grad=True)
    out, (h, c) = m(x)
    assert out.shape == (5, 0, 8) and h.shape == (4, 0, 4) and c.shape == (4, 0, 4)
    (out.sum() + c.sum()).backward()
    assert x.grad.shape == (5, 0, 3)
    for p in m.parameters():
        assert p.grad.shape == p.shape and not np.any(p.grad._data)


def test_lstm_second_backward_with_retain_graph_gives_the_same_gradients():
    # the fused node's backward overwrites its saved gates with their gradients; a second
    # backward through a retained graph must recompute them, not read gradients as gates
    m = nn.LSTM(3, 4, bidirectional=True).double()
    x = Tensor(RNG.standard_normal((5, 2, 3)), requires_grad=True)
    out, (_, c) = m(x)
    loss = (out * Tensor(RNG.standard_normal((5, 2, 8)))).sum() + c.sum()
    loss.backward(retain_graph=True)
    first = [x.grad._data.copy()] + [p.grad._data.copy() for p in m.parameters()]
    loss.backward()
    second = [x.grad._data] + [p.grad._data for p in m.parameters()]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_allclose(b, 2 * a, rtol=1e-12, atol=1e-14)
