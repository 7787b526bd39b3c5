"""autograd.viz: DOT content of small known graphs, options, gradient norms, clusters, rendering."""

from __future__ import annotations

import itertools
import math
import re
import shutil

import graphviz
import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, viz
from autograd.viz.style import GRAD_STOPS, NO_GRAD_COLOR, format_values, grad_color

HAS_DOT = shutil.which("dot") is not None
NODE_RE = re.compile(r'^\s*(\w+) \[label=("(?:[^"\\]|\\.)*"|<.*>)(.*)\]$')
EDGE_RE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
ATTR_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


class Dot:
    """The DOT text of a picture, parsed: nodes (label, attrs, enclosing clusters) and edges."""

    def __init__(self, source: str) -> None:
        self.nodes: dict = {}
        self.edges: dict = {}
        clusters: list = []
        for line in source.splitlines():
            if line.strip().startswith("subgraph cluster_"):
                clusters.append(None)
                continue
            if line.strip() == "}" and clusters:
                clusters.pop()
                continue
            m = re.match(r'^\s*graph \[label="((?:[^"\\]|\\.)*)"', line)
            if m and clusters and clusters[-1] is None:
                clusters[-1] = m.group(1)
                continue
            m = NODE_RE.match(line)
            if m:
                label = m.group(2)[1:-1].replace("\\n", "\n") if m.group(2)[0] == '"' else m.group(2)
                attrs = dict(ATTR_RE.findall(m.group(3)))
                if attrs.get("style") != "invis":  # layout spacers are not part of the picture
                    self.nodes[m.group(1)] = (label, attrs, tuple(clusters))
                continue
            m = EDGE_RE.match(line)
            if m:
                attrs = dict(ATTR_RE.findall(m.group(3) or ""))
                if attrs.get("style") == "invis":
                    continue
                # an edge written backwards to order a row (dir=back) keeps its meaning
                key = (m.group(2), m.group(1)) if attrs.pop("dir", None) == "back" else (m.group(1), m.group(2))
                self.edges[key] = attrs

    def label(self, node_id: str) -> str:
        return self.nodes[node_id][0]

    def ids(self, first_line: str) -> list[str]:
        """Ids of nodes whose label's first line is `first_line`."""
        return [i for i, (label, _, _) in self.nodes.items() if label.split("\n")[0] == first_line]

    def one(self, first_line: str) -> str:
        found = self.ids(first_line)
        assert len(found) == 1, (first_line, found)
        return found[0]

    def named_edges(self) -> set:
        return {(self.label(a).split("\n")[0], self.label(b).split("\n")[0]) for a, b in self.edges}

    def outputs(self) -> list[str]:
        return [i for i, (_, a, _) in self.nodes.items() if "bold" in a.get("style", "")]

    def cluster(self, node_id: str) -> tuple:
        return self.nodes[node_id][2]


def small_graph():
    """z = sum(x * w + c) with x (named leaf), w (parameter), c (constant), h = x * w named."""
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.name = "x"
    w = Tensor([0.5, -1.0], requires_grad=True)
    c = Tensor([[1.0, 1.0], [1.0, 1.0]])
    h = x * w
    h.name = "h"
    z = (h + c).sum()
    return x, w, c, h, z


# ------------------------------------------------------------------------- structure
def test_small_graph_nodes_edges_and_labels():
    _x, w, _c, _h, z = small_graph()
    d = Dot(viz.draw(z, params={"w": w}).source)
    ops = sorted(label for label, attrs, _ in d.nodes.values() if attrs.get("shape") == "box" and "rounded" in attrs.get("style", ""))
    assert ops == ["add", "mul", "sum"]
    assert d.label(d.one("x")) == "x\n(2, 2) float32"
    assert d.label(d.one("w")) == "w\n(2,) float32"
    assert d.label(d.one("h")) == "h\n(2, 2) float32"
    assert d.label(d.one("scalar float32")) == "scalar float32"
    edges = d.named_edges()
    for edge in [("x", "mul"), ("w", "mul"), ("mul", "h"), ("h", "add"), ("add", "(2, 2) float32"),
                 ("(2, 2) float32", "sum"), ("sum", "scalar float32")]:
        assert edge in edges
    const = [i for i, (_, a, _) in d.nodes.items() if "dashed" in a.get("style", "")]
    assert len(const) == 1 and (const[0], d.ids("add")[0]) in d.edges
    assert len(d.edges) == 8  # 3 op->output, x, w -> mul, h, c -> add, add's output -> sum


