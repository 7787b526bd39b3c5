"""Finite-difference checks of analytic gradients: numerical_grad, gradcheck, gradgradcheck.

Central differences in float64: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every element i.
`fast_mode=True` instead compares one random projection vᵀ J u per input, with two function
evaluations per input whatever its size.
"""

from __future__ import annotations

import numpy as np

from .engine import grad as autograd_grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytic and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs) -> tuple:
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor))


def _snapshot(fn, inputs) -> list:
    """float64 copies of the outputs (an output may be a view of an input we perturb)."""
    with no_grad():
        return [np.array(o._data, dtype=np.float64) for o in _outputs(fn, inputs)]


def _double_inputs(inputs) -> tuple:
    """float64 copies of floating inputs (same requires_grad), others as they are."""
    result = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            result.append(Tensor(x._data.astype(np.float64), requires_grad=x.requires_grad))
        else:
            result.append(x)
    return tuple(result)


def numerical_grad(fn, inputs, eps: float = 1e-6, grad_output=None):
    """Central-difference gradient of a scalar function with respect to each input.

    Args:
        fn: callable taking the inputs and returning a Tensor (a scalar, unless `grad_output`).
        inputs: a Tensor or a sequence of Tensors (evaluated in float64).
        eps: the finite-difference step.
        grad_output: weights for a non-scalar output: differentiates ``sum(grad_output * fn(...))``.
    Returns:
        float64 ndarrays shaped like the inputs (one array when `inputs` is a single Tensor).
    """
    single = isinstance(inputs, Tensor)
    xs = _double_inputs(_as_tuple(inputs))
    weights = None if grad_output is None else np.asarray(getattr(grad_output, "_data", grad_output), dtype=np.float64)

    def scalar() -> float:
        with no_grad():
            out = fn(*xs)
        values = np.asarray(out._data if isinstance(out, Tensor) else out, dtype=np.float64)
        if weights is not None:
            return float(np.sum(values * weights))
        if values.size != 1:
            raise ValueError(
                f"numerical_grad: fn returned shape {values.shape}; give grad_output= for "
                "non-scalar outputs, or reduce the output to a scalar"
            )
        return float(values.reshape(()))

    grads = []
    for x in xs:
        if not isinstance(x, Tensor) or x.dtype.kind != "f":
            grads.append(None)
            continue
        # NOTE: .flat, not reshape(-1): it writes through for any memory order (reshape copies a
        # non-C-contiguous array, and the perturbation would never reach the input)
        flat = x._data.flat
        g = np.zeros(x._data.size)
        for i in range(x._data.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = scalar()
            flat[i] = orig - eps
            minus = scalar()
            flat[i] = orig
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g.reshape(x.shape))
    return grads[0] if single else tuple(grads)


