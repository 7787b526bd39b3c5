"""BatchNorm1d, BatchNorm2d, LayerNorm."""

__all__: list[str] = []