def test_kinds_are_styled_apart():
    _x, w, _c, _h, z = small_graph()
    d = Dot(viz.draw(z, params={"w": w}).source)
    fill = {name: d.nodes[d.one(name)][1]["fillcolor"] for name in ("x", "w", "h", "scalar float32")}
    const = next(a for _, a, _ in d.nodes.values() if "dashed" in a.get("style", ""))
    colours = [fill["x"], fill["w"], fill["h"], fill["scalar float32"], const["fillcolor"]]
    assert len(set(colours)) == 5  # leaf, parameter, intermediate, output, constant


def test_parameter_names_from_module_and_multiple_outputs():
    class Holder:
        def __init__(self, w):
            self.w = w

        def named_parameters(self):
            return iter([("layer.weight", self.w)])

    _x, w, _c, h, z = small_graph()
    y2 = (h * 3).mean()
    d = Dot(viz.draw([z, y2], params=Holder(w)).source)
    assert d.ids("layer.weight")
    assert len(d.outputs()) == 2
    assert len(d.ids("h")) == 1  # shared intermediate drawn once


def test_backward_direction_reverses_edges_and_names_backward_functions():
    _x, _w, _c, _h, z = small_graph()
    d = Dot(viz.draw(z, direction="backward").source)
    edges = d.named_edges()
    assert ("MulBackward", "x") in edges and ("x", "MulBackward") not in edges
    assert ("scalar float32", "SumBackward") in edges
    assert d.ids("AddBackward") and not d.ids("add")


def test_show_constants_false_hides_data_inputs():
    _x, _w, _c, _h, z = small_graph()
    d = Dot(viz.draw(z, show_constants=False).source)
    assert not [a for _, a, _ in d.nodes.values() if "dashed" in a.get("style", "")]


def test_non_grad_root_and_leaf_root():
    c = Tensor([1.0, 2.0])
    d = Dot(viz.draw(c).source)
    assert list(d.nodes) == ["c0"] and d.label("c0") == "(2,) float32"
    w = Tensor([1.0], requires_grad=True)
    d = Dot(viz.draw(w).source)
    assert len(d.nodes) == 1 and not d.edges


def test_multi_output_function_gets_one_tensor_per_output():
    class Two(Function):
        """d(2x, 3x)/dx = (2, 3)"""

        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2 + gb * 3

    x = Tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(x)
    z = (a * b).sum()
    d = Dot(viz.draw(z).source)
    two = d.one("Two")
    outs = [dst for src, dst in d.edges if src == two]
    assert len(outs) == 2
    mul = d.one("mul")
    assert all((o, mul) in d.edges for o in outs)


def test_deep_graph_is_walked_without_recursion():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    h = x
    for _ in range(3000):
        h = h * 1.0
    d = Dot(viz.draw(h.sum()).source)
    assert len(d.ids("mul")) == 3000
    assert len(viz.backward_order([h])) == 3001


# ------------------------------------------------------------------------- values, saved
def test_show_values_small_values_large_summary_and_freed():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.name = "x"
    big = Tensor(np.arange(20, dtype=np.float32), requires_grad=True)
    big.name = "big"
    h = (x * 2).sum() + big.sum()
    d = Dot(viz.draw(h, show_values=True).source)
    assert d.label(d.one("x")) == "x\n(2, 2) float32\n[1, 2]\n[3, 4]"
    big_label = d.label(d.one("big"))
    assert "mean 9.5" in big_label and "min 0" in big_label and "max 19" in big_label
    mul_out = next(b for a, b in d.edges if a == d.one("mul"))
    assert d.label(mul_out).endswith("[2, 4]\n[6, 8]")
    assert d.label(d.outputs()[0]) == "scalar float32\n210"  # 2 * 10 + 190
    h.backward()
    d = Dot(viz.draw(h, show_values=2).source)
    mul_out = next(b for a, b in d.edges if a == d.one("mul"))
    assert d.label(mul_out).endswith("(freed)")
    assert "mean 2.5" in d.label(d.one("x"))  # 4 elements > 2: a summary


