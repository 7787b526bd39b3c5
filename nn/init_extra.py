"""More of PyTorch's initialisers: `orthogonal_` (Saxe et al. 2013), `dirac_` and `sparse_`
(Martens 2010).

Each fills the tensor in place under `no_grad()` and return it, as `torch.nn.init`'s do.
"""

from __future__ import annotations

import math

import numpy as np

from autograd import Tensor, no_grad

from .init import _check_tensor, _rng

__all__ = ["dirac_", "orthogonal_", "sparse_"]


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times `gain`: the tensor viewed as
    ``(rows, numel // rows)`` has orthonormal rows (rows <= cols) or columns (rows > cols).

    As PyTorch: QR of a standard normal matrix, with Q's columns signed by diag(R) so the result
    is uniformly distributed (Haar). Needs at least 2 dims.
    """
    _check_tensor("orthogonal_", tensor)
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        return tensor.copy_((gain * q).reshape(tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D conv weight `(out, in, *kernel)` with the Dirac delta: the conv
    then copies input channel d to output channel d of each of `groups` groups (1 at the
    kernel's centre ``k // 2``, 0 elsewhere)."""
    _check_tensor("dirac_", tensor)
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_channels = tensor.shape[0]
    if out_channels % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_channels // groups
    n = min(per_group, tensor.shape[1])
    d = np.tile(np.arange(n), groups)
    out = d + np.repeat(np.arange(groups) * per_group, n)
    centre = tuple(np.full(d.shape, k // 2) for k in tensor.shape[2:])
    values = np.zeros(tensor.shape)
    values[(out, d, *centre)] = 1.0
    with no_grad():
        return tensor.copy_(values)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fill a 2-D tensor with N(0, std²) values, then zero ``ceil(sparsity · rows)`` entries of
    each column (rows chosen at random per column), as PyTorch's `sparse_`."""
    _check_tensor("sparse_", tensor)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    rng = _rng(generator)
    values = rng.normal(0.0, std, (rows, cols))
    for col in range(cols):
        values[rng.permutation(rows)[:num_zeros], col] = 0.0
    with no_grad():
        return tensor.copy_(values)
