"""summary(memory=True): the parameter terms are exact, saved activations scale with the batch, the
estimate lands within 25% of the peak tracemalloc measures over real training steps, and the pass
leaves BatchNorm statistics, the random stream and module modes untouched."""

import tracemalloc

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
import optim
from autograd import Tensor
from nn import models


def mlp():
    return models.MLP([784, 256, 128, 10])


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Dropout(0.2), nn.Linear(16 * 7 * 7, 10),
    )


def test_parameter_terms_are_exact():
    model = mlp()
    n = sum(p.numel() for p in model.parameters())
    for name, states in ((None, 0), ("sgd", 0), ("momentum", 1), ("adam", 2)):
        mem = nn.summary(model, (32, 784), memory=True, optimizer=name).memory
        assert mem.params == mem.grads == 4 * n
        assert mem.optimizer == states * 4 * n
        assert mem.batch_size == 32 and mem.input == 32 * 784 * 4
    assert nn.summary(model, (32, 784)).memory is None
    sgd = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert nn.summary(model, (2, 784), memory=True, optimizer=sgd).memory.optimizer == 4 * n
    with pytest.raises(ValueError, match="optimizer"):
        nn.summary(model, (2, 784), memory=True, optimizer="lion9000")


def test_mlp_saved_activations_match_a_hand_count():
    """Linear saves its input; ReLU its output (which the next Linear reuses): hidden widths
    256 and 128, each saved as the pre-activation and the ReLU output, plus the logits."""
    mem = nn.summary(mlp(), (64, 784), memory=True).memory
    hand = 64 * 4 * (2 * 256 + 2 * 128)
    assert hand <= mem.activations <= hand + 64 * 4 * 10


def test_activations_scale_with_batch_and_parameters_do_not():
    small = nn.summary(cnn(), (16, 1, 28, 28), memory=True, optimizer="adam").memory
    large = nn.summary(cnn(), (32, 1, 28, 28), memory=True, optimizer="adam").memory
    assert large.activations == 2 * small.activations
    assert (large.params, large.grads, large.optimizer) == (small.params, small.grads, small.optimizer)
    assert large.total > small.total


def test_state_is_left_as_found():
    model = cnn()
    model.eval()
    bn = model[1]
    before = bn.running_mean.numpy().copy(), int(bn.num_batches_tracked.item())
    autograd.manual_seed(3)
    expected = autograd.random.default_generator().bit_generator.state
    nn.summary(model, (4, 1, 28, 28), memory=True)
    assert autograd.random.default_generator().bit_generator.state == expected
    np.testing.assert_array_equal(bn.running_mean.numpy(), before[0])
    assert int(bn.num_batches_tracked.item()) == before[1]
    assert not any(m.training for m in model.modules())


def test_printed_table_names_the_terms():
    text = str(nn.summary(cnn(), (8, 1, 28, 28), memory=True, optimizer="adam"))
    for word in ("Gradients", "Optimizer state", "Saved activations (batch 8)", "Estimated training memory"):
        assert word in text


@pytest.mark.parametrize("build, shape, opt", [
    (mlp, (128, 784), "adam"), (mlp, (128, 784), "sgd"), (cnn, (64, 1, 28, 28), "adam"),
], ids=["mlp-adam", "mlp-sgd", "cnn-adam"])
def test_estimate_within_25_percent_of_measured_peak(build, shape, opt):
    rng = np.random.default_rng(0)
    x = Tensor(rng.random(shape, dtype=np.float32))
    y = Tensor(rng.integers(0, 10, shape[0]))
    estimate = nn.summary(build(), shape, memory=True, optimizer=opt).memory.total
    tracemalloc.start()
    try:
        model = build()
        step = optim.Adam(model.parameters(), 1e-3) if opt == "adam" else optim.SGD(model.parameters(), 0.1)
        for _ in range(2):
            loss = F.cross_entropy(model(x), y)
            step.zero_grad()
            loss.backward()
            step.step()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.75 * peak <= estimate <= 1.25 * peak, (estimate, peak)