def test_format_values_reference():
    assert format_values(np.float32(1.5), 8) == "1.5"
    assert format_values(np.array([1, 2, 3]), 8) == "[1, 2, 3]"
    a = np.array([[0.0, 2.0], [4.0, 6.0]], dtype=np.float32)
    assert format_values(a, 3) == f"mean 3, std {np.std([0, 2, 4, 6]):.4g}\nmin 0, max 6"


def test_show_saved_lists_saved_arrays_and_keywords_then_freed():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    s = (x * x).sum(1)
    z = s.sum()
    d = Dot(viz.draw(z, show_saved=True).source)
    saved = {d.label(a): d.label(b) for a, b in d.edges if d.label(a).startswith("saved")}
    mul_saved = next(k for k, v in saved.items() if v == "mul")
    assert "input 0: (2, 3) float32" in mul_saved and "input 1: (2, 3) float32" in mul_saved
    assert "output: (2, 3) float32" in mul_saved
    assert "48 B" in mul_saved  # x * x saves x once: x and the output, 24 B each
    sum_saved = [k for k, v in saved.items() if v == "sum"]
    assert any("axis=1" in k for k in sum_saved)
    z.backward()
    d = Dot(viz.draw(z, show_saved=True).source)
    assert all("freed" in d.label(i) for i in d.nodes if d.label(i).startswith("saved"))


# ------------------------------------------------------------------------- gradient norms
def test_record_grads_norms_match_closed_form_and_colour_edges():
    x, w, _c, h, z = small_graph()
    with viz.record_grads(z) as rec:
        z.backward()
    # z = sum(x * w + c): dz/dh = 1, dz/dx = w broadcast, dz/dw = column sums of x
    assert rec.norm(h) == pytest.approx(2.0)
    assert rec.norm(x) == pytest.approx(math.sqrt(2 * (0.25 + 1.0)))
    assert rec.norm(w) == pytest.approx(math.sqrt(4.0**2 + 6.0**2))
    assert rec.norm(z) == pytest.approx(1.0)
    d = Dot(viz.draw(z, grads=rec, params={"w": w}).source)
    x_id, mul = d.one("x"), d.one("mul")
    assert d.edges[(x_id, mul)]["color"] == grad_color(math.sqrt(2.5), 1e-4, 1e4)
    assert "|grad| 1.58" in d.label(x_id)
    assert "|grad| 7.21" in d.label(d.one("w"))
    assert "legend" in d.nodes and "recorded during backward" in viz.draw(z, grads=rec).source
    # found without passing it, as the latest record of this graph
    assert Dot(viz.draw(z).source).edges[(x_id, mul)]["color"] == d.edges[(x_id, mul)]["color"]


def test_record_keeps_constants_and_names_for_pictures_after_backward():
    _x, _w, _c, _h, z = small_graph()
    with viz.record_grads(z):
        z.backward()
    d = Dot(viz.draw(z, show_values=True).source)
    assert d.label(d.one("h")) == "h\n(2, 2) float32\n(freed)\n|grad| 2"  # name kept
    const = [i for i, (_, a, _) in d.nodes.items() if "dashed" in a.get("style", "")]
    assert len(const) == 1 and d.label(const[0]).endswith("[1, 1]\n[1, 1]")
    assert (const[0], d.one("add")) in d.edges
    _x2, _w2, _c2, _h2, z2 = small_graph()
    z2.backward()
    assert not Dot(viz.draw(z2).source).ids("h")  # without a record both are gone


def test_record_grads_removes_its_hooks():
    x, _w, _c, _h, z = small_graph()
    with viz.record_grads(z) as rec:
        z.backward(retain_graph=True)
    nodes = [k for k in viz.backward_order([z]) if isinstance(k, autograd.Node)]
    assert all(n.hooks is None for n in nodes)
    assert not getattr(x, "_hooks", None)
    before = dict(rec.norms)
    (z * 10).backward()
    assert rec.norms == before


@pytest.mark.parametrize("make", ["diamond", "shared_leaf", "two_outputs"])
def test_backward_order_equals_the_engines_order(make):
    autograd.manual_seed(1)
    x = autograd.randn(3, requires_grad=True)
    y = autograd.randn(3, requires_grad=True)
    if make == "diamond":
        a = x.sin()
        roots = [(a * a + a.exp() * y).sum()]
    elif make == "shared_leaf":
        roots = [((x * y).tanh() + (x + y) * x - y.exp()).sum()]
    else:
        b = x * y
        roots = [(b.sin()).sum(), (b * b + x).mean()]
    with viz.record_grads(roots) as rec:
        autograd.grad(roots, [x, y])
    assert rec.order == viz.backward_order(roots)


