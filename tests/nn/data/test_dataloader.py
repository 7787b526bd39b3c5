"""DataLoader: batching, shuffling, reproducibility, fast path, samplers; default_collate."""

from collections import namedtuple

import numpy as np
import pytest

import autograd
from autograd import Tensor
from nn.data import (
    DataLoader,
    Dataset,
    Normalize,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
)


def _ds(n=10):
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None] * np.ones(2, np.float32), np.arange(n))


def _labels(loader):
    return [y._data.tolist() for _, y in loader]


@pytest.mark.parametrize(("n", "bs", "drop_last", "sizes"), [
    (10, 3, False, [3, 3, 3, 1]), (10, 3, True, [3, 3, 3]), (9, 3, False, [3, 3, 3]),
    (9, 3, True, [3, 3, 3]), (2, 5, False, [2]), (2, 5, True, []),
])
def test_batch_sizes_and_len(n, bs, drop_last, sizes):
    loader = DataLoader(_ds(n), batch_size=bs, drop_last=drop_last)
    assert len(loader) == len(sizes)
    assert [len(y) for y in _labels(loader)] == sizes


def test_sequential_batches_are_lists_of_tensors_in_order():
    loader = DataLoader(_ds(), batch_size=4)
    batches = list(loader)
    assert all(isinstance(b, list) and len(b) == 2 for b in batches)
    x, y = batches[0]
    assert isinstance(x, Tensor) and x.shape == (4, 2) and x.dtype == np.float32
    assert y.dtype == np.int64
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_shuffle_is_a_fresh_permutation_each_epoch():
    loader = DataLoader(_ds(50), batch_size=7, shuffle=True, seed=0)
    epochs = [[v for b in _labels(loader) for v in b] for _ in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(50))
    assert epochs[0] != epochs[1] and epochs[1] != epochs[2]
    assert epochs[0] != list(range(50))


def test_same_seed_same_sequence_of_epochs():
    a = DataLoader(_ds(30), batch_size=4, shuffle=True, seed=11)
    b = DataLoader(_ds(30), batch_size=4, shuffle=True, seed=11)
    c = DataLoader(_ds(30), batch_size=4, shuffle=True, seed=12)
    seq_a = [_labels(a) for _ in range(3)]
    assert seq_a == [_labels(b) for _ in range(3)]
    assert seq_a != [_labels(c) for _ in range(3)]


def test_global_seed_controls_shuffling_without_seed():
    loader = DataLoader(_ds(30), batch_size=30, shuffle=True)
    autograd.manual_seed(5)
    first = _labels(loader)
    autograd.manual_seed(5)
    assert _labels(loader) == first


def test_fast_path_gathers_once_per_batch():
    class Counting(TensorDataset):
        calls = 0

        def __getitem__(self, index):
            Counting.calls += 1
            return super().__getitem__(index)

    ds = Counting(np.arange(12.0), np.arange(12))
    fast = [[t._data for t in b] for b in DataLoader(ds, batch_size=5, shuffle=True, seed=1)]
    assert Counting.calls == 0
    slow = [[t._data for t in b] for b in DataLoader(ds, batch_size=5, shuffle=True, seed=1,
                                                   collate_fn=default_collate)]
    assert Counting.calls == 12
    for f, s in zip(fast, slow):
        for a, b in zip(f, s):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype


def test_fast_path_applies_batched_transform():
    x = np.random.default_rng(0).random((6, 3, 4, 4)).astype(np.float32)
    ds = TensorDataset(x, np.arange(6), transform=Normalize([0.5, 0.4, 0.3], [0.2, 0.2, 0.5]))
    (bx, _), = list(DataLoader(ds, batch_size=6))
    mean = np.array([0.5, 0.4, 0.3], np.float32)[:, None, None]
    std = np.array([0.2, 0.2, 0.5], np.float32)[:, None, None]
    np.testing.assert_allclose(bx._data, (x - mean) / std, rtol=1e-6)
    assert bx.dtype == np.float32


def test_plain_dataset_with_dict_samples_goes_through_collate():
    class Dicts(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full((2, 2), i, dtype=np.float64), "label": i, "name": f"s{i}"}

    batch = next(iter(DataLoader(Dicts(), batch_size=3)))
    assert set(batch) == {"x", "label", "name"}
    assert batch["x"].shape == (3, 2, 2) and batch["x"].dtype == np.float64
    assert batch["label"].dtype == np.int64 and batch["label"].tolist() == [0, 1, 2]
    assert batch["name"] == ["s0", "s1", "s2"]


