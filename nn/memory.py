"""Training-memory estimate: parameters, gradients, optimizer state, and saved activations.

A training step peaks either early in backward or in the optimizer step:

    backward: params + grads + optimizer state + saved activations + 2 * largest activation
    step:     params + grads + optimizer state + temporaries * largest parameter

The parameter terms follow from the parameter count (an Adam step keeps two moments per
parameter, SGD with momentum one buffer, plain SGD none). In flight during backward are the
gradient arriving at the largest saved array and the one it sends on (2 * largest activation); an
update step works one parameter at a time with a few parameter-sized temporaries (Adam: 2). The saved arrays are found, not guessed: one
forward pass in training mode records the graph, and a walk over it sums the distinct memory
buffers its nodes hold (inputs, outputs, `ctx.save_for_backward` tensors), leaving out the
parameters (counted above) and the input batch (the data loader owns it). They grow linearly with
the batch size; the parameter terms do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd import Tensor, enable_grad
from autograd.node import edge_target
from autograd.random import default_generator

from .module import Module

__all__ = ["OPTIMIZER_STATE", "MemoryEstimate", "estimate_training_memory"]

# buffers per parameter element kept by each optimizer (PyTorch's state)
OPTIMIZER_STATE = {
    None: 0, "sgd": 0, "momentum": 1, "nesterov": 1, "adagrad": 1, "rmsprop": 1,
    "adam": 2, "adamw": 2, "adadelta": 2, "adamax": 2, "nadam": 2, "radam": 2,
}
# parameter-sized temporaries alive at once inside one update (lr * g; Adam's denom and update)
_STEP_TEMPORARIES = {None: 0, "sgd": 1, "momentum": 1, "nesterov": 2}


@dataclass
class MemoryEstimate:
    """Bytes a training step needs; `total` is the larger of the backward and the step peaks.

    Attributes:
        params: parameters and buffers (BatchNorm running statistics).
        grads: one gradient per trainable parameter.
        optimizer: optimizer state (see OPTIMIZER_STATE).
        activations: arrays the recorded graph keeps for backward (scales with the batch).
        workspace: arrays in flight at the peak (gradients during backward, or the
            optimizer's temporaries during the step).
        input: the input batch (not in `total`: the data loader holds it anyway).
        batch_size: the batch these numbers are for.
    """

    params: int
    grads: int
    optimizer: int
    activations: int
    workspace: int
    input: int
    batch_size: int

    @property
    def total(self) -> int:
        """params + grads + optimizer + activations + workspace, in bytes."""
        return self.params + self.grads + self.optimizer + self.activations + self.workspace

    def lines(self) -> list[str]:
        """Human-readable lines, sizes in MiB."""
        def mib(n: int) -> str:
            return f"{n / 2**20:,.2f} MiB"

        return [
            f"Parameters + buffers: {mib(self.params)}",
            f"Gradients: {mib(self.grads)}",
            f"Optimizer state: {mib(self.optimizer)}",
            f"Saved activations (batch {self.batch_size}): {mib(self.activations)}",
            f"Workspace at the peak: {mib(self.workspace)}",
            f"Estimated training memory: {mib(self.total)}",
        ]


def _root(a: np.ndarray) -> np.ndarray:
    """The array that owns `a`'s memory (views share their base's buffer)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _saved_arrays(node) -> list[np.ndarray]:
    found = [a for a in (node.arrays or ()) if isinstance(a, np.ndarray)]
    if isinstance(node.out, np.ndarray):
        found.append(node.out)
    elif isinstance(node.out, (tuple, list)):
        found += [a for a in node.out if isinstance(a, np.ndarray)]
    ctx = node.ctx
    saved = getattr(ctx, "_saved", None) if ctx is not None else None
    for t in saved or ():
        data = getattr(t, "_data", t)
        if isinstance(data, np.ndarray):
            found.append(data)
    return found


def saved_buffers(outputs: list[Tensor], exclude: list[np.ndarray]) -> list[int]:
    """Sizes in bytes of the distinct buffers the graphs behind `outputs` hold, except
    `exclude`'s (views count once, with the array that owns their memory)."""
    skip = {id(_root(a)) for a in exclude}
    seen_nodes: set[int] = set()
    counted: dict[int, int] = {}
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        for a in _saved_arrays(node):
            root = _root(a)
            if id(root) not in skip:
                counted[id(root)] = root.nbytes
        for edge in node.edges:
            nxt = edge_target(edge)[0]
            if nxt is not None and not isinstance(nxt, Tensor):
                stack.append(nxt)
    return list(counted.values())


def _outputs(obj) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in _outputs(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _outputs(item)]
    return []


def estimate_training_memory(model: Module, inputs: list[Tensor], optimizer=None) -> MemoryEstimate:
    """Estimate the memory of one training step of `model` on `inputs` (see the module docstring).

    Runs one forward pass in training mode with gradients recorded; BatchNorm running statistics
    and the global random generator are restored afterwards, and each module's mode too.

    Args:
        model: the Module.
        inputs: the input batch(es), as Tensors of the training batch size.
        optimizer: None, a name in OPTIMIZER_STATE ("sgd", "momentum", "adam", ...), or an
            optimizer instance (its class name is looked up; SGD with momentum counts one buffer).
    """
    kind = _optimizer_kind(optimizer)
    params = {id(p): p for p in model.parameters()}.values()
    buffers = [b for b in model.buffers() if isinstance(b, Tensor)]
    param_bytes = sum(p._data.nbytes for p in params) + sum(b._data.nbytes for b in buffers)
    grad_bytes = sum(p._data.nbytes for p in params if p.requires_grad)
    kept = [(b, b._data.copy()) for b in buffers]
    rng = default_generator()
    rng_state = rng.bit_generator.state
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.train()
        with enable_grad():
            out = _outputs(model(*inputs))
        sizes = saved_buffers(out, [p._data for p in params] + [x._data for x in inputs])
        del out
    finally:
        for b, data in kept:
            b._data[...] = data
        rng.bit_generator.state = rng_state
        for m, training in modes:
            m.training = training
    batch = int(inputs[0].shape[0]) if inputs and inputs[0].ndim else 1
    largest_param = max((p._data.nbytes for p in params if p.requires_grad), default=0)
    in_backward = 2 * max(sizes, default=0)
    in_step = _STEP_TEMPORARIES.get(kind, 2) * largest_param
    return MemoryEstimate(param_bytes, grad_bytes, OPTIMIZER_STATE[kind] * grad_bytes, sum(sizes),
                          max(0, in_step - sum(sizes) - in_backward) + in_backward,
                          sum(x._data.nbytes for x in inputs), batch)


def _optimizer_kind(optimizer):
    if optimizer is None or isinstance(optimizer, str):
        key = optimizer.lower() if isinstance(optimizer, str) else None
        if key not in OPTIMIZER_STATE:
            names = ", ".join(repr(k) for k in OPTIMIZER_STATE)
            raise ValueError(f"summary: optimizer must be one of {names} or an optimizer, got {optimizer!r}")
        return key
    name = type(optimizer).__name__.lower()
    if name == "sgd":
        groups = getattr(optimizer, "param_groups", [{}])
        return "momentum" if any(g.get("momentum", 0) for g in groups) else "sgd"
    if name not in OPTIMIZER_STATE:
        raise ValueError(f"summary: unknown optimizer {type(optimizer).__name__}; pass its name "
                         f"as one of {', '.join(repr(k) for k in OPTIMIZER_STATE if k)}")
    return name
