"""The op table. Importing this package registers every op (see registry.py)."""

from . import arithmetic, indexing, linalg, reduction, shape, special  # noqa: F401
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
