"""`autograd.linalg`: PyTorch's `torch.linalg` norms (the ops live in autograd/ops/norms.py)."""

from .ops.norms import linalg_matrix_norm as matrix_norm
from .ops.norms import linalg_norm as norm
from .ops.norms import linalg_vector_norm as vector_norm

__all__ = ["matrix_norm", "norm", "vector_norm"]

# isort: split
from .ops.linalg_solve import linalg_det as det
from .ops.linalg_solve import linalg_inv as inv
from .ops.linalg_solve import linalg_solve as solve

__all__ += ["det", "inv", "solve"]
from .ops.api_more import linalg_cross as cross  # noqa: E402

__all__ += ["cross"]
