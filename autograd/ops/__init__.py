"""The op table. Importing this package registers every op (see registry.py)."""

from . import arithmetic, indexing, linalg, reduction, shape, special, splitting  # noqa: F401

# isort: split
# PyTorch's everyday API (issue 15); the files that replace an entry above (div, flatten, view,
# pad) import the file that registered it first
from . import (  # noqa: F401
    binary_math,
    comparison,
    cumulative,
    elementwise_math,
    gathering,
    norms,
    padding,
    products,
    scatter,
    sorting,
    structure,
)
from .registry import (
    NUMPY_DISPATCH,
    PRIMITIVES,
    REGISTRY,
    Const,
    OpInfo,
    Primitive,
    Sample,
    register,
)

__all__ = ["NUMPY_DISPATCH", "PRIMITIVES", "REGISTRY", "Const", "OpInfo", "Primitive", "Sample", "register"]

# isort: split
from . import (
    api_extra,  # noqa: F401  (select, unfold, hstack, tensordot, index_add, isin, ...)
    api_methods,  # noqa: F401  (PyTorch names the contract lists leave out)
    api_more,  # noqa: F401  (cdist, cross, searchsorted, tril_indices, ...)
    api_shift_mode,  # noqa: F401  (bitwise shifts, mode)
    linalg_solve,  # noqa: F401  (inverse, det, linalg.solve)
)
