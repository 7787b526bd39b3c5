"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    advance_steps,
    arrays_of,
    check_at_least_zero,
    check_number,
    hyper,
    new_step,
    zeros_like_param,
)

__all__ = ["Adadelta", "adadelta"]


def adadelta(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    acc_deltas: list[np.ndarray],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
) -> None:
    """One Adadelta step on arrays, in place.

    g += λ·p;  v = ρ·v + (1-ρ)·g²;  Δ = sqrt(u + eps)/sqrt(v + eps) · g;
    u = ρ·u + (1-ρ)·Δ²;  p = p - lr·Δ.
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        square_avg, acc_delta = square_avgs[i], acc_deltas[i]
        square_avg *= rho
        square_avg += (1 - rho) * g * g
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= g
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        p -= lr * delta


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012); PyTorch's update exactly (note the extra lr multiplier).

    With g_t the gradient (negated when `maximize`):

        g_t ← g_t + λ·θ_{t-1}                        (weight_decay λ ≠ 0)
        v_t = ρ·v_{t-1} + (1 - ρ)·g_t²
        Δ_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) · g_t
        u_t = ρ·u_{t-1} + (1 - ρ)·Δ_t²
        θ_t = θ_{t-1} - lr·Δ_t

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: coefficient that scales Δ before it is applied (default 1.0).
        rho: decay rate ρ of the running averages (default 0.9).
        eps: added inside both square roots (default 1e-6).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step", "square_avg" (v) and "acc_delta" (u).
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _validate(self, hp) -> None:
        """PyTorch's checks and messages for lr, rho, eps and weight_decay."""
        check_at_least_zero("Adadelta", "lr", hp["lr"], f"Invalid learning rate: {hp['lr']}")
        check_number("Adadelta", "rho", hp["rho"])
        if not 0.0 <= hp["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {hp['rho']}")
        check_at_least_zero("Adadelta", "eps", hp["eps"], f"Invalid epsilon value: {hp['eps']}")
        check_at_least_zero(
            "Adadelta", "weight_decay", hp["weight_decay"],
            f"Invalid weight_decay value: {hp['weight_decay']}",
        )

    def _init_state(self, p, group) -> dict:
        return {"step": new_step(), "square_avg": zeros_like_param(p), "acc_delta": zeros_like_param(p)}

    def _update_group(self, group, params) -> None:
        states = self._param_states(group, params)
        advance_steps(states)
        adadelta(
            *arrays_of(params),
            [s["square_avg"]._data for s in states],
            [s["acc_delta"]._data for s in states],
            lr=hyper(group, "lr"),
            rho=hyper(group, "rho"),
            eps=hyper(group, "eps"),
            weight_decay=hyper(group, "weight_decay"),
            maximize=bool(group["maximize"]),
        )
