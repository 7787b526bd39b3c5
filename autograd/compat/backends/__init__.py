"""`torch.backends` as a CPU-only PyTorch build answers it: `cudnn`, `cuda`, `mps`."""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
