"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    advance_steps,
    arrays_of,
    check_at_least_zero,
    hyper,
    new_step,
    state_tensor,
)

__all__ = ["Adagrad", "adagrad"]


def adagrad(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    state_sums: list[np.ndarray],
    steps: list[float],
    *,
    lr: float,
    weight_decay: float,
    lr_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """One Adagrad step on arrays, in place; `steps[i]` is t, already incremented.

    g += λ·p;  s = s + g²;  p = p - lr/(1 + (t-1)·lr_decay) · g / (sqrt(s) + eps).
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (steps[i] - 1) * lr_decay)
        state_sum = state_sums[i]
        state_sum += g * g
        std = np.sqrt(state_sum)
        std += eps
        update = g * -clr
        update /= std
        p += update


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011); PyTorch's update exactly.

    With g_t the gradient (negated when `maximize`) and s_0 = initial_accumulator_value:

        g_t ← g_t + λ·θ_{t-1}                  (weight_decay λ ≠ 0)
        clr = lr / (1 + (t - 1)·lr_decay)
        s_t = s_{t-1} + g_t²
        θ_t = θ_{t-1} - clr · g_t / (sqrt(s_t) + eps)

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        initial_accumulator_value: starting value of the sum of squares (default 0).
        eps: added to sqrt(s) for stability (default 1e-10).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step" and "sum".
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _validate(self, hp) -> None:
        """PyTorch's checks and messages for lr, lr_decay, weight_decay, accumulator and eps."""
        for key, message in (
            ("lr", "Invalid learning rate: {}"),
            ("lr_decay", "Invalid lr_decay value: {}"),
            ("weight_decay", "Invalid weight_decay value: {}"),
            ("initial_accumulator_value", "Invalid initial_accumulator_value value: {}"),
            ("eps", "Invalid epsilon value: {}"),
        ):
            check_at_least_zero("Adagrad", key, hp[key], message.format(hp[key]))

    def _init_state(self, p, group) -> dict:
        init = hyper(group, "initial_accumulator_value")
        return {"step": new_step(), "sum": state_tensor(np.full_like(p._data, init))}

    def _update_group(self, group, params) -> None:
        states = self._param_states(group, params)
        steps = advance_steps(states)
        adagrad(
            *arrays_of(params),
            [s["sum"]._data for s in states],
            steps,
            lr=hyper(group, "lr"),
            weight_decay=hyper(group, "weight_decay"),
            lr_decay=hyper(group, "lr_decay"),
            eps=hyper(group, "eps"),
            maximize=bool(group["maximize"]),
        )
