"""Datasets, DataLoader, transforms and offline datasets (PyTorch's torch.utils.data names)."""

__all__: list[str] = []
