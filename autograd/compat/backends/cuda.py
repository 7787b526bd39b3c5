"""`torch.backends.cuda` on a CPU-only build: `is_built()` is False; `matmul.allow_tf32` can be
set and has no effect on numpy."""

from __future__ import annotations


class _MatmulFlags:
    """Settable TF32 / reduced-precision switches (PyTorch's `torch.backends.cuda.matmul`)."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """False: tapegrad is not built with CUDA."""
    return False
