"""End to end: nn + optim + nn.data train real models on real (offline) data."""

from __future__ import annotations

import time

import numpy as np
import pytest

import autograd
import nn
import optim
from autograd import Tensor
from nn.data import DataLoader, TensorDataset


def _accuracy(model, x, y) -> float:
    model.eval()
    with autograd.no_grad():
        pred = model(Tensor(x)).argmax(dim=1).numpy()
    model.train()
    return float((pred == y).mean())


def test_mlp_on_digits_reaches_97_percent():
    pytest.importorskip("sklearn")
    (x_train, y_train), (x_test, y_test) = nn.data.load_digits()
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    mean, std = x_train.mean(0), x_train.std(0) + 0.1  # standardize with training statistics
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    autograd.manual_seed(0)
    model = nn.models.MLP([64, 128, 10])
    opt = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True, seed=0)
    loss_fn = nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(30):
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        sched.step()
    elapsed = time.perf_counter() - start
    accuracy = _accuracy(model, x_test, y_test)
    print(f"digits MLP: test accuracy {accuracy:.4f} after 30 epochs in {elapsed:.1f} s")
    assert accuracy >= 0.97


def test_training_loop_with_every_optimizer_lowers_the_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = (x @ rng.normal(size=(5, 1)) > 0).astype(np.float32)
    for make in (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        lambda p: optim.Adagrad(p, lr=0.1),
        lambda p: optim.Adadelta(p, lr=1.0),
        lambda p: optim.RMSprop(p, lr=0.01, centered=True),
        lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
        lambda p: optim.AdamW(p, lr=0.01),
    ):
        autograd.manual_seed(0)
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 1))
        opt = make(model.parameters())
        loss_fn = nn.BCEWithLogitsLoss()
        losses = []
        for _ in range(60):
            opt.zero_grad()
            loss = loss_fn(model(Tensor(x)), Tensor(y))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.7 * losses[0], type(opt).__name__


def test_checkpoint_round_trip_resumes_identically(tmp_path):
    rng = np.random.default_rng(1)
    x, y = Tensor(rng.normal(size=(32, 4)).astype(np.float32)), Tensor(rng.integers(0, 3, 32))

    def make():
        autograd.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
        return model, optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

    model, opt = make()
    train(model, opt, 5)
    nn.save(model.state_dict(), tmp_path / "model.npz")
    nn.save(opt.state_dict(), tmp_path / "opt.npz")
    train(model, opt, 5)
    resumed, ropt = make()
    resumed.load_state_dict(nn.load(tmp_path / "model.npz"))
    ropt.load_state_dict(nn.load(tmp_path / "opt.npz"))
    train(resumed, ropt, 5)
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
