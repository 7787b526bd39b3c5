"""RMSprop: steps scaled by a running RMS of the gradient; centered and momentum variants."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    advance_steps,
    arrays_of,
    check_at_least_zero,
    hyper,
    lerp_,
    new_step,
    zeros_like_param,
)

__all__ = ["RMSprop", "rmsprop"]


def rmsprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    grad_avgs: list[np.ndarray | None],
    momentum_buffers: list[np.ndarray | None],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
) -> None:
    """One RMSprop step on arrays, in place.

    g += λ·p;  v = α·v + (1-α)·g²;  (centered: ḡ = α·ḡ + (1-α)·g, v' = v - ḡ²)
    d = sqrt(v') + eps;  momentum: b = μ·b + g/d, p = p - lr·b;  else p = p - lr·g/d.
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        square_avg = square_avgs[i]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if centered:
            grad_avg = grad_avgs[i]
            lerp_(grad_avg, g, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            update = g * -lr
            update /= avg
            p += update


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012); PyTorch's update exactly (eps outside the square root).

    With g_t the gradient (negated when `maximize`):

        g_t ← g_t + λ·θ_{t-1}                    (weight_decay λ ≠ 0)
        v_t = α·v_{t-1} + (1 - α)·g_t²
        centered: ḡ_t = α·ḡ_{t-1} + (1 - α)·g_t,  ṽ_t = v_t - ḡ_t²;  else ṽ_t = v_t
        momentum μ > 0: b_t = μ·b_{t-1} + g_t/(sqrt(ṽ_t) + eps),  θ_t = θ_{t-1} - lr·b_t
        otherwise:      θ_t = θ_{t-1} - lr·g_t/(sqrt(ṽ_t) + eps)

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant α (default 0.99).
        eps: added to the root for stability (default 1e-8).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        momentum: momentum factor μ (default 0).
        centered: normalize by an estimate of the gradient's variance instead of its second moment.
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step", "square_avg", "momentum_buffer" (momentum > 0) and
    "grad_avg" (centered).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _validate(self, hp) -> None:
        """PyTorch's checks and messages for lr, eps, momentum, weight_decay and alpha."""
        for key, message in (
            ("lr", "Invalid learning rate: {}"),
            ("eps", "Invalid epsilon value: {}"),
            ("momentum", "Invalid momentum value: {}"),
            ("weight_decay", "Invalid weight_decay value: {}"),
            ("alpha", "Invalid alpha value: {}"),
        ):
            check_at_least_zero("RMSprop", key, hp[key], message.format(hp[key]))

    def _init_state(self, p, group) -> dict:
        state = {"step": new_step(), "square_avg": zeros_like_param(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like_param(p)
        if group["centered"]:
            state["grad_avg"] = zeros_like_param(p)
        return state

    def _update_group(self, group, params) -> None:
        momentum = hyper(group, "momentum")
        centered = bool(group["centered"])
        states = self._param_states(group, params)
        advance_steps(states)
        rmsprop(
            *arrays_of(params),
            [s["square_avg"]._data for s in states],
            [s["grad_avg"]._data if centered else None for s in states],
            [s["momentum_buffer"]._data if momentum > 0 else None for s in states],
            lr=hyper(group, "lr"),
            alpha=hyper(group, "alpha"),
            eps=hyper(group, "eps"),
            weight_decay=hyper(group, "weight_decay"),
            momentum=momentum,
            centered=centered,
            maximize=bool(group["maximize"]),
        )
