"""Datasets: TensorDataset, Subset, ConcatDataset, TransformDataset, random_split."""

import numpy as np
import pytest

from autograd import Tensor
from nn.data import (
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    TransformDataset,
    random_split,
)


def _arrays(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) * 10
    return x, y


def test_tensor_dataset_items_are_tensor_tuples():
    x, y = _arrays()
    ds = TensorDataset(x, Tensor(y))
    assert len(ds) == 10
    xi, yi = ds[3]
    assert isinstance(xi, Tensor) and isinstance(yi, Tensor)
    np.testing.assert_array_equal(xi._data, [9, 10, 11])
    assert yi.item() == 30 and yi.dtype == np.int64
    np.testing.assert_array_equal(ds[-1][0]._data, x[9])


def test_tensor_dataset_conversion_and_dtypes():
    ds = TensorDataset([[1.0, 2.0], [3.0, 4.0]], np.array([1.5, 2.5]))
    assert ds.arrays[0].dtype == np.float32  # Python floats -> float32
    assert ds.arrays[1].dtype == np.float64  # numpy arrays keep their dtype
    assert [t.shape for t in ds.tensors] == [(2, 2), (2,)]


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"size mismatch.*\[3, 4\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    ds = TensorDataset(np.zeros((3, 2)))
    with pytest.raises(IndexError, match=r"index 3 is out of range.*length 3"):
        ds[3]
    with pytest.raises(IndexError, match="out of range"):
        ds.get_batch(np.array([0, 5]))
    with pytest.raises(TypeError, match="must be an int"):
        ds[1.5]


def test_get_batch_fancy_indexes_every_array():
    x, y = _arrays()
    bx, by = TensorDataset(x, y).get_batch(np.array([4, 0, 4]))
    np.testing.assert_array_equal(bx, x[[4, 0, 4]])
    np.testing.assert_array_equal(by, [40, 0, 40])


def test_transform_hook_batched_and_per_sample():
    x, y = _arrays()
    double = lambda a: a * 2  # a plain callable: applied per sample on the batch path
    ds = TensorDataset(x, y, transform=double, target_transform=lambda t: t + 1)
    np.testing.assert_array_equal(ds[2][0]._data, x[2] * 2)
    assert ds[2][1].item() == 21
    bx, by = ds.get_batch(np.array([1, 2]))
    np.testing.assert_array_equal(bx, x[[1, 2]] * 2)
    np.testing.assert_array_equal(by, [11, 21])

    calls = []

    class Batched:
        batched = True

        def __call__(self, a):
            calls.append(a.shape)
            return a - 1

    ds = TensorDataset(x, y, transform=Batched())
    bx, _ = ds.get_batch(np.array([0, 1, 2]))
    assert calls == [(3, 3)]  # one call for the whole batch
    np.testing.assert_array_equal(bx, x[:3] - 1)


def test_subset_and_its_batches():
    x, y = _arrays()
    sub = Subset(TensorDataset(x, y), [7, 2, 5])
    assert len(sub) == 3
    np.testing.assert_array_equal(sub[0][0]._data, x[7])
    np.testing.assert_array_equal(sub[-1][1]._data, 50)
    bx, by = sub.get_batch(np.array([2, 0]))
    np.testing.assert_array_equal(by, [50, 70])
    np.testing.assert_array_equal(bx, x[[5, 7]])


def test_concat_dataset_indexing_and_batches():
    a = TensorDataset(np.arange(3.0)[:, None], np.arange(3))
    b = TensorDataset(np.arange(10.0, 15.0)[:, None], np.arange(10, 15))
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 8
    assert cat.cumulative_sizes == [3, 8]
    assert [cat[i][1].item() for i in range(8)] == [0, 1, 2, 10, 11, 12, 13, 14]
    assert cat[-1][1].item() == 14
    idx = np.array([6, 0, 3, 2, 7, 1])
    bx, by = cat.get_batch(idx)
    expect = np.array([0, 1, 2, 10, 11, 12, 13, 14])[idx]
    np.testing.assert_array_equal(by, expect)
    np.testing.assert_array_equal(bx[:, 0], expect.astype(float))


def test_concat_without_batch_protocol_has_no_get_batch():
    class Plain(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    cat = ConcatDataset([Plain(), Plain()])
    assert not hasattr(cat, "get_batch")
    assert [cat[i] for i in range(4)] == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_base_dataset_requires_methods():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


def test_transform_dataset_wrapper():
    x, y = _arrays()
    wrapped = TransformDataset(TensorDataset(x, y), transform=lambda a: -a)
    np.testing.assert_array_equal(wrapped[1][0]._data, -x[1])
    bx, by = wrapped.get_batch(np.array([1, 3]))
    np.testing.assert_array_equal(bx, -x[[1, 3]])
    np.testing.assert_array_equal(by, [10, 30])


@pytest.mark.parametrize(
    ("n", "lengths", "sizes"),
    [(10, [3, 7], [3, 7]), (10, [0.5, 0.5], [5, 5]), (10, [0.33, 0.33, 0.34], [4, 3, 3]),
     (7, [0.8, 0.2], [6, 1]), (5, [1.0], [5])],
)
def test_random_split_sizes_disjoint_complete(n, lengths, sizes):
    ds = TensorDataset(np.arange(n))
    parts = random_split(ds, lengths, seed=0)
    assert [len(p) for p in parts] == sizes
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen.tolist()) == list(range(n))  # disjoint and complete


def test_random_split_reproducible_and_errors():
    ds = TensorDataset(np.arange(20))
    a = random_split(ds, [5, 15], seed=3)
    b = random_split(ds, [5, 15], generator=np.random.default_rng(3))
    c = random_split(ds, [5, 15], seed=4)
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    assert not np.array_equal(a[0].indices, c[0].indices)
    with pytest.raises(ValueError, match=r"sum of input lengths \(19\)"):
        random_split(ds, [5, 14])
    with pytest.raises(ValueError, match="either generator or seed"):
        random_split(ds, [5, 15], generator=np.random.default_rng(0), seed=1)


def test_random_split_sizes_match_torch():
    torch = pytest.importorskip("torch")
    for n, fracs in [(10, [0.33, 0.33, 0.34]), (101, [0.7, 0.2, 0.1]), (3, [0.5, 0.5])]:
        ours = [len(p) for p in random_split(TensorDataset(np.arange(n)), fracs, seed=0)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fracs)]
        assert ours == theirs
