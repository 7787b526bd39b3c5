"""`explain(loss)`: the chain-rule steps of a backward, as a table (notebook) or text (terminal).

Each row is one step of reverse mode, in the engine's order (op nodes newest first, a reverse
topological order from the output, then the leaves): the gradient that reached a node's output
(its shape and norm) is multiplied by the node's local derivative (the op's formula) and sent on
to the node's inputs. Leaves end the chain: their rows say the gradient is accumulated into
`.grad`.

    loss = ((x @ W1 + b1).relu() @ W2 + b2 - y).pow(2).mean()
    print(autograd.explain(loss))
"""

from __future__ import annotations

import html
import shutil
import textwrap
from dataclasses import asdict, dataclass

from .node import Node
from .viz.grads import resolve_norms
from .viz.graph import GraphView, edge_step, tensor_key
from .viz.style import format_norm, format_shape

COLUMNS = ("step", "node", "local derivative", "grad shape", "|grad|", "feeds")
WRAPPED_COLUMN = 2  # the local derivative: the widest cell, and the one that reads well wrapped
MIN_WRAP = 24


@dataclass(frozen=True)
class Step:
    """One chain-rule step: upstream gradient (shape, norm) times `formula`, sent to `feeds`.

    Attributes:
        step: position in the backward, from 1.
        node: backward function name (``MulBackward``), or ``AccumulateGrad`` for a leaf.
        op: the forward op (``mul``), or ``leaf``.
        tensor: the name of the tensor whose gradient arrives ("" when it has none).
        formula: the local derivative as text (``d(x * y)/dx = y, d(x * y)/dy = x``).
        grad_shape: shape of the gradient arriving (= the output's shape; a tuple of shapes for a
            multi-output Function).
        grad_norm: sqrt(sum(g^2)) of that gradient, or None when not known.
        feeds: where the step sends gradients: later steps (``#4 MatmulBackward``) or ``W.grad``.
    """

    step: int
    node: str
    op: str
    tensor: str
    formula: str
    grad_shape: tuple
    grad_norm: float | None
    feeds: tuple[str, ...]


class Explanation:
    """The chain-rule steps of one backward; prints as text, shows as a table in a notebook.

    Attributes:
        rows: the `Step`s in the engine's order.
        norms_source: where the gradient norms come from (recorded, recomputed, leaf .grad, none).
    """

    def __init__(self, rows: list[Step], norms_source: str, title: str) -> None:
        self.rows = rows
        self.norms_source = norms_source
        self.title = title

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    def to_dicts(self) -> list[dict]:
        """The rows as plain dicts (e.g. for ``pandas.DataFrame(expl.to_dicts())``)."""
        return [asdict(r) for r in self.rows]

    def _cells(self, r: Step) -> list[str]:
        return [
            str(r.step),
            r.node + (f" ({r.tensor})" if r.tensor else ""),
            r.formula,
            _shape_text(r.grad_shape),
            format_norm(r.grad_norm),
            ", ".join(r.feeds) if r.feeds else "-",
        ]

    def _header(self) -> str:
        return f"{self.title}\ngradient norms: {self.norms_source}"

    def to_text(self, width: int | None = None) -> str:
        """The table as text, at most `width` columns wide where it can (default: the terminal's
        width): the local-derivative and feeds columns wrap onto continuation lines."""
        if width is None:
            width = shutil.get_terminal_size((100, 24)).columns
        table = [list(COLUMNS)] + [self._cells(r) for r in self.rows]
        widths = [max(len(row[j]) for row in table) for j in range(len(COLUMNS))]
        for j in (WRAPPED_COLUMN, len(COLUMNS) - 1):  # the formula first, then the feeds
            excess = sum(widths) + 2 * (len(widths) - 1) - width
            if excess > 0:
                widths[j] = max(len(COLUMNS[j]), MIN_WRAP, widths[j] - excess)
        lines = [self._header()]
        for n, row in enumerate(table):
            parts = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(row, widths)]
            for k in range(max(len(p) for p in parts)):
                cells = [p[k] if k < len(p) else "" for p in parts]
                lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        """A Markdown table (``|`` in formulas escaped)."""
        head = self._header().replace("\n", "  \n")
        rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        for r in self.rows:
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in self._cells(r)) + " |")
        return head + "\n\n" + "\n".join(rows)

    def _repr_html_(self) -> str:
        """An HTML table with the title and the source of the norms as its caption."""
        caption = html.escape(self._header()).replace("\n", "<br>")
        head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in self._cells(r)) + "</tr>"
            for r in self.rows
        )
        return (
            f"<table><caption style='text-align:left'>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def explain(tensors, *, grads=None, params=None, compute: bool = True) -> Explanation:
    """The chain-rule steps of the backward from `tensors`, in the engine's order.

    Args:
        tensors: the output (e.g. a scalar loss) or a sequence of outputs.
        grads: a `viz.GradRecord` from ``with viz.record_grads(loss) as rec: loss.backward()``;
            by default the latest record made for this graph is used.
        params: an `nn.Module` or a dict name -> Tensor, to name parameters in the table.
        compute: with no record, run a backward of our own on a graph kept by
            ``retain_graph=True`` (or not yet backpropagated) to get every gradient norm; it
            writes no `.grad` and pauses user hooks. False: use only leaf `.grad` norms.
    Returns:
        An `Explanation`: ``print()`` it, show it in a notebook, or read ``.rows``.
    """
    view = GraphView(tensors, params, "autograd.explain")
    if not view.order:
        raise ValueError(
            "autograd.explain: no output requires grad, so there is no backward to explain "
            "(create the inputs with requires_grad=True, outside no_grad())"
        )
    norms, source, record = resolve_norms(view.roots, view.order, grads, compute=compute)
    view.use_record(record)
    rows = [_row(view, key, n + 1, norms) for n, key in enumerate(view.order)]
    names = [view.name(tensor_key(r)) for r in view.roots]
    what = ", ".join(n or f"{format_shape(r.shape)} tensor" for n, r in zip(names, view.roots))
    title = (
        f"backward of {what}: {len(rows)} steps in the engine's order "
        "(op nodes newest first, then the leaves)"
    )
    return Explanation(rows, source, title)


def _row(view: GraphView, key, step: int, norms: dict) -> Step:
    if type(key) is not Node:
        name = view.name(key) or ""
        return Step(
            step, "AccumulateGrad", "leaf", name, "x.grad += g", tuple(key.shape),
            norms.get(key), (f"{name}.grad" if name else ".grad",),
        )
    n_out = key.n_out
    tkeys = [(key, k) for k in range(n_out)]
    shapes = [view.shape_dtype(t)[0] for t in tkeys]
    found = [norms[t] for t in tkeys if t in norms]
    norm = None if not found else (sum(v * v for v in found) ** 0.5)
    feeds = tuple(dict.fromkeys(view.step_label(edge_step(e)) for e in key.edges if e is not None))
    formula = getattr(key.op, "formula", "") or "(no formula recorded for this op)"
    return Step(
        step, key.name(), key.op.name, view.name(tkeys[0]) or "", formula,
        tuple(shapes[0]) if n_out == 1 else tuple(tuple(s) for s in shapes), norm, feeds,
    )


def _shape_text(shape: tuple) -> str:
    if shape and all(isinstance(s, tuple) for s in shape):
        return ", ".join(format_shape(s) for s in shape)
    return format_shape(shape)
