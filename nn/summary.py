"""summary(model, input_size): per-layer output shapes, parameters, receptive fields."""

__all__: list[str] = []
