"""Which module produced which op: recorded with forward hooks, or inferred from parameters.

`trace_modules(model)` registers a forward hook on every submodule. When a module's forward
returns, its hook walks the graph back from the output to the module's (positional) inputs and
claims every op node in between that no deeper module claimed; hooks fire innermost first, so each
op ends up owned by the deepest module that ran it, and module paths (``layer1.0.conv1``) give
the nesting. Ops reached only through tensors a module did not receive as positional inputs
(keyword arguments, attributes) are claimed too, as far as the walk can tell.

Without a trace, `infer_owners` assigns an op to a module when it reads one of the module's
parameters directly, and then fills in ops sandwiched between ops of the same module.
"""

from __future__ import annotations

import weakref

from ..node import Node
from ..tensor import Tensor
from .graph import edge_step


class ModuleTrace:
    """Op node -> module path, recorded during a forward (see `trace_modules`).

    Attributes:
        owner: op `Node` -> dotted module path ("" for the traced model itself); weak keys.
        types: module path -> class name.
        params: dict parameter path -> Tensor, from the model's `named_parameters()`.
        buffers: dict buffer path -> Tensor, from `named_buffers()` where the model has it.
    """

    def __init__(self, model) -> None:
        if not (hasattr(model, "register_forward_hook") and hasattr(model, "named_parameters")):
            raise TypeError(
                "viz.trace_modules: expected an nn.Module (with register_forward_hook() and "
                f"named_parameters()), got {type(model).__name__}"
            )
        self.model = model
        self.owner: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.modules = named_modules(model)
        self.types = {path: type(m).__name__ for path, m in self.modules}
        self.params = dict(model.named_parameters())
        self.buffers = dict(model.named_buffers()) if hasattr(model, "named_buffers") else {}
        self._handles: list = []
        self._stops: dict = {}

    def __enter__(self) -> ModuleTrace:
        for path, module in self.modules:
            if hasattr(module, "register_forward_pre_hook"):  # (duck-typed models may lack it)
                self._handles.append(module.register_forward_pre_hook(self._pre_hook(path)))
            self._handles.append(module.register_forward_hook(self._hook(path)))
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def named_parameters(self):
        """The traced model's ``(path, parameter)`` pairs (so a trace also works as ``params=``)."""
        return iter(self.params.items())

    def named_buffers(self):
        """The traced model's ``(path, buffer)`` pairs."""
        return iter(self.buffers.items())

    def _pre_hook(self, path: str):
        # the inputs' nodes as they were at the call: an in-place layer (ReLU(inplace=True))
        # rebases its input onto the node it adds, which the input then names
        def hook(module, inputs):
            self._stops.setdefault(path, []).append(
                {t.grad_fn for t in flat_tensors(inputs) if t.grad_fn is not None}
            )

        return hook

    def _hook(self, path: str):
        def hook(module, inputs, output):
            stops = self._stops.get(path)
            self.claim(path, inputs, output, stops.pop() if stops else None)

        return hook

    def claim(self, path: str, inputs, output, stop=None) -> None:
        """Own, for `path`, the op nodes between `inputs` and `output` not owned by a deeper module
        (`stop`: the inputs' nodes when the call began, if known)."""
        if stop is None:
            stop = {t.grad_fn for t in flat_tensors(inputs) if t.grad_fn is not None}
        stack = [t.grad_fn for t in flat_tensors(output) if t.grad_fn is not None]
        seen = set()
        owner = self.owner
        while stack:
            node = stack.pop()
            if node in seen or node in stop:
                continue
            seen.add(node)
            current = owner.get(node)
            if current is None:
                owner[node] = path
            elif not within(current, path):
                continue  # made by a module outside this one: the walk left this module
            for e in node.edges:
                target = edge_step(e) if e is not None else None
                if type(target) is Node:
                    stack.append(target)

    def __repr__(self) -> str:
        return f"ModuleTrace({type(self.model).__name__}, {len(self.owner)} ops attributed)"