def test_show_grads_recomputes_on_retained_graph_without_side_effects():
    x, w, _c, h, z = small_graph()
    calls = []
    h.register_hook(lambda g: calls.append(1))
    h.retain_grad()
    d = Dot(viz.draw(z, show_grads=True).source)
    assert "|grad| 1.58" in d.label(d.one("x"))
    assert "|grad| 2" in d.label(d.one("h"))
    assert calls == [] and h.grad is None and x.grad is None and w.grad is None
    z.backward()
    assert calls == [1] and h.grad is not None  # the user's hook and retain_grad still work
    assert np.allclose(x.grad._data, [[0.5, -1.0], [0.5, -1.0]])


def test_show_grads_after_plain_backward_uses_leaf_grads_only():
    _x, _w, _c, _h, z = small_graph()
    z.backward()
    source = viz.draw(z, show_grads=True).source
    d = Dot(source)
    assert "|grad| 1.58" in d.label(d.one("x"))
    mul_out = next(b for a, b in d.edges if a == d.one("mul"))
    assert d.label(mul_out) == "(2, 2) float32"  # no norm (and no name: its consumer freed it)
    assert "leaf .grad only" in source


def test_forward_only_draws_no_gradients():
    _x, _w, _c, _h, z = small_graph()
    with viz.record_grads(z):
        z.backward()
    source = viz.draw(z, forward_only=True).source
    assert "|grad|" not in source and "legend" not in source
    for bad in ({"show_grads": True}, {"show_saved": True}, {"direction": "backward"}):
        with pytest.raises(ValueError, match="forward_only"):
            viz.draw(z, forward_only=True, **bad)


def test_sigmoid_chain_vanishes_relu_chain_does_not():
    x = Tensor(np.full(4, 0.5, dtype=np.float32), requires_grad=True)
    h = x
    for _ in range(10):
        h = h.sigmoid()
    loss = h.sum()
    with viz.record_grads(loss) as rec:
        loss.backward()
    nodes = [k for k in rec.order if isinstance(k, autograd.Node) and k.op.name == "sigmoid"]
    norms = [rec.norms[(n, 0)] for n in nodes]
    # each sigmoid multiplies the gradient by sigmoid' <= 1/4
    assert all(b <= a * 0.25 + 1e-12 for a, b in itertools.pairwise(norms))
    assert rec.norm(x) < 0.25**10 * 2 + 1e-12
    d = Dot(viz.draw(loss, grads=rec, params={"x": x}).source)
    first = next(b for a, b in d.edges if a == d.one("x"))
    assert d.edges[(d.one("x"), first)]["color"] == GRAD_STOPS[0]  # vanished: the darkest blue
    r = Tensor(np.full(4, 0.5, dtype=np.float32), requires_grad=True)
    g = r
    for _ in range(10):
        g = g.relu()
    loss = g.sum()
    with viz.record_grads(loss) as rec:
        loss.backward()
    assert {round(v, 6) for v in rec.norms.values()} == {1.0, 2.0}  # sum's input: ||ones(4)|| = 2


def test_grad_colour_scale():
    assert grad_color(1e-4, 1e-4, 1e4) == GRAD_STOPS[0]
    assert grad_color(1e-9, 1e-4, 1e4) == GRAD_STOPS[0]
    assert grad_color(1.0, 1e-4, 1e4) == GRAD_STOPS[2]
    assert grad_color(1e4, 1e-4, 1e4) == GRAD_STOPS[-1]
    assert grad_color(0.0, 1e-4, 1e4) == NO_GRAD_COLOR
    assert grad_color(float("nan"), 1e-4, 1e4) != grad_color(1e4, 1e-4, 1e4)
    assert [grad_color(10.0**e, 1e-4, 1e4) for e in (-2, 2)] == [GRAD_STOPS[1], GRAD_STOPS[3]]
    # halfway (in log10) between two stops: the average of their RGB values
    a, b = GRAD_STOPS[0], GRAD_STOPS[1]
    mid = [round((int(a[i:i + 2], 16) + int(b[i:i + 2], 16)) / 2) for i in (1, 3, 5)]
    assert grad_color(1e-3, 1e-4, 1e4) == "#" + "".join(f"{c:02x}" for c in mid)
    assert grad_color(1.0, 1e-2, 1e6) == GRAD_STOPS[1]  # the range moves the scale


