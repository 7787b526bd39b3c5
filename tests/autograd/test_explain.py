"""autograd.explain: chain-rule steps of a backward, in the engine's order, with formulas and norms."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, viz
from autograd.explain import Explanation, Step, explain
from autograd.ops.registry import PRIMITIVES

# the engine runs op nodes newest first, then writes the leaves' gradients in the order it reached them
EXPECTED_NODES = [
    "MeanBackward", "PowBackward", "SubBackward", "AddBackward", "MatmulBackward", "ReluBackward",
    "AddBackward", "MatmulBackward", "AccumulateGrad", "AccumulateGrad", "AccumulateGrad",
    "AccumulateGrad",
]


def mlp(dtype=np.float64, seed=0):
    """A two-layer MLP written with raw tensors: mean(((relu(x W1 + b1) W2 + b2) - y)^2)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x": rng.standard_normal((4, 3)), "W1": rng.standard_normal((3, 5)),
        "b1": rng.standard_normal(5) * 0.1, "W2": rng.standard_normal((5, 2)),
        "b2": rng.standard_normal(2) * 0.1, "y": rng.standard_normal((4, 2)),
    }
    arrays = {k: v.astype(dtype) for k, v in arrays.items()}
    t = {k: Tensor(v, requires_grad=k not in ("x", "y")) for k, v in arrays.items()}
    h = (t["x"] @ t["W1"] + t["b1"]).relu()
    out = h @ t["W2"] + t["b2"]
    loss = ((out - t["y"]) ** 2).mean()
    params = {k: t[k] for k in ("W1", "b1", "W2", "b2")}
    return loss, params, arrays


def reference_norms(a: dict) -> list[float]:
    """The norm of the gradient reaching each step of the MLP, by hand in numpy."""
    a1 = a["x"] @ a["W1"] + a["b1"]
    h = np.maximum(a1, 0)
    d = h @ a["W2"] + a["b2"] - a["y"]
    n = d.size
    g_sq = np.full_like(d, 1.0 / n)  # d mean / d (d^2)
    g_d = 2 * d / n
    g_h = g_d @ a["W2"].T
    g_a1 = g_h * (a1 > 0)
    norm = np.linalg.norm
    return [
        1.0, norm(g_sq), norm(g_d), norm(g_d), norm(g_d), norm(g_h), norm(g_a1), norm(g_a1),
        norm(g_d.sum(0)), norm(h.T @ g_d), norm(g_a1.sum(0)), norm(a["x"].T @ g_a1),
    ]


def test_mlp_steps_in_engine_order_with_formulas_and_feeds():
    loss, params, _ = mlp()
    e = explain(loss, params=params)
    assert [r.node for r in e] == EXPECTED_NODES
    assert [r.step for r in e] == list(range(1, 13))
    assert [r.tensor for r in e if r.op == "leaf"] == ["b2", "W2", "b1", "W1"]
    for r in e:
        if r.op != "leaf":
            assert r.formula == PRIMITIVES[r.op].formula and r.formula
    assert e[3].feeds == ("#5 MatmulBackward", "b2")
    assert e[4].feeds == ("#6 ReluBackward", "W2")
    assert e[7].feeds == ("W1",)  # x needs no gradient
    assert e[11].feeds == ("W1.grad",) and e[11].formula == "x.grad += g"
    assert [r.grad_shape for r in e] == [(), (4, 2), (4, 2), (4, 2), (4, 2), (4, 5), (4, 5),
                                         (4, 5), (2,), (5, 2), (5,), (3, 5)]


def test_norms_computed_on_retained_graph_match_hand_reference_and_change_nothing():
    loss, params, arrays = mlp()
    e = explain(loss, params=params)
    assert e.norms_source.startswith("computed by a backward on the retained graph")
    np.testing.assert_allclose([r.grad_norm for r in e], reference_norms(arrays), rtol=1e-10)
    assert all(p.grad is None for p in params.values())
    loss.backward()  # the graph is still whole: explain's backward retained it
    assert params["W1"].grad is not None


def test_norms_recorded_during_backward():
    loss, params, arrays = mlp()
    with viz.record_grads(loss) as rec:
        loss.backward()
    for e in (explain(loss, params=params, grads=rec), explain(loss, params=params)):
        assert e.norms_source.startswith("recorded during backward")
        np.testing.assert_allclose([r.grad_norm for r in e], reference_norms(arrays), rtol=1e-10)
    # the explained order is the order in which the engine really reached the steps
    assert [r.node for r in explain(loss)] == [
        "AccumulateGrad" if not isinstance(k, autograd.Node) else k.name() for k in rec.order
    ]


def test_after_plain_backward_only_leaf_norms_are_known():
    loss, params, arrays = mlp()
    loss.backward()
    e = explain(loss, params=params)
    assert e.norms_source.startswith("leaf .grad only")
    ref = reference_norms(arrays)
    for r, expected in zip(e, ref):
        if r.op == "leaf":
            assert r.grad_norm == pytest.approx(expected, rel=1e-10)
            assert r.grad_norm == pytest.approx(np.linalg.norm(params[r.tensor].grad._data))
        else:
            assert r.grad_norm is None
    assert [r.node for r in e] == EXPECTED_NODES  # the structure outlives the freed values


