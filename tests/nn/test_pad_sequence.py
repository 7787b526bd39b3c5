"""nn.utils.pad_sequence (PyTorch's torch.nn.utils.rnn.pad_sequence): values, dtypes, shapes
and gradients equal PyTorch's; under autograd.compat `from torch.nn.utils.rnn import
pad_sequence` finds it."""

import warnings

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("tail", [(), (3,)])
def test_float_values_and_gradients(batch_first, side, tail):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, *tail)).astype(np.float32) for n in (2, 5, 3)]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [autograd.tensor(a, requires_grad=True) for a in arrays]
    want = torch.nn.utils.rnn.pad_sequence(ts, batch_first=batch_first, padding_value=-2.0,
                                           padding_side=side)
    got = nn.utils.pad_sequence(gs, batch_first=batch_first, padding_value=-2.0,
                                padding_side=side)
    assert got.shape == tuple(want.shape) and str(got.dtype) == "float32"
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    r = rng.standard_normal(got.shape).astype(np.float32)
    (want * torch.tensor(r)).sum().backward()
    (got * autograd.tensor(r)).sum().backward()
    for t, g in zip(ts, gs):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy())


def test_token_ids_keep_the_first_dtype():
    seqs = [np.array([3, 1, 4], np.int64), np.array([1, 5], np.int32)]
    want = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True,
                                           padding_value=-1)
    got = nn.utils.pad_sequence([autograd.tensor(s) for s in seqs], batch_first=True,
                                padding_value=-1)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "") == "int64"
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_compat_import_path():
    from autograd import compat

    with warnings.catch_warnings():  # (install() warns that `import torch` now gives tapegrad)
        warnings.simplefilter("ignore")
        compat.install()
    try:
        from torch.nn.utils.rnn import pad_sequence

        assert pad_sequence is nn.utils.pad_sequence
    finally:
        compat.uninstall()