# ------------------------------------------------------------------------- modules
class _Handle:
    def __init__(self, hooks, fn):
        self.hooks, self.fn = hooks, fn

    def remove(self):
        self.hooks.remove(self.fn)


class Mod:
    """A duck-typed module (named_children, named_parameters, forward hooks), not nn.Module."""

    def __init__(self):
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_hooks", [])

    def __setattr__(self, k, v):
        if isinstance(v, Mod):
            self._children[k] = v
        elif isinstance(v, Tensor):
            (self._params if v.requires_grad else self._buffers)[k] = v
        object.__setattr__(self, k, v)

    def named_children(self):
        return list(self._children.items())

    def named_parameters(self, prefix=""):
        yield from ((prefix + k, p) for k, p in self._params.items())
        for k, c in self._children.items():
            yield from c.named_parameters(prefix + k + ".")

    def named_buffers(self, prefix=""):
        yield from ((prefix + k, b) for k, b in self._buffers.items())
        for k, c in self._children.items():
            yield from c.named_buffers(prefix + k + ".")

    def register_forward_hook(self, fn):
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def __call__(self, *args):
        out = self.forward(*args)
        for hook in list(self._hooks):
            hook(self, args, out)
        return out


class Lin(Mod):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = autograd.randn(n_out, n_in, requires_grad=True)
        self.bias = autograd.zeros(n_out, requires_grad=True)

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Block(Mod):
    def __init__(self, n):
        super().__init__()
        self.fc1 = Lin(n, n)
        self.fc2 = Lin(n, n)
        self.scale = Tensor(np.full(n, 0.5, dtype=np.float32))

    def forward(self, x):
        return self.fc2(self.fc1(x).relu()) * self.scale + x


class Net(Mod):
    def __init__(self, n):
        super().__init__()
        self.b0 = Block(n)
        self.b1 = Block(n)
        self.head = Lin(n, 1)

    def forward(self, x):
        return self.head(self.b1(self.b0(x)).tanh())


def traced_net():
    autograd.manual_seed(0)
    net = Net(3)
    x = autograd.randn(2, 3)
    with viz.trace_modules(net) as trace:
        loss = net(x).pow(2).mean()
    return net, trace, loss


def test_trace_modules_owns_each_op_by_its_deepest_module():
    net, trace, loss = traced_net()
    owners = {}
    for node, path in trace.owner.items():
        owners.setdefault(path, []).append(node.op.name)
    assert sorted(owners["b0.fc1"]) == ["add", "matmul", "permute"]
    assert sorted(owners["b1"]) == ["add", "mul", "relu"]  # relu, * scale, + x: the block's own
    assert owners[""] == ["tanh"]
    assert all(not h for m in (net, net.b0, net.b0.fc1) for h in [m._hooks])  # hooks removed
    nodes = [k for k in viz.backward_order([loss]) if isinstance(k, autograd.Node)]
    assert {n.op.name for n in nodes if n not in trace.owner} == {"mean", "pow"}


def test_clusters_nest_by_module_path():
    _net, trace, loss = traced_net()
    d = Dot(viz.draw(loss, modules=trace).source)
    assert d.cluster(d.one("b0.fc1.weight")) == ("b0 (Block)", "b0.fc1 (Lin)")
    assert d.cluster(d.one("b1.scale")) == ("b1 (Block)",)  # a buffer sits in its module
    for op_id in d.ids("relu"):
        assert len(d.cluster(op_id)) == 1
    assert all(d.cluster(i) == () for i in d.ids("mean") + d.ids("tanh"))
    matmuls = d.ids("matmul")
    assert sorted(d.cluster(i)[-1] for i in matmuls) == ["b0.fc1 (Lin)", "b0.fc2 (Lin)", "b1.fc1 (Lin)",
                                                         "b1.fc2 (Lin)", "head (Lin)"]


