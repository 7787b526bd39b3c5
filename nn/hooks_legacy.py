"""Module.register_backward_hook, PyTorch's deprecated non-full backward hook: the hook sees the
gradients of the inputs of the last op the forward ran (the output's grad_fn) and of its output,
``hook(module, grad_input, grad_output)``, and may replace grad_input.

The output is passed through an identity `Function` whose backward computes that op's input
gradients itself (a nested `autograd.grad` through that one node), runs the hooks, and sends the
(possibly replaced) gradients straight to the op's inputs, so the op's own node is not run again.
"""

from __future__ import annotations

import warnings

from autograd import Function, Tensor, is_grad_enabled
from autograd import grad as autograd_grad

__all__ = ["BOTH_KINDS_MESSAGE", "attach_non_full_hooks", "warn_non_full"]

BOTH_KINDS_MESSAGE = (
    "Cannot use both regular backward hooks and full backward hooks on a single Module. Please "
    "use only one of them."
)


class _NonFullHookFunction(Function):
    """The output unchanged; its backward returns `relay(grad_output)` for the op's inputs."""

    @staticmethod
    def forward(ctx, relay, output, *inputs):
        ctx.relay = relay
        return output

    @staticmethod
    def backward(ctx, grad_output):
        return (None, None, *ctx.relay(grad_output))


def _first_tensor(result):
    """The tensor PyTorch hooks: the result, or the first entry of nested tuples/lists."""
    var = result
    while not isinstance(var, Tensor):
        if isinstance(var, dict):
            var = next(v for v in var.values() if isinstance(v, Tensor))
        else:
            var = var[0]
    return var


def _replace_first(result, new):
    if isinstance(result, Tensor):
        return new
    if isinstance(result, (tuple, list)):
        return type(result)([_replace_first(result[0], new), *result[1:]])
    return result


def attach_non_full_hooks(module, hooks, args: tuple, result):
    """`result` with its first tensor routed through the non-full hooks of `module`."""
    output = _first_tensor(result)
    node = output.grad_fn
    if node is None:
        return result
    edges = node.edges
    op_inputs = [a if isinstance(a, Tensor) and e is not None else None
                 for a, e in zip(node.args, edges)]
    unique = []
    for t in op_inputs:
        if t is not None and not any(t is u for u in unique):
            unique.append(t)

    def relay(grad_output):
        grads = autograd_grad(output, unique, grad_output, retain_graph=True,
                              create_graph=is_grad_enabled(), allow_unused=True)
        by_id = {id(t): g for t, g in zip(unique, grads)}
        grad_input = tuple(None if t is None else by_id[id(t)] for t in op_inputs)
        for hook in tuple(hooks.values()):
            new = hook(module, grad_input, (grad_output,))
            if new is not None:
                new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                if len(new) != len(grad_input):
                    raise RuntimeError(
                        f"hook 'hook' has returned an incorrect number of values (got {len(new)}, "
                        f"but expected {len(grad_input)})"
                    )
                grad_input = new
        # (a tensor that is several of the op's inputs takes its first position's gradient)
        first = {}
        for t, g in zip(op_inputs, grad_input):
            if t is not None and id(t) not in first:
                first[id(t)] = g
        return [first[id(t)] for t in unique]

    warn_non_full(args, result, node)
    hooked = _NonFullHookFunction.apply(relay, output, *unique)
    return _replace_first(result, hooked)


def warn_non_full(inputs, result, node) -> None:
    """PyTorch's FutureWarnings for the cases where the non-full hook misses gradients."""
    outs = (result,) if isinstance(result, Tensor) else result
    if not (isinstance(outs, tuple) and all(isinstance(r, Tensor) for r in outs)):
        _warn(
            "Using non-full backward hooks on a Module that does not return a single Tensor or a "
            "tuple of Tensors is deprecated and will be removed in future versions. This hook "
            "will be missing some of the grad_output. Please use register_full_backward_hook to "
            "get the documented behavior."
        )
        return
    if not all(isinstance(i, Tensor) for i in inputs):
        _warn(
            "Using non-full backward hooks on a Module that does not take as input a single "
            "Tensor or a tuple of Tensors is deprecated and will be removed in future versions. "
            "This hook will be missing some of the grad_input. Please use "
            "register_full_backward_hook to get the documented behavior."
        )
        return
    out_nodes = {r.grad_fn for r in outs if r.grad_fn is not None}
    if not out_nodes or (len(out_nodes) == 1 and node not in out_nodes):
        _warn(
            "Using a non-full backward hook when outputs are nested in python data structure is "
            "deprecated and will be removed in future versions. This hook will be missing some "
            "grad_output."
        )
    elif len(out_nodes) > 1:
        _warn(
            "Using a non-full backward hook when outputs are generated by different autograd "
            "Nodes is deprecated and will be removed in future versions. This hook will be "
            "missing some grad_output. Please use register_full_backward_hook to get the "
            "documented behavior."
        )
    else:
        input_nodes = {i.grad_fn for i in inputs if i.grad_fn is not None}
        if input_nodes != {n for n, _ in node.next_functions}:
            _warn(
                "Using a non-full backward hook when the forward contains multiple autograd "
                "Nodes is deprecated and will be removed in future versions. This hook will be "
                "missing some grad_input. Please use register_full_backward_hook to get the "
                "documented behavior."
            )


def _warn(message: str) -> None:
    warnings.warn(message, FutureWarning, stacklevel=4)
