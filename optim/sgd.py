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
    for i, (p, g) in enumerate(zip(params, grads)):
        # NOTE: truth tests, not `!= 0`: this loop runs for every parameter of every step
        if maximize:
            g = -g
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            buf = momentum_buffers[i]
            if buf is None:
                # NOTE: PyTorch's first step takes the gradient itself, without dampening
                buf = momentum_buffers[i] = np.array(g, copy=True)
            else:
                buf *= momentum
                buf += (1 - dampening) * g if dampening else g
            g = g + momentum * buf if nesterov else buf
        p -= lr * g


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
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
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
