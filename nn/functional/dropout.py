"""dropout."""

__all__: list[str] = []
