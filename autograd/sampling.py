"""Random tensors with PyTorch's names and arguments: rand, randn, randint, randperm,
multinomial, normal, bernoulli and the `*_like` forms.

Each takes `generator=` (an `autograd.Generator`; default: the global one that
`autograd.manual_seed` seeds), `dtype=`, `device=` and `requires_grad=` where PyTorch does.
"""

from __future__ import annotations

import numpy as np

from .creation import _finish, _shape
from .promotion import get_default_dtype
from .random import resolve
from .tensor import Tensor, _to_array

__all__ = ["bernoulli", "multinomial", "normal", "rand", "rand_like", "randint", "randint_like",
           "randn", "randn_like", "randperm"]


def _float_dtype(dtype, where: str):
    dtype = np.dtype(dtype or get_default_dtype())
    if dtype.kind != "f":
        raise RuntimeError(f'"{where}" not implemented for \'{dtype}\': use a floating dtype')
    return dtype


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False,
          **kw) -> Tensor:
    """Samples from N(0, 1) of the given size (float32 by default)."""
    shape = _shape(size, kw.pop("size", None), "randn")
    _no_kw(kw, "randn")
    dtype = _float_dtype(dtype, "randn")
    array = resolve(generator).standard_normal(shape).astype(dtype, copy=False)
    return _finish(array, device, requires_grad, "randn")


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False,
         **kw) -> Tensor:
    """Samples from U[0, 1) of the given size (float32 by default)."""
    shape = _shape(size, kw.pop("size", None), "rand")
    _no_kw(kw, "rand")
    dtype = _float_dtype(dtype, "rand")
    array = resolve(generator).random(shape).astype(dtype, copy=False)
    return _finish(array, device, requires_grad, "rand")


def _no_kw(kw: dict, where: str) -> None:
    for name in ("layout", "pin_memory", "memory_format"):
        kw.pop(name, None)
    if kw:
        raise TypeError(f"{where}() got an unexpected keyword argument '{next(iter(kw))}'")


def randint(*args, size=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False, low=None, high=None) -> Tensor:
    """Integers uniform in [low, high) of shape `size` (int64 by default).

    Called as PyTorch: `randint(high, size)`, `randint(low, high, size)`, or with keywords
    (`randint(0, 10, size=(3,))`, `randint(low=0, high=10, size=(3,))`); `randint(5, (10,))`
    is ten values in [0, 5).
    """
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)):
            raise TypeError("randint() missing the size argument: randint(low=0, high, size)")
        size = args.pop()
    if len(args) == 2:
        if low is not None or high is not None:
            raise TypeError("randint() got low/high both positionally and as keywords")
        low, high = args
    elif len(args) == 1:
        if high is not None:
            low, high = args[0], high
        else:
            high = args[0]
    elif args:
        raise TypeError(f"randint() takes low, high and size, got {len(args) + 1} positional values")
    if high is None:
        raise TypeError("randint() missing the high argument: randint(low=0, high, size)")
    low = 0 if low is None else int(low)
    high = int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    shape = _shape((size,), None, "randint")
    array = resolve(generator).integers(low, high, size=shape).astype(dtype or np.int64)
    return _finish(array, device, requires_grad, "randint")


def randperm(n: int, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    array = resolve(generator).permutation(int(n)).astype(dtype or np.int64)
    return _finish(array, device, requires_grad, "randperm")


def multinomial(input, num_samples: int, replacement: bool = False, generator=None) -> Tensor:
    """Indices drawn from the categories whose weights are the last dimension of `input`.

    Args:
        input: (C,) or (N, C) non-negative weights (need not sum to one).
        num_samples: draws per row; without replacement at most C (categories of weight 0
            are drawn only after all the others, as in PyTorch).
        replacement: draw with replacement.
        generator: an `autograd.Generator`.

    Returns:
        int64 (num_samples,) or (N, num_samples).
    """
    w = np.asarray(input._data if isinstance(input, Tensor) else input, dtype=np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {w.ndim} dims")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("multinomial: cannot sample n_sample <= 0 samples")
    rows = w.reshape(-1, w.shape[-1])
    n = rows.shape[1]
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    total = rows.sum(axis=1)
    if (total <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities "
                           "<= 0)")
    rng = resolve(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]  # the last entry becomes exactly 1, so u < 1 never falls past it
        # one searchsorted for all rows: row i's cdf and draws are shifted by i
        offsets = np.arange(len(rows), dtype=np.float64)[:, None]
        u = rng.random((len(rows), num_samples)) + offsets
        idx = np.searchsorted((cdf + offsets).ravel(), u.ravel(), side="right")
        out = idx.reshape(len(rows), num_samples) - np.arange(len(rows))[:, None] * n
        out = np.minimum(out, n - 1)
    else:
        if num_samples > n:
            raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                               "without replacement")
        # PyTorch's way (zero weights get key 0, so they come last, as PyTorch's do): the top num_samples of w / q with q ~ Exp(1) are a draw without replacement
        keys = rows / rng.exponential(size=rows.shape)
        out = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64)
    return _finish(out.reshape(*w.shape[:-1], num_samples), None, False, "multinomial")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Samples from N(mean, std²): `mean` and `std` are tensors (broadcast together) or floats
    (then `size` gives the shape). The result has the dtype of the tensor argument (float32 by
    default) and is not differentiable with respect to mean or std."""
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if not tensors and size is None:
        raise TypeError("normal(): with float mean and std, give the size")
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if (np.asarray(s) < 0).any():
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(s)}")
    shape = np.broadcast_shapes(np.shape(m), np.shape(s)) if tensors else _shape((size,), None,
                                                                                   "normal")
    if dtype is None:
        dtype = tensors[0].dtype if tensors else get_default_dtype()
    z = resolve(generator).standard_normal(shape)
    array = (m + s * z).astype(dtype, copy=False)
    return _finish(array, device, requires_grad, "normal")


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """0/1 samples, 1 with probability `input` elementwise (or with the float `p` if given);
    the dtype of `input`. Not differentiable."""
    x = input._data if isinstance(input, Tensor) else _to_array(input)
    probs = x if p is None else np.full(x.shape, p)
    if ((probs < 0) | (probs > 1)).any() or np.isnan(probs).any():
        raise RuntimeError("bernoulli: all elements of input should be between 0 and 1")
    array = (resolve(generator).random(x.shape) < probs).astype(x.dtype)
    return _finish(array, None, False, "bernoulli")


def randn_like(input, dtype=None, device=None, requires_grad: bool = False,
               generator=None) -> Tensor:
    """N(0, 1) samples with the shape (and dtype) of `input`."""
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad, generator=generator)


def rand_like(input, dtype=None, device=None, requires_grad: bool = False,
              generator=None) -> Tensor:
    """U[0, 1) samples with the shape (and dtype) of `input`."""
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad: bool = False,
                 generator=None) -> Tensor:
    """Integers uniform in [low, high) with the shape (and dtype) of `input`;
    `randint_like(x, 10)` means high=10."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad, generator=generator)