def test_collapse_depth_draws_modules_as_boxes():
    _net, trace, loss = traced_net()
    d = Dot(viz.draw(loss, modules=trace, collapse_depth=1).source)
    boxes = {d.label(i).split("\n")[0]: d.label(i) for i, (_, a, _) in d.nodes.items() if a.get("shape") == "box3d"}
    assert set(boxes) == {"b0 (Block)", "b1 (Block)", "head (Lin)"}
    # fc1 and fc2 (permute, matmul, add each), relu, * scale, + x; 2 * (9 + 3) parameters
    assert "9 ops" in boxes["b0 (Block)"] and "24 parameters" in boxes["b0 (Block)"]
    assert "3 ops" in boxes["head (Lin)"] and "4 parameters" in boxes["head (Lin)"]
    assert not d.ids("matmul") and not d.ids("relu") and not d.ids("b0.fc1.weight")
    edges = d.named_edges()
    assert ("b0 (Block)", "b1 (Block)") in edges and ("b1 (Block)", "tanh") in edges
    assert ("(2, 3) float32", "head (Lin)") in edges
    d2 = Dot(viz.draw(loss, modules=trace, collapse_depth=2).source)
    boxes2 = [d2.label(i).split("\n")[0] for i, (_, a, _) in d2.nodes.items() if a.get("shape") == "box3d"]
    assert sorted(boxes2) == ["b0.fc1 (Lin)", "b0.fc2 (Lin)", "b1.fc1 (Lin)", "b1.fc2 (Lin)"]
    assert all(d2.cluster(i) for i in d2.ids("b0.fc1 (Lin)"))
    assert len(d2.ids("relu")) == 2 and d2.ids("head.weight")


def test_clusters_inferred_from_parameters():
    net, _, loss = traced_net()
    d = Dot(viz.draw(loss, params=net, cluster=True).source)
    for op_id in d.ids("matmul") + d.ids("permute"):
        assert d.cluster(op_id)[-1].endswith("(Lin)")  # matmul: between W.T and + b
    assert d.cluster(d.one("head.bias")) == ("head (Lin)",)
    assert all(d.cluster(i) == () for i in d.ids("tanh"))


def test_collapse_with_recorded_grads_colours_box_edges():
    _net, trace, loss = traced_net()
    with viz.record_grads(loss) as rec:
        loss.backward()
    d = Dot(viz.draw(loss, modules=trace, grads=rec, collapse_depth=1).source)
    b1 = d.one("b1 (Block)")
    tanh = d.one("tanh")
    assert d.edges[(b1, tanh)]["color"].startswith("#") and d.edges[(b1, tanh)]["penwidth"] == "2"


def test_trace_modules_with_nn():
    nn = pytest.importorskip("nn")
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Linear(4, 2))
    x = autograd.randn(5, 3)
    with viz.trace_modules(model) as trace:
        loss = model(x).pow(2).mean()
    assert not any(m._forward_hooks for m in model.modules())
    d = Dot(viz.draw(loss, modules=trace).source)
    assert d.cluster(d.one("0.0.weight")) == ("0 (Sequential)", "0.0 (Linear)")
    assert d.cluster(d.one("relu")) == ("0 (Sequential)", "0.1 (ReLU)")
    assert d.cluster(d.one("1.bias")) == ("1 (Linear)",)
    c = Dot(viz.draw(loss, modules=trace, collapse_depth=1).source)
    boxes = sorted(c.label(i).split("\n")[0] for i, (_, a, _) in c.nodes.items() if a.get("shape") == "box3d")
    assert boxes == ["0 (Sequential)", "1 (Linear)"]
    assert ("0 (Sequential)", "1 (Linear)") in c.named_edges()


