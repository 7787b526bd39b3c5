"""RemovableHandle: what `Module.register_forward_hook` and friends return."""

from __future__ import annotations

import itertools
from collections import OrderedDict

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """Returned by `register_forward_hook` and friends; `.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
