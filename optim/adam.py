"""Adam and AdamW (decoupled weight decay), with AMSGrad; PyTorch's eps placement."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    advance_steps,
    arrays_of,
    check_at_least_zero,
    check_number,
    hyper,
    lerp_,
    new_step,
    scratch_like,
    zeros_like_param,
)

__all__ = ["Adam", "AdamW", "adam"]


def adam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    max_exp_avg_sqs: list[np.ndarray | None],
    steps: list[float],
    *,
    amsgrad: bool,
    beta1: float,
    beta2: float,
    lr: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    decoupled_weight_decay: bool,
    scratch: dict | None = None,
) -> None:
    """One Adam/AdamW step on arrays, in place; `steps[i]` is t, already incremented; `scratch`
    (a dict the caller keeps between steps) holds reused work buffers.

    m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  (AMSGrad: v_max = max(v_max, v), used for v)
    p = p - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps).
    Weight decay: g += λ·p (Adam) or p *= 1 - lr·λ (decoupled, AdamW).
    """
    # NOTE: two reused scratch arrays instead of five temporaries per parameter (W8's 0.35M
    # parameters: 1.11 -> 1.07 ms a step, medians, bitwise equal results); the arithmetic and its
    # order are PyTorch's (addcdiv computes (-step_size · m) / denom)
    scratch = {} if scratch is None else scratch
    for i, p in enumerate(params):
        tmp, denom = scratch_like(scratch, p)
        g = grads[i]
        if g.strides != p.strides:
            # NOTE: a gradient in another memory order than its parameter (a Linear weight's
            # under create_graph) is first copied into the parameter's, so that every pass walks
            # all arrays in one order (W7's shapes, all gradients transposed: 9.3 -> 3.2 ms)
            tmp, denom, g = scratch_like(scratch, p, 3)
            np.copyto(g, grads[i])
        if maximize:
            g = -g
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        exp_avg, exp_avg_sq = exp_avgs[i], exp_avg_sqs[i]
        lerp_(exp_avg, g, 1 - beta1, tmp)
        exp_avg_sq *= beta2
        np.multiply(g, 1 - beta2, out=tmp)
        tmp *= g
        exp_avg_sq += tmp
        step = steps[i]
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        step_size = lr / bias_correction1
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
            second = max_exp_avg_sqs[i]
        else:
            second = exp_avg_sq
        # NOTE: eps is added to sqrt(v)/sqrt(bc2), i.e. to sqrt(v_hat), as PyTorch does
        np.sqrt(second, out=denom)
        denom /= bias_correction2_sqrt
        denom += eps
        np.multiply(exp_avg, -step_size, out=tmp)
        tmp /= denom
        p += tmp


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2014), optionally AMSGrad; PyTorch's update exactly.

    With g_t the gradient (negated when `maximize`):

        g_t ← g_t + λ·θ_{t-1}              (weight_decay λ ≠ 0; decoupled: θ_{t-1} ← (1 - lr·λ)·θ_{t-1})
        m_t = β1·m_{t-1} + (1 - β1)·g_t
        v_t = β2·v_{t-1} + (1 - β2)·g_t²
        v_t ← max(v^max_{t-1}, v_t) =: v^max_t  (amsgrad)
        θ_t = θ_{t-1} - lr/(1 - β1^t) · m_t / (sqrt(v_t)/sqrt(1 - β2^t) + eps)

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 1e-3).
        betas: (β1, β2), the decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to sqrt(v̂) for stability (default 1e-8).
        weight_decay: L2 penalty λ added to the gradient (default 0).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of the gradient.

    State per parameter: "step", "exp_avg", "exp_avg_sq", and "max_exp_avg_sq" with amsgrad.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas) if isinstance(betas, list) else betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        self._scratch: dict = {}  # work buffers of `adam`, reused across steps (not state)

    def _validate(self, hp) -> None:
        """PyTorch's checks and messages for lr, eps, betas and weight_decay."""
        name = type(self).__name__
        check_at_least_zero(name, "lr", hp["lr"], f"Invalid learning rate: {hp['lr']}")
        check_at_least_zero(name, "eps", hp["eps"], f"Invalid epsilon value: {hp['eps']}")
        betas = hp["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            check_number(name, f"betas[{i}]", beta)
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        check_at_least_zero(
            name, "weight_decay", hp["weight_decay"],
            f"Invalid weight_decay value: {hp['weight_decay']}",
        )

    def _init_state(self, p, group) -> dict:
        state = {"step": new_step(), "exp_avg": zeros_like_param(p), "exp_avg_sq": zeros_like_param(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like_param(p)
        return state

    def _update_group(self, group, params) -> None:
        amsgrad = bool(group["amsgrad"])
        states = self._param_states(group, params)
        steps = advance_steps(states)
        beta1, beta2 = group["betas"]
        adam(
            *arrays_of(params),
            [s["exp_avg"]._data for s in states],
            [s["exp_avg_sq"]._data for s in states],
            [s["max_exp_avg_sq"]._data if amsgrad else None for s in states],
            steps,
            amsgrad=amsgrad,
            beta1=float(beta1),
            beta2=float(beta2),
            lr=hyper(group, "lr"),
            weight_decay=hyper(group, "weight_decay"),
            eps=hyper(group, "eps"),
            maximize=bool(group["maximize"]),
            decoupled_weight_decay=bool(group["decoupled_weight_decay"]),
            scratch=self._scratch,
        )


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2017): Adam with decoupled weight decay; PyTorch's update.

        θ_{t-1} ← (1 - lr·λ)·θ_{t-1}
        m_t = β1·m_{t-1} + (1 - β1)·g_t;   v_t = β2·v_{t-1} + (1 - β2)·g_t²   (v ← max(v^max, v): amsgrad)
        θ_t = θ_{t-1} - lr/(1 - β1^t) · m_t / (sqrt(v_t)/sqrt(1 - β2^t) + eps)

    Args:
        params: iterable of Tensors or of param-group dicts.
        lr: learning rate (default 1e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: added to sqrt(v̂) (default 1e-8).
        weight_decay: decoupled decay λ (default 1e-2).
        amsgrad: use the running maximum of v (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
            decoupled_weight_decay=True, foreach=foreach, capturable=capturable,
            differentiable=differentiable, fused=fused,
        )
