"""batch_norm, layer_norm."""

__all__: list[str] = []
