"""Datasets, DataLoader, transforms and offline datasets (PyTorch's torch.utils.data names).

    from nn.data import DataLoader, TensorDataset, load_mnist_sample
    (x_train, y_train), (x_test, y_test) = load_mnist_sample()
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True, seed=0)
    for x, y in loader:  # x: Tensor (64, 1, 28, 28) float32, y: Tensor (64,) int64
        ...
"""

from . import transforms
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, TransformDataset, random_split
from .datasets import load_digits, load_mnist_sample, train_test_split_indices
from .mixup import MixUp, mixup
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .toy import make_moons, make_spiral, make_xor
from .transforms import (
    ColorJitter,
    Compose,
    Lambda,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomVerticalFlip,
    ToTensor,
)

__all__ = [
    "BatchSampler",
    "ColorJitter",
    "Compose",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Lambda",
    "MixUp",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomSampler",
    "RandomVerticalFlip",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "ToTensor",
    "TransformDataset",
    "WeightedRandomSampler",
    "default_collate",
    "load_digits",
    "load_mnist_sample",
    "make_moons",
    "make_spiral",
    "make_xor",
    "mixup",
    "random_split",
    "train_test_split_indices",
    "transforms",
]
