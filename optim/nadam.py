"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule; PyTorch's update exactly."""

from __future__ import annotations

import numpy as np

from .adam import Adam
from .optimizer import (
    Optimizer,
    advance_steps,
    arrays_of,
    check_at_least_zero,
    hyper,
    lerp_,
    new_step,
    state_tensor,
    zeros_like_param,
)

__all__ = ["NAdam", "nadam"]


def nadam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    mu_products: list[np.ndarray],
    steps: list[float],
    *,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    momentum_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """One NAdam step on arrays, in place; `steps[i]` is t, already incremented.

    μ_t = β1 (1 - 0.5 · 0.96^(t ψ)), Π_t = Π_{t-1} μ_t (kept in float32, as PyTorch's 0-d state);
    m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;  d = sqrt(v / (1-β2^t)) + eps;
    p -= lr (1-μ_t)/(1-Π_t) · g/d + lr μ_{t+1}/(1-Π_t μ_{t+1}) · m/d.
    """
    for i, p in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        step = steps[i]
        bias_correction2 = 1 - beta2**step
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_products[i] *= mu
        mu_product = float(mu_products[i])
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g
        denom = np.sqrt(exp_avg_sq / bias_correction2)
        denom += eps
        mu_product_next = mu_product * mu_next
        update = g * (-lr * (1.0 - mu) / (1.0 - mu_product))
        update /= denom
        p += update
        update = exp_avg * ((-lr * mu_next) / (1.0 - mu_product_next))
        update /= denom
        p += update


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016): Adam with Nesterov momentum; PyTorch's update exactly.

        g_t ← g_t + λ θ_{t-1}   (weight_decay; decoupled: θ_{t-1} ← (1 - lr λ) θ_{t-1})
        μ_t = β1 (1 - ½ · 0.96^(t ψ)),  μ_{t+1} = β1 (1 - ½ · 0.96^((t+1) ψ))
        m_t = β1 m_{t-1} + (1 - β1) g_t,  v_t = β2 v_{t-1} + (1 - β2) g_t²
        θ_t = θ_{t-1} - lr (1 - μ_t)/(1 - Π_{i≤t} μ_i) · g_t / (sqrt(v_t / (1 - β2^t)) + eps)
                      - lr μ_{t+1}/(1 - Π_{i≤t+1} μ_i) · m_t / (sqrt(v_t / (1 - β2^t)) + eps)

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 2e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
        momentum_decay: ψ (default 4e-3).
        decoupled_weight_decay: decay the weights directly (as AdamW) instead of the gradient.
        maximize: maximize the objective instead of minimizing it.

    State per parameter: "step", "mu_product" (0-d float32), "exp_avg", "exp_avg_sq".
    """

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _validate(self, hp) -> None:
        """PyTorch's checks and messages (Adam's, plus momentum_decay >= 0)."""
        Adam._validate(self, hp)
        check_at_least_zero(
            "NAdam", "momentum_decay", hp["momentum_decay"],
            f"Invalid momentum_decay value: {hp['momentum_decay']}",
        )

    def _init_state(self, p, group) -> dict:
        return {
            "step": new_step(),
            "mu_product": state_tensor(np.ones((), dtype=np.float32)),
            "exp_avg": zeros_like_param(p),
            "exp_avg_sq": zeros_like_param(p),
        }

    def _update_group(self, group, params) -> None:
        states = self._param_states(group, params)
        steps = advance_steps(states)
        beta1, beta2 = group["betas"]
        nadam(
            *arrays_of(params),
            [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            [s["mu_product"]._data for s in states],
            steps,
            beta1=float(beta1),
            beta2=float(beta2),
            lr=hyper(group, "lr"),
            weight_decay=hyper(group, "weight_decay"),
            momentum_decay=hyper(group, "momentum_decay"),
            eps=hyper(group, "eps"),
            maximize=bool(group["maximize"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
        )
