"""Linear, Identity, Flatten, Embedding."""

__all__: list[str] = []
