"""Rprop (resilient backpropagation, Riedmiller & Braun 1993): per-element step sizes that grow
while the gradient keeps its sign and shrink when it flips; PyTorch's update exactly."""

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
    zeros_like_param,
)

__all__ = ["Rprop", "rprop"]


def rprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    prevs: list[np.ndarray],
    step_sizes: list[np.ndarray],
    *,
    etaminus: float,
    etaplus: float,
    step_size_min: float,
    step_size_max: float,
    maximize: bool,
) -> None:
    """One Rprop step on arrays, in place.

    s = sign(g · g_prev): step ← clamp(step · (etaplus if s > 0, etaminus if s < 0, 1 if 0),
    min, max); where s < 0 the gradient counts as 0 (no move, and no sign to compare next time);
    p -= sign(g) · step; g_prev ← g.
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i].copy()
        prev, step = prevs[i], step_sizes[i]
        s = np.sign(g * prev)
        factor = np.where(s > 0, etaplus, np.where(s < 0, etaminus, 1.0)).astype(step.dtype)
        step *= factor
        np.clip(step, step_size_min, step_size_max, out=step)
        g[s < 0] = 0
        p -= np.sign(g) * step
        prev[...] = g


class Rprop(Optimizer):
    r"""Rprop: sign-based updates with an adaptive step size per element; PyTorch's update.

        η = etaplus if g_t · g_{t-1} > 0, etaminus if < 0, else 1
        Δ_t = clamp(η Δ_{t-1}, step_sizes[0], step_sizes[1])   (Δ_0 = lr)
        g_t ← 0 where g_t · g_{t-1} < 0
        θ_t = θ_{t-1} - sign(g_t) Δ_t

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: the initial step size Δ_0 (default 1e-2).
        etas: (etaminus, etaplus), with 0 < etaminus < 1 < etaplus (default (0.5, 1.2)).
        step_sizes: (min, max) step size (default (1e-6, 50)).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step", "prev" (the last gradient used), "step_size".
    """

    def __init__(self, params, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        defaults = {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes), "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _validate(self, hp) -> None:
        check_at_least_zero("Rprop", "lr", hp["lr"], f"Invalid learning rate: {hp['lr']}")
        etaminus, etaplus = hp["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Invalid eta values: {etaminus}, {etaplus}")

    def _init_state(self, p, group) -> dict:
        step = np.full_like(p._data, hyper(group, "lr"))
        return {"step": new_step(), "prev": zeros_like_param(p), "step_size": state_tensor(step)}

    def _update_group(self, group, params) -> None:
        states = self._param_states(group, params)
        advance_steps(states)
        etaminus, etaplus = group["etas"]
        smin, smax = group["step_sizes"]
        rprop(
            *arrays_of(params),
            [s["prev"]._data for s in states],
            [s["step_size"]._data for s in states],
            etaminus=float(etaminus), etaplus=float(etaplus),
            step_size_min=float(smin), step_size_max=float(smax),
            maximize=bool(group["maximize"]),
        )
