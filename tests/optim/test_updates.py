"""Each optimizer's first three updates equal the published rule, written out by hand in float64."""

import numpy as np
import pytest

import optim
from autograd import Tensor

P0 = np.array([0.5, -1.5, 2.0])
# a fixed gradient sequence: signs flip and magnitudes differ so every term matters
GRADS = [np.array([0.3, -0.2, 1.0]), np.array([-0.1, 0.4, 0.5]), np.array([0.2, 0.1, -0.7])]


def run(make, grads=GRADS):
    """Three steps of optimizer `make([p])` with the gradients set by hand; the iterates."""
    p = Tensor(P0.copy(), requires_grad=True)
    opt = make([p])
    out = []
    for g in grads:
        p.grad = Tensor(g.copy())
        opt.step()
        out.append(p._data.copy())
    assert p.dtype == np.float64
    return out


def check(make, reference):
    """Compare each iterate with the hand computation (float64, so tight tolerances)."""
    ours = run(make)
    ref = reference(P0.copy(), [g.copy() for g in GRADS])
    assert len(ref) == 3
    for t, (a, b) in enumerate(zip(ours, ref), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {t}")


# ----------------------------------------------------------------------------- SGD
@pytest.mark.parametrize(
    "lr, mom, damp, wd, nesterov, maximize",
    [
        (0.1, 0.0, 0.0, 0.0, False, False),
        (0.1, 0.9, 0.0, 0.0, False, False),
        (0.05, 0.9, 0.3, 0.0, False, False),
        (0.1, 0.8, 0.0, 0.1, True, False),
        (0.2, 0.5, 0.25, 0.05, False, True),
        (0.1, 0.0, 0.0, 0.2, False, True),
    ],
)
def test_sgd(lr, mom, damp, wd, nesterov, maximize):
    def reference(p, grads):
        out, buf = [], None
        for g in grads:
            d = (-g if maximize else g) + wd * p
            if mom:
                # the first step's buffer is the gradient itself (no dampening)
                buf = d.copy() if buf is None else mom * buf + (1 - damp) * d
                d = d + mom * buf if nesterov else buf
            p = p - lr * d
            out.append(p)
        return out

    check(
        lambda ps: optim.SGD(ps, lr=lr, momentum=mom, dampening=damp, weight_decay=wd,
                             nesterov=nesterov, maximize=maximize),
        reference,
    )


def test_sgd_first_step_buffer_has_no_dampening():
    """With dampening 0.5 the first step moves by lr·g, not lr·0.5·g."""
    out = run(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5), GRADS[:1])
    np.testing.assert_allclose(out[0], P0 - 0.1 * GRADS[0], rtol=1e-15)


