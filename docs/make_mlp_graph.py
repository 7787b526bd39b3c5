"""Make the pictures in docs/viz.md: an MLP's graph with gradient norms, and sigmoid vs ReLU.

    PYTHONPATH=. python docs/make_mlp_graph.py      # needs Graphviz's `dot` on PATH
"""

from __future__ import annotations

from pathlib import Path

import autograd
import nn
from autograd import viz

HERE = Path(__file__).resolve().parent


def mlp_graph() -> viz.Digraph:
    """A 4-8-3 MLP on a batch of 16, cross-entropy loss: modules traced, gradient norms recorded."""
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = autograd.randn(16, 4)
    y = autograd.randint(0, 3, (16,))
    with viz.trace_modules(model) as trace:
        loss = nn.functional.cross_entropy(model(x), y)
    with viz.record_grads(loss) as rec:
        loss.backward()
    return viz.draw(loss, modules=trace, grads=rec)


def deep_chain(activation: str, depth: int = 6) -> viz.Digraph:
    """`depth` layers of Linear + activation, each with the init made for it (Xavier for sigmoid,
    He for ReLU), modules collapsed to boxes: the sigmoid net's gradients still fade by >= 4x per
    layer (sigmoid' <= 1/4), the ReLU net's keep their size."""
    autograd.manual_seed(0)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(64, 64)
        if activation == "sigmoid":
            nn.init.xavier_normal_(linear.weight)
            layers += [linear, nn.Sigmoid()]
        else:
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
            layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(64, 1))
    loss = model(autograd.randn(32, 64)).pow(2).mean()
    with viz.record_grads(loss) as rec:
        loss.backward()
    return viz.draw(loss, params=model, grads=rec, collapse_depth=1)


def main() -> None:
    (HERE / "mlp_graph.svg").write_text(mlp_graph().pipe(format="svg", encoding="utf-8"))
    for activation in ("sigmoid", "relu"):
        svg = deep_chain(activation).pipe(format="svg", encoding="utf-8")
        (HERE / f"deep_{activation}_graph.svg").write_text(svg)


if __name__ == "__main__":
    main()
