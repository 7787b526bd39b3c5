"""Adam's reused scratch buffers: parameters of mixed sizes, memory orders and dtypes in one
optimizer still follow PyTorch's trajectory (skipped where torch is absent)."""

import numpy as np
import pytest

import optim
from autograd import Tensor
from optim.optimizer import scratch_like

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("kwargs", [
    dict(lr=0.01),
    dict(lr=0.02, betas=(0.5, 0.8), amsgrad=True, maximize=True, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True),
])
def test_mixed_sizes_orders_and_dtypes_follow_torch(kwargs):
    rng = np.random.default_rng(3)
    # a column-major weight (nn.Linear's layout), a larger vector after it (the scratch grows),
    # a smaller one (a view of the grown buffer) and a float64 matrix (its own buffers)
    starts = [np.asfortranarray(rng.standard_normal((3, 4)).astype(np.float32)),
              rng.standard_normal(50).astype(np.float32), rng.standard_normal(2).astype(np.float32),
              rng.standard_normal((2, 3))]
    ours = [Tensor(a.copy(order="K"), requires_grad=True) for a in starts]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in starts]
    opt = optim.Adam(ours, **kwargs)
    topt = torch.optim.Adam(theirs, **kwargs, foreach=False)
    for _ in range(15):
        for p, tp in zip(ours, theirs):
            g = np.asarray(rng.standard_normal(p.shape), dtype=p.dtype, order="K")
            p.grad = Tensor(np.asfortranarray(g) if p._data.flags.f_contiguous else g)
            tp.grad = torch.tensor(g.copy())
        opt.step()
        topt.step()
    assert ours[0]._data.flags.f_contiguous
    for p, tp, a in zip(ours, theirs, starts):
        assert p.dtype == a.dtype
        ref = tp.detach().numpy()
        assert np.abs(ref - a).max() > 1e-3  # moved far more than the tolerance
        np.testing.assert_allclose(p._data, ref, rtol=1e-6, atol=4e-7 * np.abs(ref).max())


def test_scratch_like_matches_shape_order_and_reuses_one_buffer():
    cache: dict = {}
    f = np.asfortranarray(np.zeros((3, 5), np.float32))
    tmp, denom = scratch_like(cache, f)
    assert tmp.shape == (3, 5) and tmp.flags.f_contiguous and tmp.dtype == np.float32
    assert not np.shares_memory(tmp, denom)
    small, _ = scratch_like(cache, np.zeros(4, np.float32))
    assert np.shares_memory(small, tmp)  # one buffer per dtype, views of it
    wide, _ = scratch_like(cache, np.zeros(40, np.float32))  # grows
    assert wide.shape == (40,) and cache[np.dtype(np.float32)][0].size == 40
    strided = np.zeros((4, 6), np.float32)[:, ::2]
    assert scratch_like(cache, strided)[0].shape == (4, 3)