# ----------------------------------------------------------------------------- Adam / AdamW
@pytest.mark.parametrize(
    "lr, betas, eps, wd, amsgrad, maximize, decoupled",
    [
        (0.1, (0.9, 0.999), 1e-8, 0.0, False, False, False),
        # a large eps makes its placement (outside sqrt(v_hat)) visible
        (0.1, (0.8, 0.9), 0.1, 0.0, False, False, False),
        (0.05, (0.5, 0.7), 0.05, 0.1, True, False, False),
        (0.1, (0.9, 0.99), 1e-3, 0.2, False, True, False),
        (0.1, (0.9, 0.99), 0.01, 0.3, False, False, True),
        (0.1, (0.6, 0.95), 0.02, 0.1, True, True, True),
    ],
)
def test_adam(lr, betas, eps, wd, amsgrad, maximize, decoupled):
    b1, b2 = betas

    def reference(p, grads):
        out = []
        m = v = vmax = np.zeros(3)
        for t, g in enumerate(grads, start=1):
            g = -g if maximize else g
            if decoupled:
                p = p - lr * wd * p
            else:
                g = g + wd * p
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            m_hat = m / (1 - b1**t)
            if amsgrad:
                vmax = np.maximum(vmax, v)
                v_hat = vmax / (1 - b2**t)
            else:
                v_hat = v / (1 - b2**t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
            out.append(p)
        return out

    if decoupled:
        make = lambda ps: optim.AdamW(ps, lr=lr, betas=betas, eps=eps, weight_decay=wd,
                                      amsgrad=amsgrad, maximize=maximize)
    else:
        make = lambda ps: optim.Adam(ps, lr=lr, betas=betas, eps=eps, weight_decay=wd,
                                     amsgrad=amsgrad, maximize=maximize)
    check(make, reference)


def test_amsgrad_differs_from_adam_when_v_shrinks():
    """The gradient sequence makes v fall at step 3, so AMSGrad's max must matter."""
    grads = [np.array([3.0, 3.0, 3.0]), np.array([0.1, 0.1, 0.1]), np.array([0.1, 0.1, 0.1])]
    plain = run(lambda ps: optim.Adam(ps, lr=0.1, betas=(0.5, 0.5)), grads)
    ams = run(lambda ps: optim.Adam(ps, lr=0.1, betas=(0.5, 0.5), amsgrad=True), grads)
    assert np.abs(plain[2] - ams[2]).min() > 1e-3


def test_adamw_default_weight_decay_is_decoupled():
    """AdamW's default wd 1e-2 shrinks p by (1 - lr·wd) before the Adam step."""
    zero = [np.zeros(3)]
    out = run(lambda ps: optim.AdamW(ps, lr=0.5), zero)
    # zero gradient: m = v = 0, so only the decay moves p
    np.testing.assert_allclose(out[0], P0 * (1 - 0.5 * 1e-2), rtol=1e-15)


# ----------------------------------------------------------------------------- Adagrad
@pytest.mark.parametrize(
    "lr, lr_decay, wd, init, eps, maximize",
    [
        (0.1, 0.0, 0.0, 0.0, 1e-10, False),
        (0.5, 0.3, 0.0, 0.0, 1e-10, False),
        (0.1, 0.1, 0.2, 0.5, 0.1, False),
        (0.2, 0.0, 0.1, 0.1, 1e-2, True),
    ],
)
def test_adagrad(lr, lr_decay, wd, init, eps, maximize):
    def reference(p, grads):
        out, s = [], np.full(3, init)
        for t, g in enumerate(grads, start=1):
            g = (-g if maximize else g) + wd * p
            clr = lr / (1 + (t - 1) * lr_decay)
            s = s + g * g
            p = p - clr * g / (np.sqrt(s) + eps)
            out.append(p)
        return out

    check(
        lambda ps: optim.Adagrad(ps, lr=lr, lr_decay=lr_decay, weight_decay=wd,
                                 initial_accumulator_value=init, eps=eps, maximize=maximize),
        reference,
    )


# ----------------------------------------------------------------------------- Adadelta
@pytest.mark.parametrize(
    "lr, rho, eps, wd, maximize",
    [(1.0, 0.9, 1e-6, 0.0, False), (0.5, 0.7, 1e-2, 0.1, False), (2.0, 0.95, 1e-3, 0.0, True)],
)
def test_adadelta(lr, rho, eps, wd, maximize):
    def reference(p, grads):
        out, v, u = [], np.zeros(3), np.zeros(3)
        for g in grads:
            g = (-g if maximize else g) + wd * p
            v = rho * v + (1 - rho) * g * g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * delta * delta
            p = p - lr * delta
            out.append(p)
        return out

    check(
        lambda ps: optim.Adadelta(ps, lr=lr, rho=rho, eps=eps, weight_decay=wd, maximize=maximize),
        reference,
    )


# ----------------------------------------------------------------------------- RMSprop
@pytest.mark.parametrize(
    "lr, alpha, eps, wd, momentum, centered, maximize",
    [
        (0.01, 0.99, 1e-8, 0.0, 0.0, False, False),
        (0.05, 0.9, 0.1, 0.0, 0.0, True, False),
        (0.05, 0.8, 1e-3, 0.1, 0.9, False, False),
        (0.02, 0.7, 1e-2, 0.05, 0.5, True, False),
        (0.05, 0.9, 1e-2, 0.0, 0.3, True, True),
    ],
)
def test_rmsprop(lr, alpha, eps, wd, momentum, centered, maximize):
    def reference(p, grads):
        out, v, gbar, buf = [], np.zeros(3), np.zeros(3), np.zeros(3)
        for g in grads:
            g = (-g if maximize else g) + wd * p
            v = alpha * v + (1 - alpha) * g * g
            if centered:
                gbar = alpha * gbar + (1 - alpha) * g
                denom = np.sqrt(v - gbar * gbar) + eps
            else:
                denom = np.sqrt(v) + eps
            if momentum > 0:
                buf = momentum * buf + g / denom
                p = p - lr * buf
            else:
                p = p - lr * g / denom
            out.append(p)
        return out

    check(
        lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, weight_decay=wd,
                                 momentum=momentum, centered=centered, maximize=maximize),
        reference,
    )


# ----------------------------------------------------------------------------- dtype
@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
        lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True, weight_decay=0.1),
        lambda ps: optim.AdamW(ps, lr=0.1),
        lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.1, weight_decay=0.1),
        lambda ps: optim.Adadelta(ps, weight_decay=0.1),
        lambda ps: optim.RMSprop(ps, momentum=0.5, centered=True, weight_decay=0.1),
    ],
    ids=["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop"],
)
def test_float32_stays_float32(make):
    """Parameters and every state buffer stay float32 (no float64 scalar upcasts)."""
    p = Tensor(P0.astype(np.float32), requires_grad=True)
    opt = make([p])
    data = p._data
    for g in GRADS:
        p.grad = Tensor(g.astype(np.float32))
        opt.step()
    assert p._data is data and p.dtype == np.float32
    for key, value in opt.state[p].items():
        if key != "step":
            assert value.dtype == np.float32, key
    # the float32 run tracks the float64 one to float32 accuracy
    ref = run(make)[-1]
    np.testing.assert_allclose(p._data, ref, rtol=1e-5, atol=1e-6)
