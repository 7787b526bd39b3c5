"""MultiheadAttention."""

__all__: list[str] = []