def test_default_collate_types():
    out = default_collate([(1, 2.5, True), (3, 4.0, False)])
    assert isinstance(out, list) and len(out) == 3
    assert out[0].dtype == np.int64 and out[0].tolist() == [1, 3]
    assert out[1].dtype == np.float32 and out[1].tolist() == [2.5, 4.0]
    assert out[2].dtype == np.bool_
    mixed = default_collate([1, 2.5])  # ints and floats together -> float, nothing truncated
    assert mixed.dtype == np.float32 and mixed.tolist() == [1.0, 2.5]
    stacked = default_collate([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])])
    np.testing.assert_array_equal(stacked._data, [[1, 2], [3, 4]])
    scalars = default_collate([np.float64(1.0), np.float64(2.0)])
    assert scalars.dtype == np.float64
    Point = namedtuple("Point", "x y")
    pt = default_collate([Point(1, np.zeros(2)), Point(2, np.ones(2))])
    assert isinstance(pt, Point) and pt.y.shape == (2, 2) and pt.x.tolist() == [1, 2]


def test_default_collate_gradients_flow_through_stacked_tensors():
    a = Tensor([1.0, 2.0], requires_grad=True)
    default_collate([a, a * 3]).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [4.0, 4.0])


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="same shape"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="same length"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])


def test_samplers():
    ds = _ds(10)
    assert list(SequentialSampler(ds)) == list(range(10))
    r = RandomSampler(ds, seed=0)
    assert len(r) == 10 and sorted(r) == list(range(10))
    rep = RandomSampler(ds, replacement=True, num_samples=25, seed=0)
    draws = list(rep)
    assert len(draws) == 25 and all(0 <= d < 10 for d in draws)
    with pytest.raises(ValueError, match="replacement=True"):
        RandomSampler(ds, num_samples=11)
    sub = SubsetRandomSampler([1, 4, 6], seed=0)
    assert sorted(sub) == [1, 4, 6]


def test_dataloader_with_sampler_and_plain_iterable():
    loader = DataLoader(_ds(10), batch_size=2, sampler=SubsetRandomSampler([0, 2, 4, 6, 8], seed=1))
    labels = [v for b in _labels(loader) for v in b]
    assert sorted(labels) == [0, 2, 4, 6, 8] and len(loader) == 3
    loader = DataLoader(_ds(10), batch_size=2, sampler=[9, 1, 5])
    assert _labels(loader) == [[9, 1], [5]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(_ds(), sampler=[0], shuffle=True)


def test_dataloader_argument_errors():
    with pytest.raises(ValueError, match="DataLoader: batch_size should be a positive int"):
        DataLoader(_ds(), batch_size=0)
    with pytest.raises(ValueError, match="either generator or seed"):
        DataLoader(_ds(), shuffle=True, seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="numpy Generator"):
        DataLoader(_ds(), shuffle=True, generator=3)


def test_shuffle_batches_match_torch_structure():
    torch = pytest.importorskip("torch")
    x = np.arange(10, dtype=np.float32)
    ours = next(iter(DataLoader(TensorDataset(x, np.arange(10)), batch_size=4)))
    theirs = next(iter(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.arange(10)), batch_size=4)))
    assert type(ours) is type(theirs)  # both a list for tuple samples
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a._data, b.numpy())
    assert len(DataLoader(range(10), batch_size=3, drop_last=True)) == len(
        torch.utils.data.DataLoader(range(10), batch_size=3, drop_last=True))


def test_concat_and_subset_fast_path_equal_slow_path():
    a = TensorDataset(np.arange(7.0), np.arange(7))
    b = TensorDataset(np.arange(100.0, 105.0), np.arange(100, 105))
    ds = a + b
    sub = Subset(ds, [11, 0, 3, 8, 9, 2, 6, 7])
    for dataset in (ds, sub):
        fast = [y.tolist() for _, y in DataLoader(dataset, batch_size=3, shuffle=True, seed=4)]
        slow = [y.tolist() for _, y in DataLoader(dataset, batch_size=3, shuffle=True, seed=4,
                                                  collate_fn=default_collate)]
        assert fast == slow
        assert sorted(v for b_ in fast for v in b_) == sorted(dataset[i][1].item() for i in range(len(dataset)))
