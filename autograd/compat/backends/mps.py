"""`torch.backends.mps` on a build without Apple's Metal backend."""

from __future__ import annotations


def is_available() -> bool:
    """False: there is no MPS device."""
    return False


def is_built() -> bool:
    """False: tapegrad is not built with MPS."""
    return False
