"""Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, arrays_of, check_at_least_zero, hyper, state_tensor

__all__ = ["SGD", "sgd"]


def sgd(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    momentum_buffers: list[np.ndarray | None],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """One SGD step on arrays, in place; a None buffer becomes a copy of the gradient.

    g = ±grad + wd·p;  b = g (first step) or μ·b + (1 - τ)·g;  g = g + μ·b (Nesterov) or b;
    p = p - lr·g.  `momentum_buffers[i]` is replaced when it was None.
    """
    hp = (lr, momentum, dampening, weight_decay, nesterov, maximize)
    for i, (p, g) in enumerate(zip(params, grads)):
        buf = momentum_buffers[i] if momentum else None
        if momentum and buf is None:
            # NOTE: PyTorch's first step takes the gradient itself, without dampening
            g = -g if maximize else g
            g = g + weight_decay * p if weight_decay else g
            buf = momentum_buffers[i] = np.array(g, copy=True)
            p -= lr * (g + momentum * buf if nesterov else buf)
        elif p.size >= BLOCK and _same_layout(p, g, buf):
            # NOTE: a large parameter is updated in cache-sized blocks: each block's temporaries
            # and its slices of p, grad and buffer stay in cache across the update's passes,
            # which otherwise each stream the whole arrays through memory (W5's 11M weights,
            # momentum 0.9, CPU time of one update: 18.7 -> 14.2 ms; blocks of 2^12: 23 ms)
            flat = [None if a is None else a.ravel(order="K") for a in (p, g, buf)]
            for start in range(0, p.size, BLOCK):
                block = slice(start, start + BLOCK)
                _update(flat[0][block], flat[1][block], None if buf is None else flat[2][block], *hp)
        else:
            _update(p, g, buf, *hp)


def _update(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, maximize) -> None:
    """The SGD step of one array (or one block of it); `buf` (the momentum buffer, or None
    without momentum) is updated in place."""
    # NOTE: truth tests, not `!= 0`: this runs for every parameter of every step
    if maximize:
        g = -g
    if weight_decay:
        g = g + weight_decay * p
    if buf is not None:
        buf *= momentum
        buf += (1 - dampening) * g if dampening else g
        g = g + momentum * buf if nesterov else buf
    p -= lr * g


def _same_layout(*arrays) -> bool:
    """All given arrays (None skipped) are contiguous with equal strides, so their flat views in
    memory order (`ravel(order="K")`) are views that pair up element by element."""
    first = arrays[0]
    return all(
        a is None or (a.strides == first.strides and (a.flags.c_contiguous or a.flags.f_contiguous))
        for a in arrays
    )


# Elements per block of a blocked update: 256 KiB per float32 array, so a block's slices and
# temporaries fit a core's L2 cache (measured best of 2^12..2^18 on W5's weights).
BLOCK = 1 << 16


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), PyTorch's update exactly.

    With g_t the gradient (negated when `maximize`), μ the momentum, τ the dampening:

        g_t ← g_t + λ·θ_{t-1}                      (weight_decay λ ≠ 0)
        b_1 = g_1;  b_t = μ·b_{t-1} + (1 - τ)·g_t   (momentum μ ≠ 0)
        g_t ← g_t + μ·b_t  (nesterov)  or  g_t ← b_t
        θ_t = θ_{t-1} - lr·g_t

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 1e-3).
        momentum: momentum factor μ (default 0).
        dampening: dampening τ of the momentum (default 0).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "momentum_buffer" (only when momentum ≠ 0).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _validate(self, hp) -> None:
        """PyTorch's checks and messages for lr, momentum, weight_decay and nesterov."""
        check_at_least_zero("SGD", "lr", hp["lr"], f"Invalid learning rate: {hp['lr']}")
        check_at_least_zero(
            "SGD", "momentum", hp["momentum"], f"Invalid momentum value: {hp['momentum']}"
        )
        check_at_least_zero(
            "SGD", "weight_decay", hp["weight_decay"],
            f"Invalid weight_decay value: {hp['weight_decay']}",
        )
        if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group, params) -> None:
        momentum = hyper(group, "momentum")
        datas, grads = arrays_of(params)
        buffers = [None] * len(params)  # a None buffer: `sgd` makes it from the first gradient
        if momentum:
            states = self._param_states(group, params)
            for i, state in enumerate(states):
                buffer = state.get("momentum_buffer")  # (None in a state saved without momentum)
                if buffer is not None:
                    buffers[i] = buffer._data
        sgd(
            datas,
            grads,
            buffers,
            lr=hyper(group, "lr"),
            momentum=momentum,
            dampening=hyper(group, "dampening"),
            weight_decay=hyper(group, "weight_decay"),
            nesterov=bool(group["nesterov"]),
            maximize=bool(group["maximize"]),
        )
        if momentum:
            for state, buf in zip(states, buffers):
                if state.get("momentum_buffer") is None:
                    state["momentum_buffer"] = state_tensor(buf)
