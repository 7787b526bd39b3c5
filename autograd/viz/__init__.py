"""Pictures of the recorded graph: `draw` (graphviz), with gradient norms and module clusters.

    from autograd import viz
    with viz.trace_modules(model) as trace:      # optional: which module made which op
        loss = loss_fn(model(x), y)
    with viz.record_grads(loss) as rec:          # optional: gradient norms of every tensor
        loss.backward()
    viz.draw(loss, modules=trace, grads=rec)     # shows itself in a notebook cell

See `autograd.explain` for the same graph as a table of chain-rule steps.
"""

from __future__ import annotations

from .draw import draw
from .grads import GradRecord, record_grads
from .graph import backward_order
from .modules import ModuleTrace, trace_modules


def __getattr__(name):
    # the picture class needs the graphviz package: load it on first use, not with `autograd`
    if name in ("Digraph", "INSTALL_HINT"):
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INSTALL_HINT",
    "Digraph",
    "GradRecord",
    "ModuleTrace",
    "backward_order",
    "draw",
    "record_grads",
    "trace_modules",
]
