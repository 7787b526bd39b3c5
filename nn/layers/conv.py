"""Conv2d."""

__all__: list[str] = []
