"""`torch.cuda` as a CPU-only PyTorch build answers it: no device, seeding is a no-op, and
anything that needs a GPU raises AssertionError saying tapegrad runs on the CPU."""

from __future__ import annotations

__all__ = ["current_device", "device_count", "empty_cache", "get_device_name", "is_available",
           "is_initialized", "manual_seed", "manual_seed_all", "max_memory_allocated",
           "memory_allocated", "seed", "seed_all", "synchronize"]


def _no_cuda(what: str):
    raise AssertionError(
        f"Torch not compiled with CUDA enabled: torch.cuda.{what}() needs a GPU, and tapegrad runs "
        "on the CPU (torch.cuda.is_available() is False)"
    )


def is_available() -> bool:
    """False: tapegrad has no CUDA."""
    return False


def is_initialized() -> bool:
    """False: CUDA is never initialized."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0


def manual_seed(seed: int) -> None:
    """No-op (there is no GPU generator), as on a CPU-only PyTorch."""


def manual_seed_all(seed: int) -> None:
    """No-op (there is no GPU generator), as on a CPU-only PyTorch."""


def seed() -> None:
    """No-op (there is no GPU generator)."""


def seed_all() -> None:
    """No-op (there is no GPU generator)."""


def empty_cache() -> None:
    """No-op: there is no GPU memory cache."""


def memory_allocated(device=None) -> int:
    """0 bytes: nothing lives on a GPU."""
    return 0


def max_memory_allocated(device=None) -> int:
    """0 bytes: nothing lives on a GPU."""
    return 0


def synchronize(device=None) -> None:
    """Raises AssertionError: there is no GPU to wait for."""
    _no_cuda("synchronize")


def current_device() -> int:
    """Raises AssertionError: there is no current GPU."""
    _no_cuda("current_device")


def get_device_name(device=None) -> str:
    """Raises AssertionError: there is no GPU to name."""
    _no_cuda("get_device_name")
