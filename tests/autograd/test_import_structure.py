"""The layering of autograd's modules: one import cycle only, the documented seam.

`tensor.py` imports the op table at its end (the ops need `Tensor` defined first, and `Tensor`'s
operators call them). Every other module sits strictly above or below that seam: no other module
may be part of an import cycle. The graph is built from the source with `ast` (module-level
imports only: function-level imports and `if TYPE_CHECKING:` blocks do not run at import time).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "autograd"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module):
    """Import statements that run when the module is imported (not inside a def or class)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                stack += node.body + node.orelse
        elif isinstance(node, ast.Try):
            stack += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                stack += handler.body
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            stack += node.body


def _targets(node, name: str, is_package: bool, modules) -> set[str]:
    """The autograd modules an import statement in module `name` loads."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in modules}
    if node.level:
        package = name if is_package else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    found = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        # `from . import engine` loads the submodule; `from .engine import grad` loads engine
        found.add(sub if sub in modules else base)
    return found & set(modules)


def import_graph() -> dict[str, set[str]]:
    """module -> the autograd modules its module-level imports load."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _module_level_imports(tree):
            edges |= _targets(node, name, is_package, modules)
        graph[name] = edges - {name}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (components of one node included)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def cycles(graph) -> list[set[str]]:
    """The components with more than one module: the import cycles."""
    return [c for c in strongly_connected(graph) if len(c) > 1]


def seam_edges() -> set[str]:
    """The modules tensor.py's end-of-file imports load: the one place allowed to close a cycle."""
    path = ROOT / PACKAGE / "tensor.py"
    tree = ast.parse(path.read_text())
    modules = _modules()
    last_def = max(i for i, n in enumerate(tree.body) if isinstance(n, (ast.ClassDef, ast.FunctionDef)))
    tail = set()
    for node in tree.body[last_def + 1:]:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            tail |= _targets(node, "autograd.tensor", False, modules)
    return tail


def test_the_graph_sees_the_seam():
    graph = import_graph()
    assert "autograd.ops.arithmetic" in graph["autograd.tensor"]
    assert "autograd.tensor" in graph["autograd.ops.registry"]
    # function-level and TYPE_CHECKING imports are not edges
    assert "autograd.tensor" not in graph["autograd.inplace"]


def test_cycle_finder_finds_a_planted_cycle():
    graph = import_graph()
    graph["autograd.grad_mode"] = graph["autograd.grad_mode"] | {"autograd.function"}
    found = {frozenset(c) for c in cycles(graph)}
    assert any({"autograd.grad_mode", "autograd.function"} <= c for c in found)


def test_the_only_import_cycle_is_the_seam():
    # every cycle must pass through tensor.py's end-of-file imports: cut those edges and the
    # import graph has no cycle left (the ops and the engine need Tensor; Tensor's operators and
    # backward need them, so they load once the class exists)
    graph = import_graph()
    assert len(cycles(graph)) <= 1, f"more than one import cycle: {cycles(graph)}"
    graph["autograd.tensor"] = graph["autograd.tensor"] - seam_edges()
    assert not cycles(graph), f"import cycles that do not pass through tensor.py's end: {cycles(graph)}"


# Imports kept inside functions on purpose, not because of a cycle: drawing needs graphviz
# (`import autograd` must work without it), `explain` sits above the engine, and
# `require_tapegrad` exists to check which `autograd` package Python finds.
LAZY_ON_PURPOSE = {"autograd.viz.render", "autograd.explain", "autograd"}


def function_level_imports():
    """(module, line, targets) for each import of an autograd module inside a def."""
    modules = _modules()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    targets = _targets(node, name, path.name == "__init__.py", modules)
                    if targets:
                        yield name, node.lineno, targets


def movable(graph, imports) -> list[str]:
    """The `imports` (module, line, targets) that could be module-level without a new cycle."""
    cut = seam_edges()
    found = []
    for name, line, targets in imports:
        if targets <= LAZY_ON_PURPOSE:
            continue
        lifted = {k: set(v) for k, v in graph.items()}
        lifted[name] |= targets
        lifted["autograd.tensor"] -= cut
        if not cycles(lifted):
            found.append(f"{name}:{line} imports {sorted(targets)}")
    return found


def test_function_level_imports_exist_only_where_a_module_level_one_would_close_a_cycle():
    graph = import_graph()
    found = movable(graph, function_level_imports())
    assert not found, f"function-level imports that could be module-level: {found}"


def test_the_function_level_check_sees_movable_and_forced_imports():
    imports = list(function_level_imports())
    assert any(n == "autograd.random" and t == {"autograd.creation"} for n, _, t in imports)
    graph = import_graph()
    # random sits below Tensor (in-place random fills use it): creation above it closes a cycle
    assert movable(graph, [("autograd.random", 1, {"autograd.creation"})]) == []
    # device and promotion are independent: nothing forces that import into a function
    assert movable(graph, [("autograd.device", 1, {"autograd.promotion"})]) == [
        "autograd.device:1 imports ['autograd.promotion']"
    ]


def attachments():
    """(module, line) of each `Tensor.x = ...` or `setattr(Tensor, ...)` in autograd."""
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                            and target.value.id == "Tensor"):
                        yield name, node.lineno
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "setattr" and node.args
                  and isinstance(node.args[0], ast.Name) and node.args[0].id == "Tensor"):
                yield name, node.lineno


def test_methods_are_defined_in_tensor_or_its_mixins():
    # only the op table's export adds methods from outside (registering an op makes a method)
    assert {name for name, _ in attachments()} == {"autograd"}
    from autograd import Tensor
    from autograd.tensor_convert import ConversionMixin
    from autograd.tensor_device import DeviceMixin

    for method in ("to", "size", "cuda", "new_zeros", "new_tensor", "multinomial", "bernoulli"):
        assert getattr(Tensor, method) is DeviceMixin.__dict__[method]
    assert Tensor.device is DeviceMixin.__dict__["device"]
    for method in ("item", "tolist", "numpy", "float", "long", "__repr__"):
        assert getattr(Tensor, method) is ConversionMixin.__dict__[method]
