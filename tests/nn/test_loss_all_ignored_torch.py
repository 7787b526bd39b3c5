"""Cross-entropy and NLL when every target is ignored, against PyTorch: the loss is nan (0 / 0)
but no logit gets a gradient (tapegrad sent inf * 0 = nan into every logit)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)


@pytest.mark.parametrize("call", [
    lambda f, x, t: f.cross_entropy(x, t),
    lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.1),
    lambda f, x, t: f.cross_entropy(x, t, weight=x.new_ones(5)),
    lambda f, x, t: f.cross_entropy(x.reshape(2, 5, 2), t.reshape(2, 2)),
    lambda f, x, t: f.nll_loss(x.log_softmax(1), t),
])
def test_all_targets_ignored_gives_nan_loss_and_zero_gradients(call):
    results = []
    for m, f in ((torch, torch.nn.functional), (ag, F)):
        x = m.tensor(X, requires_grad=True)
        loss = call(f, x, m.tensor([-100, -100, -100, -100]))
        loss.backward()
        results.append((float(loss), np.asarray(x.grad.detach())))
    (ours, our_grad), (theirs, their_grad) = results[1], results[0]
    assert np.isnan(ours) and np.isnan(theirs)
    np.testing.assert_array_equal(our_grad, their_grad)
