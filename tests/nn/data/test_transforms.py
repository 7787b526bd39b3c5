"""Transforms on single images and on batches: crop windows, padding, flips, normalize."""

import numpy as np
import pytest

import autograd
from autograd import Tensor
from nn.data import (
    Compose,
    Lambda,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    RandomVerticalFlip,
    ToTensor,
)


def _images(*shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32) + 1.0  # all > 0


def _window_offsets(padded, crop):
    """Every (i, j) where `crop` equals padded[..., i:i+h, j:j+w] (independent brute force)."""
    h, w = crop.shape[-2:]
    H, W = padded.shape[-2:]
    return [(i, j) for i in range(H - h + 1) for j in range(W - w + 1)
            if np.array_equal(padded[..., i:i + h, j:j + w], crop)]


def test_normalize_math_single_and_batch():
    x = _images(2, 3, 4, 5)
    mean, std = [0.1, 0.2, 0.3], [0.5, 1.0, 2.0]
    out = Normalize(mean, std)(x)
    for c in range(3):
        np.testing.assert_allclose(out[:, c], (x[:, c] - mean[c]) / std[c], rtol=1e-6)
    assert out.dtype == np.float32
    np.testing.assert_allclose(Normalize(mean, std)(x[0]), out[0], rtol=1e-6)
    one = Normalize(0.5, 0.25)(x[0])  # one value for every channel
    np.testing.assert_allclose(one, (x[0] - 0.5) / 0.25, rtol=1e-6)


def test_normalize_on_tensor_is_differentiable():
    x = Tensor(_images(2, 1, 3, 3).astype(np.float64), requires_grad=True)
    Normalize([0.5], [0.25])(x).sum().backward()
    np.testing.assert_allclose(x.grad._data, np.full((2, 1, 3, 3), 4.0))


