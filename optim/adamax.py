"""Adamax: Adam with the infinity norm in place of the second moment; PyTorch's update exactly."""

from __future__ import annotations

import numpy as np

from .adam import Adam
from .optimizer import Optimizer, advance_steps, arrays_of, hyper, lerp_, new_step, zeros_like_param

__all__ = ["Adamax", "adamax"]


def adamax(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_infs: list[np.ndarray],
    steps: list[float],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
) -> None:
    """One Adamax step on arrays, in place; `steps[i]` is t, already incremented.

    m = β1 m + (1-β1) g;  u = max(β2 u, |g| + eps);  p -= lr/(1-β1^t) · m/u.
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            g = g + weight_decay * p
        exp_avg, exp_inf = exp_avgs[i], exp_infs[i]
        lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= beta2
        bound = np.abs(g)
        bound += eps
        np.maximum(exp_inf, bound, out=exp_inf)
        clr = lr / (1 - beta1 ** steps[i])
        update = exp_avg * -clr
        update /= exp_inf
        p += update


class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba, 2014, section 7): Adam with an infinity-norm scale; PyTorch's update.

        g_t ← g_t + λ θ_{t-1}   (weight_decay λ)
        m_t = β1 m_{t-1} + (1 - β1) g_t
        u_t = max(β2 u_{t-1}, |g_t| + eps)
        θ_t = θ_{t-1} - lr/(1 - β1^t) · m_t / u_t

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 2e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: added to |g| (default 1e-8).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step", "exp_avg", "exp_inf".
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas) if isinstance(betas, list) else betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    _validate = Adam._validate

    def _init_state(self, p, group) -> dict:
        return {"step": new_step(), "exp_avg": zeros_like_param(p), "exp_inf": zeros_like_param(p)}

    def _update_group(self, group, params) -> None:
        states = self._param_states(group, params)
        steps = advance_steps(states)
        beta1, beta2 = group["betas"]
        adamax(
            *arrays_of(params),
            [s["exp_avg"]._data for s in states],
            [s["exp_inf"]._data for s in states],
            steps,
            beta1=float(beta1),
            beta2=float(beta2),
            lr=hyper(group, "lr"),
            weight_decay=hyper(group, "weight_decay"),
            eps=hyper(group, "eps"),
            maximize=bool(group["maximize"]),
        )
