"""`draw`: a graphviz picture of the graph that produced some tensors.

Op nodes are boxes, tensors ellipses (intermediates) or boxes (leaves: parameters blue, other
leaves that require grad yellow, constants dashed grey), outputs green. The graph is walked
iteratively once and each picture element emitted once, so a 10,000-op graph gives its DOT text
in well under two seconds (benchmarks/viz_bench.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..node import Node
from ..tensor import Tensor
from .grads import GradRecord, recorded_for, resolve_norms
from .graph import FreedInput, GraphView, edge_tensor_key, tensor_key
from .layout import Layout, node_line, quoted, row_line
from .modules import ModuleTrace, infer_owners, module_of, named_modules, split_calls
from .style import (
    NO_GRAD_COLOR,
    STYLES,
    dot_text,
    dtype_name,
    format_norm,
    format_shape,
    format_values,
    grad_color,
    legend_label,
    saved_lines,
)

if TYPE_CHECKING:
    from .render import Digraph

DEFAULT_MAX_VALUES = 8


def draw(
    tensors,
    *,
    params=None,
    modules: ModuleTrace | None = None,
    grads: GradRecord | None = None,
    show_grads: bool | None = None,
    show_saved: bool = False,
    show_values: bool | int = False,
    show_constants: bool = True,
    cluster: bool | None = None,
    collapse_depth: int | None = None,
    direction: str = "forward",
    forward_only: bool = False,
    grad_range: tuple[float, float] = (1e-4, 1e4),
    rankdir: str = "TB",
) -> Digraph:
    """Draw the graph that produced `tensors` as a `graphviz.Digraph` (shows itself in a notebook).

    Args:
        tensors: a Tensor or a sequence of Tensors (e.g. the loss, or several outputs).
        params: an `nn.Module` (anything with `named_parameters()`) or a dict name -> Tensor;
            parameters are then labelled by their path (``layer1.0.conv1.weight``).
        modules: a `ModuleTrace` from ``with viz.trace_modules(model) as trace: ...``; gives
            module clusters (and parameter names, when `params` is not given).
        grads: a `GradRecord` from ``with viz.record_grads(loss) as rec: loss.backward()``.
        show_grads: label tensors with their gradient norm and colour edges by it on a log scale.
            None (default): when a record exists. True: also without one, from a backward of our
            own if the graph was kept (``retain_graph=True``), else from the leaves' `.grad`.
        show_saved: attach to each op what it saved for backward (inputs, output, keyword args).
        show_values: show values of tensors up to 8 elements (or up to this many, if an int) and
            a mean/std/min/max summary of larger ones.
        show_constants: draw inputs that need no gradient (data, masks, indices) where known.
        cluster: group ops by module in boxes. None: when `modules` is given. True with only
            `params`: modules inferred from the parameters each op reads.
        collapse_depth: draw each module at this depth (1 = ``layer1``, 2 = ``layer1.0``) as a
            single box hiding its ops, so big models stay readable.
        direction: "forward" (arrows follow the data) or "backward" (arrows follow the gradient,
            ops named as backward functions).
        forward_only: a picture of the computation alone: no gradient norms or saved values.
        grad_range: norms at or below `low` take the "vanishing" colour, at or above `high` the
            "exploding" one; 1 sits in the middle by default.
        rankdir: Graphviz layout direction, "TB" (top to bottom) or "LR", "BT", "RL".
    Returns:
        A `viz.Digraph` (a `graphviz.Digraph`): ``.source`` is the DOT text; ``.render()`` and
        ``.pipe(format="svg")`` need the Graphviz `dot` program.
    """
    _check_options(direction, forward_only, show_grads, grads, show_saved, modules,
                   collapse_depth, grad_range, rankdir, show_values, cluster)
    if params is None and modules is not None:
        params = modules
    view = GraphView(tensors, params, "viz.draw")
    norms, source = None, None
    view.use_record(grads or recorded_for(view.roots))
    if not forward_only and show_grads is not False:
        if show_grads or grads is not None or recorded_for(view.roots) is not None:
            norms, source, _ = resolve_norms(view.roots, view.order, grads, compute=True)
    owner, types = split_calls(view.order, *_owners(view, params, modules, cluster, collapse_depth))
    use_clusters = cluster if cluster is not None else (modules is not None or collapse_depth is not None)
    max_values = DEFAULT_MAX_VALUES if show_values is True else int(show_values)
    builder = _Builder(view, norms, owner, types, use_clusters, collapse_depth, direction,
                       grad_range, max_values)
    builder.emit_graph(show_saved and not forward_only, show_constants)
    return builder.assemble(rankdir, source)


def _check_options(direction, forward_only, show_grads, grads, show_saved, modules,
                   collapse_depth, grad_range, rankdir, show_values, cluster) -> None:
    if direction not in ("forward", "backward"):
        raise ValueError(f"viz.draw: direction must be 'forward' or 'backward', got {direction!r}")
    if forward_only and (direction == "backward" or show_grads or grads is not None or show_saved):
        raise ValueError(
            "viz.draw: forward_only=True draws the computation alone; it cannot be combined with "
            "direction='backward', show_grads, grads or show_saved"
        )
    if grads is not None and not isinstance(grads, GradRecord):
        raise TypeError(f"viz.draw: grads must be a GradRecord from viz.record_grads, got {type(grads).__name__}")
    if modules is not None and not isinstance(modules, ModuleTrace):
        raise TypeError(f"viz.draw: modules must be a ModuleTrace from viz.trace_modules, got {type(modules).__name__}")
    if collapse_depth is not None and (isinstance(collapse_depth, bool) or not isinstance(collapse_depth, int) or collapse_depth < 0):
        raise ValueError(f"viz.draw: collapse_depth must be None or an int >= 0, got {collapse_depth!r}")
    low, high = grad_range
    if not 0 < low < high:
        raise ValueError(f"viz.draw: grad_range must be (low, high) with 0 < low < high, got {grad_range!r}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"viz.draw: rankdir must be one of 'TB', 'LR', 'BT', 'RL', got {rankdir!r}")
    if not isinstance(show_values, (bool, int)) or show_values < 0:
        raise ValueError(f"viz.draw: show_values must be a bool or an int >= 0, got {show_values!r}")
    if cluster not in (None, True, False):
        raise ValueError(f"viz.draw: cluster must be None, True or False, got {cluster!r}")


def _owners(view: GraphView, params, modules, cluster, collapse_depth):
    """Op node -> module path, and module path -> class name, from a trace or the parameters."""
    if modules is not None:
        return modules.owner, modules.types
    if not cluster and collapse_depth is None:
        return {}, {}
    if not view.param_names:
        raise ValueError(
            "viz.draw: clusters and collapse_depth need module information: pass "
            "modules=<viz.trace_modules(model) trace> or params=model"
        )
    types = {}
    if params is not None and not isinstance(params, dict):
        types = {path: type(m).__name__ for path, m in named_modules(params)}
    return infer_owners(view.order, view.param_names), types


class _Builder(Layout):
    """Turns a `GraphView` into DOT statements, grouped by module cluster."""

    def __init__(self, view, norms, owner, types, use_clusters, collapse_depth, direction,
                 grad_range, max_values) -> None:
        self.view = view
        self.norms = norms
        self.owner = owner
        self.types = types
        self.use_clusters = use_clusters
        self.depth = collapse_depth
        self.backward = direction == "backward"
        self.grad_range = grad_range
        self.max_values = max_values
        self.nodes: dict = {}  # container path (None = top level) -> [(id, label, attrs)]
        self.edges: dict = {}  # (src, dst) -> attrs, first writer wins
        self.redirect: dict = {}  # DOT id hidden inside a collapsed module -> the module's box id
        self.groups: dict = {}  # collapsed module path -> [box id, op count, parameter count]
        self.const_ids: dict = {}
        self.inputs_of: dict = {}  # op id -> ids of what feeds it, in argument order (forward sense)
        self.degree: dict = {}  # DOT id -> number of edges at it

    # ----------------------------------------------------------------- placement
    def place(self, dot_id: str, path, label: str, attrs: dict, kind: str = "") -> None:
        """Put a DOT node in its module's cluster, or hide it in its collapsed module's box."""
        group = self.group_of(path)
        if group is not None:
            entry = self.groups.get(group)
            if entry is None:
                entry = self.groups[group] = [f"m{len(self.groups)}", 0, 0]
            self.redirect[dot_id] = entry[0]
            if kind == "op":
                entry[1] += 1
            elif kind == "param":
                entry[2] += attrs.get("_numel", 0)
            return
        attrs.pop("_numel", None)
        container = path if self.use_clusters and path else None
        self.nodes.setdefault(container, []).append((dot_id, label, attrs))

    def group_of(self, path):
        if self.depth is None or path is None:
            return None
        parts = path.split(".") if path else []
        if len(parts) < self.depth:
            return None
        return ".".join(parts[: self.depth])

    def edge(self, src: str, dst: str, tkey, extra: dict | None = None) -> None:
        src = self.redirect.get(src, src)
        dst = self.redirect.get(dst, dst)
        if src == dst:
            return
        if dst.startswith("op") and (src, dst) not in self.edges and (dst, src) not in self.edges:
            self.inputs_of.setdefault(dst, []).append(src)
            self.degree[src] = self.degree.get(src, 0) + 1
        if self.backward:
            src, dst = dst, src
        if (src, dst) in self.edges:
            return
        attrs = dict(extra) if extra else {}
        if self.norms is not None and tkey is not None and extra is None:
            attrs.update(self.grad_edge_style(tkey))
        self.edges[(src, dst)] = attrs

    def grad_edge_style(self, tkey) -> dict:
        norm = self.norms.get(tkey)
        if norm is None:
            needs_grad = type(tkey) is tuple or tkey.requires_grad
            return {"color": NO_GRAD_COLOR, "style": "dashed"} if needs_grad else {}
        return {"color": grad_color(norm, *self.grad_range), "penwidth": "2"}

    # ----------------------------------------------------------------- elements
    def path_of_tensor(self, tkey):
        view = self.view
        if type(tkey) is tuple:
            return self.owner.get(tkey[0])
        name = view.param_names.get(id(tkey)) or view.buffer_names.get(id(tkey))
        return module_of(name) if name else None

    def tensor_id(self, tkey) -> str:
        if type(tkey) is tuple:
            node, k = tkey
            i = self.view.index[node]
            return f"t{i}" if node.n_out == 1 else f"t{i}_{k}"
        return f"v{self.view.index[tkey]}"

    def tensor_node(self, tkey, dot_id: str, kind: str) -> None:
        view = self.view
        shape, dtype = view.shape_dtype(tkey)
        lines = []
        name = view.name(tkey)
        if name:
            lines.append(dot_text(name))
        lines.append(f"{format_shape(shape)} {dtype_name(dtype)}")
        if self.max_values:
            values = view.values(tkey)
            lines.append("(freed)" if values is None else dot_text(format_values(values, self.max_values)))
        attrs = dict(STYLES[kind])
        if self.norms is not None:
            norm = self.norms.get(tkey)
            if norm is not None:
                lines.append(f"|grad| {format_norm(norm)}")
                attrs.update(color=grad_color(norm, *self.grad_range), penwidth="2")
        if kind == "param":
            attrs["_numel"] = int(np.prod(shape))
        self.place(dot_id, self.path_of_tensor(tkey), "\\n".join(lines), attrs, kind)

    def op_node(self, node: Node, show_saved: bool) -> str:
        i = self.view.index[node]
        dot_id = f"op{i}"
        label = node.name() if self.backward else node.op.name
        path = self.owner.get(node)
        self.place(dot_id, path, dot_text(label), dict(STYLES["op"]), "op")
        if show_saved and dot_id not in self.redirect:
            saved_id = f"s{i}"
            self.place(saved_id, path, "\\n".join(dot_text(s) for s in saved_lines(node)), dict(STYLES["saved"]))
            self.edges[(saved_id, dot_id)] = {"style": "dashed", "arrowhead": "none", "color": "#ff9900"}
        return dot_id

    def constant(self, value) -> str:
        key = id(value)
        dot_id = self.const_ids.get(key)
        if dot_id is None:
            dot_id = self.const_ids[key] = f"c{len(self.const_ids)}"
            if isinstance(value, (Tensor, FreedInput)):
                self.tensor_node(value, dot_id, "constant")
            else:
                label = f"array {format_shape(value.shape)} {value.dtype}"
                if self.max_values:
                    label += "\\n" + dot_text(format_values(value, self.max_values))
                self.place(dot_id, None, label, dict(STYLES["constant"]))
        return dot_id

    # ----------------------------------------------------------------- walk
    def emit_graph(self, show_saved: bool, show_constants: bool) -> None:
        view = self.view
        for key in view.order:
            if type(key) is not Node:
                self.tensor_node(key, self.tensor_id(key), view.kind(key))
                continue
            op_id = self.op_node(key, show_saved)
            for k in range(key.n_out):
                tkey = (key, k)
                t_id = self.tensor_id(tkey)
                self.tensor_node(tkey, t_id, view.kind(tkey))
                self.edge(op_id, t_id, tkey)
        for key in view.order:
            if type(key) is Node:
                self.input_edges(key, show_constants)
        for t in view.roots:
            if not t.requires_grad:
                self.constant(t)

    def input_edges(self, node: Node, show_constants: bool) -> None:
        op_id = f"op{self.view.index[node]}"
        args = self.view.inputs(node)
        for i, e in enumerate(node.edges):
            if e is not None:
                tkey = edge_tensor_key(e)
                self.edge(self.tensor_id(tkey), op_id, tkey)
                continue
            a = args[i] if args is not None and i < len(args) else None
            if isinstance(a, Tensor) and a.grad_fn is not None and a.grad_fn in self.view.index:
                tkey = tensor_key(a)
                self.edge(self.tensor_id(tkey), op_id, tkey)
            elif show_constants and (isinstance(a, (Tensor, FreedInput)) or (isinstance(a, np.ndarray) and a.ndim > 0)):
                const_id = self.constant(a)
                self.edge(const_id, op_id, None if isinstance(a, np.ndarray) else a)

    # ----------------------------------------------------------------- output
    def assemble(self, rankdir: str, source: str | None) -> Digraph:
        """DOT lines written directly (graphviz's per-call quoting is too slow for 10^4 nodes)."""
        # the graphviz package is needed only here, so `import autograd` works without it
        try:
            from .render import Digraph
        except ImportError as error:
            raise ImportError(
                "viz.draw needs the graphviz Python package: `pip install graphviz` (or "
                "`pip install tapegrad`, which depends on it); autograd.explain works without it"
            ) from error

        for path, (box_id, n_ops, n_params) in self.groups.items():
            kind = self.types.get(path)
            lines = [dot_text(path or "model") + (f" ({kind})" if kind else ""), f"{n_ops} op" + "s" * (n_ops != 1)]
            if n_params:
                lines.append(f"{n_params:,} parameters")
            parent = path.rpartition(".")[0] if self.use_clusters else None
            self.nodes.setdefault(parent or None, []).append((box_id, "\\n".join(lines), dict(STYLES["module"])))
        rows = self.side_rows()
        body = [node_line(n, "\t") for n in self.nodes.get(None, ())]
        body += [row_line(row, "\t") for row in rows.get(None, ())]
        body += self.cluster_lines(rows)
        if source is not None:
            # legend and caption first thing on screen: the picture is read from the top
            body.append(f"\tlegend [label={legend_label(*self.grad_range)} shape=plaintext]\n")
            body.append("\t{rank=min; legend}\n")
            body.append(f'\tgraph [label="{quoted(dot_text("gradient norms: " + source))}" labelloc=t fontsize=12]\n')
        body += [self.edge_line(src, dst, attrs) for (src, dst), attrs in self.edges.items()]
        return Digraph(
            "autograd_graph",
            graph_attr={"rankdir": rankdir},
            node_attr={"fontname": "Helvetica", "fontsize": "10"},
            edge_attr={"arrowsize": "0.7"},
            body=body,
        )
