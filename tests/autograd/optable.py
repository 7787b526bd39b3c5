"""Turn op-table samples into concrete inputs for the generated tests."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from autograd import Tensor
from autograd.ops.registry import PRIMITIVES, Const


def draw_array(shape, domain, rng, dtype=np.float64) -> np.ndarray:
    """Random values in the op's domain: (low, high) or "nonzero" (±[0.3, 1.5])."""
    if domain == "nonzero":
        values = rng.uniform(0.3, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    else:
        values = rng.uniform(domain[0], domain[1], shape)
    return np.asarray(values, dtype=dtype)


def is_shape(arg) -> bool:
    return isinstance(arg, tuple) and all(isinstance(n, int) for n in arg)


def materialize(info, sample, rng, dtype=np.float64):
    """Return (arrays, build): the differentiable arrays, and a function that rebuilds the call.

    `build(values, wrap)` makes the positional args, wrapping each differentiable value with
    `wrap` (Tensor for our op, identity for the numpy reference).
    """
    arrays = []
    layout = []
    for arg in sample.args:
        if is_shape(arg):
            layout.append(("one", len(arrays)))
            arrays.append(draw_array(arg, info.domain, rng, dtype))
        elif isinstance(arg, list) and arg and all(is_shape(a) for a in arg):
            layout.append(("list", list(range(len(arrays), len(arrays) + len(arg)))))
            arrays.extend(draw_array(a, info.domain, rng, dtype) for a in arg)
        else:  # a constant: Const(value) or a plain argument, passed as it is
            layout.append(("const", arg.value if isinstance(arg, Const) else arg))

    def build(values, wrap):
        args = []
        for kind, item in layout:
            if kind == "one":
                args.append(wrap(values[item]))
            elif kind == "list":
                args.append([wrap(values[i]) for i in item])
            else:
                args.append(item)
        return args

    return arrays, build


def identity(x):
    """`wrap` for the numpy reference: the value itself."""
    return x


def flat_outputs(result) -> list:
    """Outputs of an op (tensor, tuple, namedtuple) as a flat list."""
    if isinstance(result, (tuple, list)):
        return [o for r in result for o in flat_outputs(r)]
    return [result]


def to_numpy(x) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class TensorFromVjp(AssertionError):
    """A VJP returned a Tensor while running on plain arrays (a first-order backward)."""


@contextmanager
def vjps_must_return_arrays():
    """Within the block, a primitive's VJP called on ndarrays only (the plain, first-order
    backward) that returns a Tensor raises TensorFromVjp: that backward must build no Tensor
    wrappers (they cost time, and a Tensor gradient reaching the next VJP can go wrong)."""
    saved = {}

    def checked(name, i, vjp):
        def run(g, out, *args, **kwargs):
            result = vjp(g, out, *args, **kwargs)
            plain = not any(isinstance(a, Tensor) for a in (g, out, *args))
            if plain and isinstance(result, Tensor):
                raise TensorFromVjp(f"the VJP of {name!r} for input {i} returned a Tensor on arrays")
            return result
        return run

    for name, prim in PRIMITIVES.items():
        saved[name] = prim.vjps
        if isinstance(prim.vjps, tuple):
            prim.vjps = tuple(None if v is None else checked(name, i, v) for i, v in enumerate(prim.vjps))
    try:
        yield
    finally:
        for name, vjps in saved.items():
            PRIMITIVES[name].vjps = vjps