def test_compute_false_gives_no_norms_before_backward():
    loss, params, _ = mlp()
    e = explain(loss, params=params, compute=False)
    assert e.norms_source.startswith("not available")
    assert all(r.grad_norm is None for r in e)
    assert str(e).splitlines()[4].split()[-3:] == ["-", "#2", "PowBackward"]  # norm shown as -


def test_text_markdown_html_and_data():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    x.name = "x"
    loss = x.abs().sum()
    loss.name = "loss"
    e = explain(loss)
    text = str(e)
    lines = text.splitlines()
    assert lines[0].startswith("backward of loss: 3 steps")
    assert lines[1].startswith("gradient norms: computed")
    assert lines[2].split()[:3] == ["step", "node", "local"]
    assert lines[4].split()[:3] == ["1", "SumBackward", "(loss)"]
    assert "d|x|/dx = sign(x)" in lines[5] and lines[6].split()[1:3] == ["AccumulateGrad", "(x)"]
    assert repr(e) == text
    md = e._repr_markdown_()
    assert "| 2 | AbsBackward | d\\|x\\|/dx = sign(x) | (3,) | 1.73 | x |" in md
    html = e._repr_html_()
    assert html.count("<tr>") == 4 and "<caption" in html and "AbsBackward" in html
    dicts = e.to_dicts()
    assert dicts[2] == {
        "step": 3, "node": "AccumulateGrad", "op": "leaf", "tensor": "x", "formula": "x.grad += g",
        "grad_shape": (3,), "grad_norm": pytest.approx(np.sqrt(3.0)), "feeds": ("x.grad",),
    }
    assert isinstance(e, Explanation) and isinstance(e[0], Step) and len(e) == 3


def test_multi_output_function_step():
    class Two(Function):
        """d(2x, 3x)/dx = (2, 3)"""

        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    a, b = Two.apply(x)
    e = explain((a * b).sum())
    step = next(r for r in e if r.node == "TwoBackward")
    assert step.formula == "d(2x, 3x)/dx = (2, 3)"
    assert step.grad_shape == ((2,), (2,))
    # gradients into a and b are b = 3x and a = 2x: combined norm sqrt(13) |x|
    assert step.grad_norm == pytest.approx(np.sqrt(13.0) * np.sqrt(5.0))


def test_every_registered_primitive_has_a_formula():
    pytest.importorskip("nn")  # registers nn's fused primitives too
    assert len(PRIMITIVES) > 40
    missing = [name for name, p in PRIMITIVES.items() if not isinstance(p.formula, str) or not p.formula.strip()]
    assert missing == []


def test_errors():
    with pytest.raises(ValueError, match="no output requires grad"):
        explain(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"autograd\.explain: expected a Tensor"):
        explain("loss")
    loss, _, _ = mlp()
    with pytest.raises(TypeError, match="GradRecord"):
        explain(loss, grads={"a": 1.0})


def test_mlp_with_nn_linear():
    nn = pytest.importorskip("nn")
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    x = autograd.randn(4, 3)
    loss = nn.functional.mse_loss(model(x), autograd.randn(4, 2))
    with viz.record_grads(loss) as rec:
        loss.backward()
    e = explain(loss, params=model)
    leaves = {r.tensor: r.grad_norm for r in e if r.op == "leaf"}
    assert set(leaves) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for name, p in model.named_parameters():
        assert leaves[name] == pytest.approx(np.linalg.norm(p.grad._data), rel=1e-5)
    assert all(r.formula for r in e)
    assert len(e) == len(rec.order)


def test_norms_match_torch():
    torch = pytest.importorskip("torch")
    loss, params, arrays = mlp()
    e = explain(loss, params=params)
    t = {k: torch.tensor(v, requires_grad=k not in ("x", "y")) for k, v in arrays.items()}
    a1 = t["x"] @ t["W1"] + t["b1"]
    h = a1.relu()
    mm2 = h @ t["W2"]
    out = mm2 + t["b2"]
    d = out - t["y"]
    sq = d**2
    tl = sq.mean()
    inter = [sq, d, out, mm2, h, a1]
    for v in inter:
        v.retain_grad()
    tl.backward()
    by_node = {
        2: sq, 3: d, 4: out, 5: mm2, 6: h, 7: a1, 9: t["b2"], 10: t["W2"], 11: t["b1"], 12: t["W1"],
    }
    for step, v in by_node.items():
        assert e[step - 1].grad_norm == pytest.approx(v.grad.norm().item(), rel=1e-10)


def test_text_wraps_to_the_width_asked_for():
    import nn

    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss = nn.functional.cross_entropy(model(autograd.randn(16, 4)), autograd.randint(0, 3, (16,)))
    expl = autograd.explain(loss, params=model)
    wide, narrow = expl.to_text(width=400), expl.to_text(width=120)
    assert max(len(line) for line in wide.splitlines()) > 150  # one line per step
    assert len(wide.splitlines()) == 2 + 2 + len(expl)
    assert max(len(line) for line in narrow.splitlines()) <= 120
    assert len(narrow.splitlines()) > len(wide.splitlines())
    # nothing is lost in wrapping: the same words (the rule under the header aside)
    def words(text):
        return sorted(w for w in text.split() if set(w) != {"-"})

    assert words(narrow) == words(wide)


def test_print_uses_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "110")
    x = Tensor([1.0, 2.0], requires_grad=True)
    text = str(((x * x).log() * 3).sum().explain())
    assert max(len(line) for line in text.splitlines()) <= 110
