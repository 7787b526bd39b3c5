"""ColorJitter (brightness, contrast) and MixUp: the formulas, per-image draws, kinds and errors."""

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from nn.data import ColorJitter, MixUp, mixup


def test_brightness_scales_each_image_by_its_own_factor_and_clips():
    x = np.full((64, 1, 4, 4), 0.5, dtype=np.float32)
    out = ColorJitter(brightness=0.4, seed=0)(x)
    factors = out[:, 0, 0, 0] / 0.5
    assert out.dtype == np.float32 and out.shape == x.shape
    assert np.all((factors >= 0.6 - 1e-6) & (factors <= 1.4 + 1e-6))
    assert len(np.unique(factors)) == 64  # one draw per image
    assert np.all(out == out[:, :, :1, :1])  # the same factor over the whole image
    bright = ColorJitter(brightness=(3.0, 3.0))(np.full((2, 1, 2, 2), 0.5, dtype=np.float32))
    assert np.all(bright == 1.0)


def test_contrast_scales_distance_to_the_mean():
    x = np.array([[[[0.2, 0.6], [0.4, 0.4]]]], dtype=np.float32)  # mean 0.4
    out = ColorJitter(contrast=(0.5, 0.5))(x)
    np.testing.assert_allclose(out, 0.4 + 0.5 * (x - 0.4), rtol=1e-6)
    rgb = np.random.default_rng(0).random((2, 3, 5, 5)).astype(np.float32)
    flat = ColorJitter(contrast=(0.0, 0.0))(rgb)
    luma = (0.299 * rgb[:, 0] + 0.587 * rgb[:, 1] + 0.114 * rgb[:, 2]).mean(axis=(1, 2))
    np.testing.assert_allclose(flat[:, :, 0, 0], np.repeat(luma[:, None], 3, 1), rtol=1e-5)


def test_single_images_tensors_and_identity():
    img = np.random.default_rng(1).random((1, 6, 6)).astype(np.float32)
    assert ColorJitter(brightness=0.2, seed=1)(img).shape == (1, 6, 6)
    assert ColorJitter(brightness=0.2, seed=1)(img[0]).shape == (6, 6)
    np.testing.assert_array_equal(ColorJitter()(img), img)
    out = ColorJitter(brightness=0.3, seed=2)(Tensor(img[None]))
    assert isinstance(out, Tensor) and out.shape == (1, 1, 6, 6)
    with pytest.raises(ValueError, match="brightness"):
        ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="contrast"):
        ColorJitter(contrast=(2, 1))


def test_mixup_blends_inputs_and_one_hot_labels():
    rng = np.random.default_rng(0)
    x = rng.random((8, 3), dtype=np.float32)
    y = np.arange(8) % 4
    mixed, soft = mixup(x, y, alpha=0.4, num_classes=4, seed=5)
    g = np.random.default_rng(5)
    lam, perm = np.float32(g.beta(0.4, 0.4)), g.permutation(8)
    np.testing.assert_allclose(mixed, lam * x + (1 - lam) * x[perm], rtol=1e-6)
    onehot = np.eye(4, dtype=np.float32)[y]
    np.testing.assert_allclose(soft.numpy(), lam * onehot + (1 - lam) * onehot[perm], rtol=1e-6)
    np.testing.assert_allclose(soft.numpy().sum(1), 1, rtol=1e-6)
    logits = Tensor(rng.normal(size=(8, 4)).astype(np.float32), requires_grad=True)
    F.cross_entropy(logits, soft).backward()
    assert logits.grad.shape == (8, 4)


def test_mixup_class_tensor_input_and_errors():
    x = Tensor(np.ones((4, 2), dtype=np.float32))
    mixed, soft = MixUp(alpha=1.0, num_classes=3, seed=0)(x, Tensor(np.array([0, 1, 2, 0])))
    assert isinstance(mixed, Tensor) and soft.shape == (4, 3)
    with pytest.raises(ValueError, match="num_classes"):
        mixup(x, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError, match="alpha"):
        MixUp(alpha=0)
    with pytest.raises(ValueError, match="examples"):
        mixup(x, np.array([0, 1]), num_classes=3)
