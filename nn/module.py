"""Module (the base of every layer) and Parameter."""

__all__: list[str] = []
