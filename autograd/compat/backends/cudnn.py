"""`torch.backends.cudnn` on a CPU-only build: not available; its flags can be set (programs set
`benchmark` and `deterministic`) and have no effect on numpy."""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: there is no cuDNN."""
    return False


def version() -> None:
    """None: there is no cuDNN."""
    return None
