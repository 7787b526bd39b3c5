"""Layers (Module subclasses), one family per file."""

__all__: list[str] = []
