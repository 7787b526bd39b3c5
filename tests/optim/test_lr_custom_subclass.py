"""Custom schedulers subclassing `lr_scheduler._LRScheduler` (PyTorch's old name of LRScheduler,
still there) or `LRScheduler` with their own get_lr: the same lr sequence as PyTorch."""

import numpy as np
import pytest

import autograd
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")


def _warmup_class(base):
    class Warmup(base):
        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            scale = min(1.0, (self.last_epoch + 1) / self.warmup) * 0.5 ** (self.last_epoch // 6)
            return [base_lr * scale for base_lr in self.base_lrs]

    return Warmup


@pytest.mark.parametrize("name", ["_LRScheduler", "LRScheduler"])
def test_custom_scheduler_lr_sequence(name):
    tp, gp = torch.zeros(1, requires_grad=True), autograd.zeros(1, requires_grad=True)
    t_opt = torch.optim.SGD([{"params": [tp]}, {"params": [], "lr": 0.5}], lr=0.1)
    g_opt = optim.SGD([{"params": [gp]}, {"params": [], "lr": 0.5}], lr=0.1)
    t_s = _warmup_class(getattr(torch.optim.lr_scheduler, name))(t_opt, 4)
    g_s = _warmup_class(getattr(lr_scheduler, name))(g_opt, 4)
    want, got = [], []
    for _ in range(15):
        want.append([g["lr"] for g in t_opt.param_groups] + t_s.get_last_lr())
        got.append([g["lr"] for g in g_opt.param_groups] + g_s.get_last_lr())
        t_opt.step()
        g_opt.step()
        t_s.step()
        g_s.step()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert g_s.last_epoch == t_s.last_epoch


def test_old_name_is_a_subclass_as_in_pytorch():
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
    assert lr_scheduler._LRScheduler.__name__ == torch.optim.lr_scheduler._LRScheduler.__name__
