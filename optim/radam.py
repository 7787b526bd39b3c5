"""RAdam: Adam with the variance of the adaptive learning rate rectified; PyTorch's update exactly."""

from __future__ import annotations

import numpy as np

from .adam import Adam
from .optimizer import Optimizer, advance_steps, arrays_of, hyper, lerp_, new_step, zeros_like_param

__all__ = ["RAdam", "radam"]


def radam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    steps: list[float],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """One RAdam step on arrays, in place; `steps[i]` is t, already incremented.

    ρ∞ = 2/(1-β2) - 1, ρ_t = ρ∞ - 2 t β2^t/(1-β2^t); m̂ = m/(1-β1^t).
    ρ_t > 5: p -= m̂ · lr · sqrt(1-β2^t)/(sqrt(v) + eps) · r_t with
    r_t = sqrt((ρ_t-4)(ρ_t-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρ_t)); else p -= m̂ · lr.
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        step = steps[i]
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        corrected = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            sqrt_v = np.sqrt(exp_avg_sq)
            sqrt_v += eps
            adaptive = (bias_correction2**0.5) / sqrt_v
            # NOTE: PyTorch's order: ((m̂ · lr) · adaptive) · rect, each rounded in float32
            p -= corrected * lr * adaptive * rect
        else:
            p -= corrected * lr


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2019): rectified Adam; PyTorch's update exactly.

        g_t ← g_t + λ θ_{t-1}   (weight_decay; decoupled: θ_{t-1} ← (1 - lr λ) θ_{t-1})
        m_t = β1 m_{t-1} + (1 - β1) g_t,  v_t = β2 v_{t-1} + (1 - β2) g_t²,  m̂_t = m_t / (1 - β1^t)
        ρ∞ = 2/(1 - β2) - 1,  ρ_t = ρ∞ - 2 t β2^t / (1 - β2^t)
        ρ_t > 5:  θ_t = θ_{t-1} - lr m̂_t · sqrt(1 - β2^t)/(sqrt(v_t) + eps) · r_t,
                  r_t = sqrt((ρ_t - 4)(ρ_t - 2) ρ∞ / ((ρ∞ - 4)(ρ∞ - 2) ρ_t))
        else:     θ_t = θ_{t-1} - lr m̂_t

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 1e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: added to sqrt(v) (default 1e-8).
        weight_decay: weight decay λ (default 0).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of the gradient.
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step", "exp_avg", "exp_avg_sq".
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
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
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    _validate = Adam._validate

    def _init_state(self, p, group) -> dict:
        return {"step": new_step(), "exp_avg": zeros_like_param(p), "exp_avg_sq": zeros_like_param(p)}

    def _update_group(self, group, params) -> None:
        states = self._param_states(group, params)
        steps = advance_steps(states)
        beta1, beta2 = group["betas"]
        radam(
            *arrays_of(params),
            [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            steps,
            beta1=float(beta1),
            beta2=float(beta2),
            lr=hyper(group, "lr"),
            weight_decay=hyper(group, "weight_decay"),
            eps=hyper(group, "eps"),
            maximize=bool(group["maximize"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
        )