def _jacobians_numerical(fn, xs, eps):
    """Per (output, input): numerical Jacobian of shape (out.size, in.size)."""
    with no_grad():
        outs = _outputs(fn, xs)
    jac = {}
    for i, x in enumerate(xs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        flat = x._data.flat  # writes through for any memory order (see numerical_grad)
        cols = [np.zeros((o._data.size, x._data.size)) for o in outs]
        for k in range(x._data.size):
            orig = flat[k]
            flat[k] = orig + eps
            plus = _snapshot(fn, xs)
            flat[k] = orig - eps
            minus = _snapshot(fn, xs)
            flat[k] = orig
            for j, (p, m) in enumerate(zip(plus, minus)):
                cols[j][:, k] = (p - m).reshape(-1) / (2 * eps)
        for j in range(len(outs)):
            jac[j, i] = cols[j]
    return outs, jac


def _jacobians_analytic(fn, xs):
    outs = _outputs(fn, xs)
    diff = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
    index = {id(x): i for i, x in enumerate(xs)}
    jac = {}
    for j, o in enumerate(outs):
        rows = {index[id(x)]: np.zeros((o._data.size, x._data.size)) for x in diff}
        if o.requires_grad:
            for r in range(o._data.size):
                v = np.zeros(o._data.size)
                v[r] = 1.0
                gs = autograd_grad(o, diff, grad_outputs=Tensor(v.reshape(o.shape).astype(o.dtype)),
                                   retain_graph=True, allow_unused=True)
                for x, g in zip(diff, gs):
                    if g is not None:
                        rows[index[id(x)]][r] = g._data.reshape(-1)
        for i, m in rows.items():
            jac[j, i] = m
    return outs, jac


def _compare(name, num, ana, x_shape, atol, rtol, out_index, in_index):
    diff = np.abs(num - ana)
    bound = atol + rtol * np.abs(num)
    if np.all(diff <= bound):
        return
    worst = np.unravel_index(np.argmax(diff - bound), diff.shape)
    out_pos, in_pos = worst
    in_idx = np.unravel_index(in_pos, x_shape) if x_shape else ()
    raise GradcheckError(
        f"{name}: Jacobian mismatch for output {out_index} with respect to input {in_index} "
        f"(shape {tuple(x_shape)}): worst element at output position {out_pos}, input index "
        f"{tuple(int(i) for i in in_idx)}: numerical {num[worst]:.8g} vs analytic {ana[worst]:.8g} "
        f"(|diff| {diff[worst]:.3g} > atol + rtol*|numerical| = {bound[worst]:.3g})"
    )


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, seed: int = 0) -> bool:
    """Check the analytic gradients of `fn` against central finite differences in float64.

    Args:
        fn: callable on the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or tuple; those with requires_grad are checked (cast to float64).
        eps, atol, rtol: step and tolerances: |numerical - analytic| <= atol + rtol*|numerical|.
        raise_exception: raise `GradcheckError` (naming the input, the worst element and both
            values) on failure; otherwise return False.
        fast_mode: compare a random projection vᵀ J u per input instead of full Jacobians.
    Returns:
        True when every gradient matches.
    """
    xs = _double_inputs(_as_tuple(inputs))
    if not any(isinstance(x, Tensor) and x.requires_grad for x in xs):
        raise ValueError("gradcheck: at least one input must be a Tensor with requires_grad=True")
    try:
        if fast_mode:
            _fast_check(fn, xs, eps, atol, rtol, seed)
        else:
            _, num = _jacobians_numerical(fn, xs, eps)
            _, ana = _jacobians_analytic(fn, xs)
            for (j, i), n in num.items():
                _compare("gradcheck", n, ana[j, i], xs[i].shape, atol, rtol, j, i)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _fast_check(fn, xs, eps, atol, rtol, seed) -> None:
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, xs)
    vs = [rng.standard_normal(o.shape) for o in outs]
    for i, x in enumerate(xs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        u = rng.standard_normal(x.shape)
        orig = x._data.copy()
        x._data[...] = orig + eps * u
        plus = _snapshot(fn, xs)
        x._data[...] = orig - eps * u
        minus = _snapshot(fn, xs)
        x._data[...] = orig
        numerical = sum(float(np.sum((p - m) / (2 * eps) * v)) for p, m, v in zip(plus, minus, vs))
        analytic = 0.0
        for o, v in zip(_outputs(fn, xs), vs):
            if o.requires_grad:
                (g,) = autograd_grad(o, [x], grad_outputs=Tensor(v.astype(o.dtype)), allow_unused=True)
                if g is not None:
                    analytic += float(np.sum(g._data * u))
        if abs(numerical - analytic) > atol + rtol * abs(numerical):
            raise GradcheckError(
                f"gradcheck (fast mode): projection vᵀJu mismatch for input {i} "
                f"(shape {tuple(x.shape)}): numerical {numerical:.8g} vs analytic {analytic:.8g}"
            )


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
                  seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (inputs, v) -> vᵀ J computed with create_graph=True.

    `grad_outputs` (the v's) default to random float64 tensors that themselves require grad,
    so the check also covers the gradient's dependence on v.
    """
    xs = _double_inputs(_as_tuple(inputs))
    diff_idx = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    with no_grad():
        outs = _outputs(fn, xs)
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        vs = tuple(Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs)
    else:
        vs = _double_inputs(_as_tuple(grad_outputs))
    n = len(xs)

    def first_order(*args):
        with enable_grad():  # the finite differences call this under no_grad
            return _first_order(*args)

    def _first_order(*args):
        ins, gos = args[:n], args[n:]
        os_ = _outputs(fn, ins)
        pairs = [(o, v) for o, v in zip(os_, gos) if o.requires_grad]
        targets = [ins[i] for i in diff_idx]
        if not pairs:
            return tuple(Tensor(np.zeros(t.shape)) for t in targets)
        gs = autograd_grad([o for o, _ in pairs], targets, grad_outputs=[v for _, v in pairs],
                           create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(t.shape)) if g is None else g for t, g in zip(targets, gs))

    return gradcheck(first_order, xs + tuple(vs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed)