def test_normalize_errors():
    with pytest.raises(ValueError, match="std evaluated to zero"):
        Normalize([0.0], [0.0])
    with pytest.raises(ValueError, match="mean has 2 values but the image has 3 channels"):
        Normalize([0.0, 0.0], [1.0])(_images(3, 4, 4))
    with pytest.raises(TypeError, match="float image"):
        Normalize([0.0], [1.0])(np.zeros((1, 2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"Normalize: expected .*got shape \(5,\)"):
        Normalize([0.0], [1.0])(np.zeros(5, np.float32))


def test_random_crop_single_image_is_a_window():
    x = _images(3, 10, 12)
    out = RandomCrop((4, 5), seed=0)(x)
    assert out.shape == (3, 4, 5) and out.dtype == np.float32
    assert _window_offsets(x, out)
    gray = _images(10, 12)
    assert _window_offsets(gray, RandomCrop(6, seed=1)(gray))


def test_random_crop_padding_values_and_windows():
    x = _images(3, 5, 5)
    crop = RandomCrop(5, padding=3, fill=-7.0, seed=2)
    padded = np.pad(x, ((0, 0), (3, 3), (3, 3)), constant_values=-7.0)
    for _ in range(10):
        out = crop(x)
        assert out.shape == (3, 5, 5)
        assert _window_offsets(padded, out)
        assert set(np.unique(out[out < 0])) <= {-7.0}


@pytest.mark.parametrize("mode", ["edge", "reflect", "symmetric"])
def test_random_crop_padding_modes_match_np_pad(mode):
    x = _images(2, 6, 6, seed=4)
    padded = np.pad(x, ((0, 0), (2, 1), (3, 0)), mode=mode)  # (left, top, right, bottom)
    out = RandomCrop(6, padding=(3, 2, 0, 1), padding_mode=mode, seed=3)(x)
    assert _window_offsets(padded, out)


def test_random_crop_batch_one_offset_per_image():
    x = _images(32, 2, 6, 6)
    out = RandomCrop(6, padding=2, seed=0)(x)
    assert out.shape == (32, 2, 6, 6)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    offsets = []
    for n in range(32):
        found = _window_offsets(padded[n], out[n])
        assert found, f"image {n} is not a window of its own padded image"
        offsets.append(found[0])
    assert len(set(offsets)) > 5  # images got different offsets


def test_random_crop_pad_if_needed_and_errors():
    x = _images(1, 3, 4)
    out = RandomCrop((5, 6), pad_if_needed=True, seed=0)(x)
    assert out.shape == (1, 5, 6)
    with pytest.raises(ValueError, match=r"crop size \(5, 6\) is larger than .* \(3, 4\)"):
        RandomCrop((5, 6))(x)
    with pytest.raises(ValueError, match="RandomCrop: expected an image"):
        RandomCrop(2)(np.zeros((1, 1, 1, 4, 4)))
    with pytest.raises(ValueError, match="padding_mode"):
        RandomCrop(2, padding_mode="wrap")


def test_random_crop_reproducible_and_tensor_input():
    x = _images(8, 1, 7, 7)
    a = RandomCrop(5, padding=1, seed=9)(x)
    b = RandomCrop(5, padding=1, generator=np.random.default_rng(9))(x)
    np.testing.assert_array_equal(a, b)
    t = RandomCrop(5, padding=1, seed=9)(Tensor(x))
    assert isinstance(t, Tensor)
    np.testing.assert_array_equal(t._data, a)
    autograd.manual_seed(1)
    c = RandomCrop(5, padding=1)(x)
    autograd.manual_seed(1)
    np.testing.assert_array_equal(RandomCrop(5, padding=1)(x), c)


def test_random_crop_gradient_flows_to_cropped_pixels():
    x = Tensor(_images(1, 4, 4).astype(np.float64), requires_grad=True)
    RandomCrop(2, padding=1, seed=0)(x).sum().backward()
    assert 0 < x.grad._data.sum() <= 4 and set(np.unique(x.grad._data)) <= {0.0, 1.0}


def test_flip_p1_p0_match_np_flip():
    x = _images(3, 4, 5)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(x), np.flip(x, -1))
    np.testing.assert_array_equal(RandomHorizontalFlip(p=0.0)(x), x)
    np.testing.assert_array_equal(RandomVerticalFlip(p=1.0)(x), np.flip(x, -2))
    batch = _images(4, 3, 4, 5)
    np.testing.assert_array_equal(RandomHorizontalFlip(p=1.0)(batch), np.flip(batch, -1))


def test_flip_batch_decides_per_image():
    x = _images(64, 2, 3, 3)
    out = RandomHorizontalFlip(seed=0)(x)
    flipped = [np.array_equal(out[n], np.flip(x[n], -1)) for n in range(64)]
    kept = [np.array_equal(out[n], x[n]) for n in range(64)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 10 < sum(flipped) < 54
    again = RandomHorizontalFlip(seed=0)(x)
    np.testing.assert_array_equal(out, again)
    t = RandomHorizontalFlip(seed=0)(Tensor(x))
    assert isinstance(t, Tensor)
    np.testing.assert_array_equal(t._data, out)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        RandomHorizontalFlip(p=1.5)


def test_compose_lambda_totensor():
    x = _images(2, 3, 6, 6)
    pipeline = Compose([RandomCrop(4, seed=0), Normalize([0.0] * 3, [2.0] * 3)])
    assert pipeline.batched
    out = pipeline(x)
    assert out.shape == (2, 3, 4, 4) and _window_offsets(x[0] / 2, out[0])
    assert not Compose([Lambda(np.sqrt), Normalize([0.0], [1.0])]).batched
    assert Compose([Lambda(np.sqrt, batched=True)]).batched
    np.testing.assert_allclose(Lambda(np.sqrt)(x), np.sqrt(x))
    with pytest.raises(TypeError, match="callable"):
        Lambda(3)
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)  # (H, W, C)
    t = ToTensor()(img)
    assert isinstance(t, Tensor) and t.shape == (3, 2, 4) and t.dtype == np.float32
    np.testing.assert_allclose(t._data, img.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert ToTensor()(np.zeros((2, 3))).shape == (1, 2, 3)