def trace_modules(model) -> ModuleTrace:
    """Record which submodule of `model` produced each op, for clusters in `draw`.

    Use as ``with viz.trace_modules(model) as trace: loss = loss_fn(model(x), y)``, then
    ``viz.draw(loss, modules=trace)``. Hooks are removed when the block ends.

    Args:
        model: an `nn.Module` (anything with `register_forward_hook`, `named_parameters` and
            `named_modules` or `named_children`).
    Returns:
        A `ModuleTrace` context manager.
    """
    return ModuleTrace(model)


def named_modules(model) -> list[tuple[str, object]]:
    """``[(path, module), ...]`` with the model itself as ``""``, each module once."""
    if hasattr(model, "named_modules"):
        return list(model.named_modules())
    result, seen, stack = [], set(), [("", model)]
    while stack:
        path, m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        result.append((path, m))
        children = list(m.named_children()) if hasattr(m, "named_children") else []
        for name, child in reversed(children):
            stack.append((f"{path}.{name}" if path else name, child))
    return result


def flat_tensors(obj) -> list[Tensor]:
    """The Tensors inside nested tuples, lists and dicts (hook inputs and outputs)."""
    found, stack = [], [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return found


def within(path: str, ancestor: str) -> bool:
    """True if module `path` is `ancestor` or nested inside it ("" contains everything)."""
    return ancestor == "" or path == ancestor or path.startswith(ancestor + ".")


def module_of(param_path: str) -> str:
    """The module path of a parameter path: ``layer1.0.conv1.weight`` -> ``layer1.0.conv1``."""
    return param_path.rpartition(".")[0]


def infer_owners(order: list, names: dict) -> dict:
    """Op node -> module path, from the parameters each op reads (see module docstring).

    Args:
        order: step keys from `backward_order`.
        names: ``{id(param): path}`` from `graph.param_names`.
    """
    owner: dict = {}
    consumers: dict = {}
    for key in order:
        if type(key) is not Node:
            continue
        for e in key.edges:
            if e is None:
                continue
            target = edge_step(e)
            if type(target) is Node:
                consumers.setdefault(target, []).append(key)
            elif id(target) in names and key not in owner:
                owner[key] = module_of(names[id(target)])
    # an op between two ops of one module (x @ W.T: the matmul between W.T and + b) joins it
    changed = True
    while changed:
        changed = False
        for key in order:
            if type(key) is not Node or key in owner:
                continue
            inside = {owner.get(edge_step(e)) for e in key.edges if e is not None}
            outside = {owner.get(c) for c in consumers.get(key, ())}
            common = (inside & outside) - {None}
            if len(common) == 1:
                owner[key] = common.pop()
                changed = True
    return owner


def split_calls(order: list, owner, types: dict) -> tuple[dict, dict]:
    """Give each call of a leaf module that ran more than once its own path (``relu#2``).

    A module used twice (ResNet's ``BasicBlock.relu``) otherwise makes one cluster spanning both
    calls, and every cluster between them must step aside: the picture becomes a staircase.
    Calls are the groups of its ops linked by edges among themselves, numbered in forward order.
    """
    ops = [n for n in order if type(n) is Node and n in owner]
    paths = {owner[n] for n in ops}
    parents = {p.rpartition(".")[0] for p in paths if p} | {p.rpartition(".")[0] for p in types if p}
    call: dict = {}  # op -> the first op of its call (union by walking edges within the module)
    for node in sorted(ops, key=lambda n: n.seq):
        path = owner[node]
        if path in parents:
            continue
        roots = {call[t] for e in node.edges if e is not None
                 for t in (edge_step(e),) if t in call and owner.get(t) == path}
        first = min(roots, key=lambda n: n.seq) if roots else node
        for n, r in list(call.items()):
            if r in roots:
                call[n] = first
        call[node] = first
    split = {n: owner[n] for n in ops}
    new_types = dict(types)
    for path in {owner[n] for n in call}:
        firsts = sorted({r for n, r in call.items() if owner[n] == path}, key=lambda n: n.seq)
        if len(firsts) < 2:
            continue
        for k, first in enumerate(firsts[1:], start=2):
            for n, r in call.items():
                if r is first:
                    split[n] = f"{path}#{k}"
            new_types[f"{path}#{k}"] = types.get(path)
    return split, new_types