# ------------------------------------------------------------------------- errors
def test_bad_arguments_raise_clear_errors():
    _x, w, _c, _h, z = small_graph()
    with pytest.raises(TypeError, match=r"viz\.draw: expected a Tensor"):
        viz.draw(3)
    with pytest.raises(TypeError, match="non-empty"):
        viz.draw([])
    with pytest.raises(TypeError, match="params must be a Module"):
        viz.draw(z, params=[w])
    with pytest.raises(TypeError, match=r"params\['w'\] should be a Tensor"):
        viz.draw(z, params={"w": 1.0})
    with pytest.raises(ValueError, match="direction must be"):
        viz.draw(z, direction="up")
    with pytest.raises(ValueError, match="collapse_depth must be"):
        viz.draw(z, collapse_depth=-1)
    with pytest.raises(ValueError, match="need module information"):
        viz.draw(z, collapse_depth=1)
    with pytest.raises(ValueError, match="need module information"):
        viz.draw(z, cluster=True)
    with pytest.raises(TypeError, match="GradRecord"):
        viz.draw(z, grads={"x": 1.0})
    with pytest.raises(TypeError, match="ModuleTrace"):
        viz.draw(z, modules={"a": 1})
    with pytest.raises(ValueError, match="grad_range"):
        viz.draw(z, grad_range=(1.0, 0.1))
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(z, rankdir="XY")
    with pytest.raises(ValueError, match="show_values"):
        viz.draw(z, show_values=-1)
    with pytest.raises(TypeError, match=r"viz\.trace_modules: expected an nn\.Module"):
        viz.trace_modules(object())
    with pytest.raises(TypeError, match=r"viz\.record_grads"):
        viz.record_grads("loss")


# ------------------------------------------------------------------------- rendering
def test_returns_a_graphviz_digraph_with_options():
    _x, _w, _c, _h, z = small_graph()
    d = viz.draw(z, rankdir="LR")
    assert isinstance(d, graphviz.Digraph)
    assert "rankdir=LR" in d.source


def test_notebook_fallback_without_dot(monkeypatch):
    _x, _w, _c, _h, z = small_graph()
    d = viz.draw(z)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Digraph._repr_mimebundle_(d)  # what plain graphviz does: a traceback
    bundle = d._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    text = bundle["text/plain"]
    assert text.splitlines()[0] == viz.INSTALL_HINT
    assert "digraph autograd_graph {" in text and "mul" in text


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_svg_rendering_with_dot(tmp_path):
    _x, w, _c, _h, z = small_graph()
    d = viz.draw(z, params={"w": w}, show_values=True)
    svg = d.pipe(format="svg", encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "mul" in svg
    assert "image/svg+xml" in d._repr_mimebundle_()
    path = d.render(tmp_path / "graph", format="svg")
    assert (tmp_path / "graph.svg").exists() and str(path).endswith(".svg")
    _net, trace, loss = traced_net()
    with viz.record_grads(loss) as rec:
        loss.backward()
    svg = viz.draw(loss, modules=trace, grads=rec, collapse_depth=1).pipe(format="svg", encoding="utf-8")
    assert "b0 (Block)" in svg


def test_resnet18_collapses_to_one_box_per_top_module():
    nn = pytest.importorskip("nn")
    if not hasattr(nn.models, "resnet18"):
        pytest.skip("nn.models.resnet18 not available")
    autograd.manual_seed(0)
    model = nn.models.resnet18(num_classes=10)
    with viz.trace_modules(model) as trace:
        loss = model(autograd.randn(2, 3, 32, 32)).sum()
    d = Dot(viz.draw(loss, modules=trace, collapse_depth=1).source)
    boxes = {d.label(i).split("\n")[0]: d.label(i) for i, (_, a, _) in d.nodes.items() if a.get("shape") == "box3d"}
    assert set(boxes) == {
        "conv1 (Conv2d)", "bn1 (BatchNorm2d)", "relu (ReLU)", "maxpool (MaxPool2d)", "layer1 (Sequential)",
        "layer2 (Sequential)", "layer3 (Sequential)", "layer4 (Sequential)", "avgpool (AdaptiveAvgPool2d)",
        "fc (Linear)",
    }
    counted = sum(int(m.group(1).replace(",", "")) for label in boxes.values()
                  for m in [re.search(r"\n([\d,]+) parameters", label)] if m)
    assert counted == sum(p._data.size for p in model.parameters())  # every parameter, once
    chain = ["conv1 (Conv2d)", "bn1 (BatchNorm2d)", "relu (ReLU)", "maxpool (MaxPool2d)",
             "layer1 (Sequential)", "layer2 (Sequential)", "layer3 (Sequential)", "layer4 (Sequential)",
             "avgpool (AdaptiveAvgPool2d)"]
    edges = d.named_edges()
    assert all(pair in edges for pair in itertools.pairwise(chain))
    assert len(d.nodes) < 30  # from ~400 op and tensor nodes
