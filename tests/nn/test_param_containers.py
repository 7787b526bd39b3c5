"""nn.ParameterList / nn.ParameterDict against PyTorch: registration names, order, Tensor ->
Parameter conversion, indexing, dict methods, errors; and that an optimizer trains them."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
import optim

torch = pytest.importorskip("torch")


def _libs():
    return [(nn, autograd.ones, autograd.zeros), (torch.nn, torch.ones, torch.zeros)]


def _names(module):
    return [(n, tuple(p.shape), type(p).__name__) for n, p in module.named_parameters()]


def test_parameter_list_registers_like_torch():
    seen = []
    for lib, ones, zeros in _libs():
        pl = lib.ParameterList([ones(2, 3), lib.Parameter(zeros(4))])
        pl.append(ones(5))
        pl += [zeros(1)]
        pl.extend([ones(2)])
        pl[1] = ones(7)
        seen.append((len(pl), _names(pl), list(pl.state_dict()), [tuple(p.shape) for p in pl],
                     tuple(pl[-1].shape), [tuple(p.shape) for p in pl[1:4:2]], type(pl[1:]).__name__,
                     all(p.requires_grad for p in pl)))
    assert seen[0] == seen[1]


def test_parameter_dict_registers_like_torch():
    seen = []
    for lib, ones, zeros in _libs():
        pd = lib.ParameterDict({"b": ones(2), "a": zeros(3)})  # a plain dict: sorted keys
        pd.update(OrderedDict([("z", ones(1)), ("c", ones(4))]))  # ordered: kept
        pd.update([("y", zeros(2)), ["b", ones(6)]])
        pd["x"] = ones(3)
        pd["a"] = ones(9)  # replaced in place: keeps its position
        popped = pd.pop("c")
        key, last = pd.popitem()
        pd.setdefault("w", zeros(1))
        merged = pd | lib.ParameterDict({"q": ones(1)})
        seen.append((list(pd.keys()), _names(pd), list(pd.state_dict()), tuple(popped.shape), key,
                     tuple(last.shape), "a" in pd, "c" in pd, pd.get("c", 5), len(pd),
                     list(merged.keys()), list(reversed(pd)), list(pd.fromkeys(["m", "n"]))))
    assert seen[0] == seen[1]


def test_non_tensor_values_are_kept_as_objects():
    pl = nn.ParameterList([autograd.ones(2), "note"])
    pd = nn.ParameterDict({"k": 3})
    assert pl[1] == "note" and pd["k"] == 3
    assert [n for n, _ in pl.named_parameters()] == ["0"] and list(pd.named_parameters()) == []
    assert "Object of type: str" in repr(pl) and "Object of type: int" in repr(pd)


@pytest.mark.parametrize("call", [
    lambda lib, ones: lib.ParameterList([ones(1)])[3],
    lambda lib, ones: lib.ParameterList([ones(1)])[-2],
    lambda lib, ones: lib.ParameterList().extend(ones(3)),
    lambda lib, ones: lib.ParameterList([ones(1)])(ones(1)),
    lambda lib, ones: lib.ParameterDict()(ones(1)),
    lambda lib, ones: lib.ParameterDict()[1],
    lambda lib, ones: lib.ParameterDict()["missing"],
    lambda lib, ones: lib.ParameterDict().update(5),
    lambda lib, ones: lib.ParameterDict().update([("a", ones(1), 3)]),
    lambda lib, ones: lib.ParameterDict().update([5]),
    lambda lib, ones: lib.ParameterDict().pop("missing"),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch.nn, torch.ones)
    with pytest.raises(type(theirs.value)):
        call(nn, autograd.ones)


def test_an_optimizer_trains_the_contained_parameters():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([autograd.ones(3), autograd.ones(3)])
            self.bs = nn.ParameterDict({"b": autograd.zeros(3)})

        def forward(self, x):
            return (x * self.ws[0] * self.ws[1] + self.bs["b"]).sum()

    model = Model()
    assert [n for n, _ in model.named_parameters()] == ["ws.0", "ws.1", "bs.b"]
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(autograd.tensor([1.0, 2.0, 3.0])).backward()
    opt.step()
    np.testing.assert_allclose(np.asarray(model.bs["b"].detach()), [-0.1, -0.1, -0.1])
    np.testing.assert_allclose(np.asarray(model.ws[0].detach()), [0.9, 0.8, 0.7], rtol=1e-6)
    loaded = Model()
    loaded.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(np.asarray(loaded.ws[0].detach()), np.asarray(model.ws[0].detach()))


def test_reassigning_a_parameter_or_submodule_keeps_its_place_as_torch():
    seen = []
    for lib, ones, _ in _libs():
        seq = lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1))
        seq[0].weight = lib.Parameter(ones(3, 2))
        seq[0] = lib.Linear(2, 3)  # (Sequential.__setitem__: setattr under "0")
        setattr(seq, "1", lib.Tanh())
        seen.append(([n for n, _ in seq.named_parameters()], list(seq.state_dict()),
                     [type(m).__name__ for m in seq]))
        lin = lib.Linear(2, 3)
        lin.weight = lib.Parameter(ones(3, 2))
        seen.append([n for n, _ in lin.named_parameters()])
    assert seen[0] == seen[2] and seen[1] == seen[3]
