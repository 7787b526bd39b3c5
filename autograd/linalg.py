"""`autograd.linalg`: PyTorch's `torch.linalg` norms (the ops live in autograd/ops/norms.py)."""

from .ops.norms import linalg_matrix_norm as matrix_norm
from .ops.norms import linalg_norm as norm
from .ops.norms import linalg_vector_norm as vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]
