"""Module, Parameter and containers: registration, traversal, modes, hooks, repr, state_dict."""

import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.register_buffer("scale", Tensor(np.ones(4, dtype=np.float32)))
        self.register_buffer("cache", Tensor(np.zeros(2, dtype=np.float32)), persistent=False)

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2, bias=False))
        self.alpha = nn.Parameter(Tensor(np.float32(0.5)))

    def forward(self, x):
        return self.head(self.block(x)) * self.alpha


# ----------------------------------------------------------------- Parameter
def test_parameter_is_tensor_subclass_with_slots_and_requires_grad():
    p = nn.Parameter(Tensor([1.0, 2.0]))
    assert isinstance(p, Tensor)
    assert p.requires_grad and p.is_leaf
    assert nn.Parameter.__slots__ == ()
    assert not hasattr(p, "__dict__")
    assert nn.Parameter(Tensor([1.0]), requires_grad=False).requires_grad is False


def test_parameter_shares_the_tensor_array_and_repr():
    t = Tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p._data is t._data
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert nn.Parameter().shape == (0,)


def test_parameter_of_integers_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(Tensor(np.array([1, 2])))


# ----------------------------------------------------------------- registration
def test_setattr_registers_parameters_buffers_and_modules():
    net = Net()
    assert list(net._parameters) == ["alpha"]
    assert list(net._modules) == ["block", "head"]
    assert list(net.block._buffers) == ["scale", "cache"]
    assert net.block.fc is net.block._modules["fc"]
    assert "fc" not in net.block.__dict__


def test_named_parameters_buffers_modules_follow_pytorch_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "alpha", "block.fc.weight", "block.fc.bias", "block.bn.weight", "block.bn.bias",
        "head.1.weight",
    ]
    assert [n for n, _ in net.named_buffers()] == [
        "block.scale", "block.cache", "block.bn.running_mean", "block.bn.running_var",
        "block.bn.num_batches_tracked",
    ]
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.fc", "block.bn", "head", "head.0", "head.1",
    ]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert len(list(net.parameters(recurse=False))) == 1
    assert next(n for n, _ in net.named_parameters(prefix="model")) == "model.alpha"
    assert len(list(net.modules())) == 7 and len(list(net.children())) == 2


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_wrong_types_to_registered_names_raises():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = Tensor(np.zeros((2, 2)))
    lin.bias = None
    assert lin.bias is None and "bias" in lin._parameters
    net = Net()
    with pytest.raises(TypeError, match="child module 'head'"):
        net.head = 3
    with pytest.raises(TypeError, match="buffer 'scale'"):
        net.block.scale = np.ones(4)


def test_register_validation_and_missing_super_init():
    m = nn.Module()
    with pytest.raises(KeyError, match=r'contain "\."'):
        m.register_buffer("a.b", None)
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("b", np.zeros(2))
    with pytest.raises(TypeError, match=r"nn\.Parameter or None"):
        m.register_parameter("w", Tensor([1.0]))

    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_getattr_delattr_and_reassignment_move_between_registries():
    m = nn.Module()
    m.w = nn.Parameter(Tensor([1.0]))
    m.register_buffer("b", Tensor([2.0]))
    assert m.b._data[0] == 2.0
    del m.w
    assert "w" not in m._parameters
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'w'"):
        _ = m.w
    m.x = nn.Linear(1, 1)
    m.x = nn.Parameter(Tensor([3.0]))  # a parameter replaces the module of the same name
    assert "x" not in m._modules and "x" in m._parameters


def test_forward_must_be_implemented():
    with pytest.raises(NotImplementedError, match=r"Module \[Module\] is missing"):
        nn.Module()(1)


# ----------------------------------------------------------------- modes, grads, apply
def test_train_eval_propagate_and_validate():
    net = Net()
    assert net.training and net.block.bn.training
    assert net.eval() is net
    assert not net.training and not net.block.bn.training and not net.head[1].training
    net.train()
    assert net.head[0].training
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_zero_grad_set_to_none_and_in_place():
    net = Net()
    net(autograd.randn(5, 3)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None for g in grads)
    net.zero_grad(set_to_none=False)
    assert all(np.all(p.grad._data == 0) for p in net.parameters())
    assert net.alpha.grad is grads[0]  # zeroed in place
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_apply_visits_children_first_and_requires_grad_():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "BatchNorm1d", "Block", "ReLU", "Linear", "Sequential", "Net"]
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_to_double_keeps_parameter_objects_and_casts_float_buffers_only():
    net = Net()
    w = net.block.fc.weight
    net.double()
    assert net.block.fc.weight is w and w.dtype == np.float64
    assert net.block.bn.running_mean.dtype == np.float64
    assert net.block.bn.num_batches_tracked.dtype == np.int64
    assert net.to("cpu") is net
    out = net(Tensor(np.random.default_rng(0).standard_normal((4, 3))))
    assert out.dtype == np.float64


def test_deepcopy_gives_independent_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.block.fc.weight, nn.Parameter)
    assert clone.block.fc.weight is not net.block.fc.weight
    np.testing.assert_array_equal(clone.block.fc.weight._data, net.block.fc.weight._data)
    clone.block.fc.weight._data[...] = 0
    assert np.any(net.block.fc.weight._data != 0)


# ----------------------------------------------------------------- hooks
def test_forward_hooks_see_inputs_and_outputs_and_can_be_removed():
    lin = nn.Linear(3, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, args: calls.append(("pre", args[0].shape)))
    post = lin.register_forward_hook(lambda m, args, out: calls.append(("post", m, out.shape)))
    lin(autograd.randn(4, 3))
    assert calls == [("pre", (4, 3)), ("post", lin, (4, 2))]
    pre.remove()
    post.remove()
    post.remove()  # a second remove is harmless
    lin(autograd.randn(4, 3))
    assert len(calls) == 2


def test_hooks_can_replace_arguments_and_outputs_and_prepend():
    lin = nn.Identity()
    lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    lin.register_forward_hook(lambda m, args, out: out + 1)
    assert lin(Tensor([1.0])).item() == 3.0
    order = []
    lin.register_forward_hook(lambda m, a, o: order.append("b"))
    lin.register_forward_hook(lambda m, a, o: order.append("a"), prepend=True)
    lin(Tensor([1.0]))
    assert order == ["a", "b"]
    with lin.register_forward_hook(lambda m, a, o: o * 0):
        assert lin(Tensor([1.0])).item() == 0.0
    assert lin(Tensor([1.0])).item() == 3.0


# ----------------------------------------------------------------- repr
EXPECTED_REPR = """Net(
  (block): Block(
    (fc): Linear(in_features=3, out_features=4, bias=True)
    (bn): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  )
  (head): Sequential(
    (0): ReLU()
    (1): Linear(in_features=4, out_features=2, bias=False)
  )
)"""


def test_repr_matches_pytorch_layout():
    assert repr(Net()) == EXPECTED_REPR
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"


# ----------------------------------------------------------------- state_dict
def test_state_dict_keys_order_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == [
        "alpha", "block.scale", "block.fc.weight", "block.fc.bias", "block.bn.weight",
        "block.bn.bias", "block.bn.running_mean", "block.bn.running_var",
        "block.bn.num_batches_tracked", "head.1.weight",
    ]
    assert "block.cache" not in sd  # non-persistent buffer
    assert sd["block.fc.weight"]._data is net.block.fc.weight._data
    assert not sd["block.fc.weight"].requires_grad
    assert net.state_dict(keep_vars=True)["alpha"] is net.alpha


def test_load_state_dict_round_trip_copies_in_place_keeping_dtype():
    src, dst = Net(), Net()
    src.block.bn.running_mean._data[...] = 3.0
    weight_array = dst.block.fc.weight._data
    sd = {k: Tensor(v._data.astype(np.float64)) if v.dtype == np.float32 else v
          for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.block.fc.weight._data is weight_array and weight_array.dtype == np.float32
    np.testing.assert_array_equal(dst.block.fc.weight._data, src.block.fc.weight._data)
    np.testing.assert_array_equal(dst.block.bn.running_mean._data, 3.0)
    x = autograd.randn(4, 3)
    src.eval()
    dst.eval()
    np.testing.assert_allclose(src(x)._data, dst(x)._data)


def test_load_state_dict_reports_every_problem_at_once_and_loads_nothing():
    net = Net()
    before = net.block.fc.bias._data.copy()
    sd = net.state_dict()
    sd = OrderedDict((k, Tensor(v._data.copy())) for k, v in sd.items())
    sd["block.fc.bias"] = Tensor(np.full(4, 7.0, dtype=np.float32))
    del sd["alpha"], sd["block.bn.running_var"]
    sd["extra.weight"] = Tensor([1.0])
    sd["block.fc.weight"] = Tensor(np.zeros((5, 3), dtype=np.float32))
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Net" in message
    assert 'Missing key(s) in state_dict: "alpha", "block.bn.running_var".' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in message
    assert ("size mismatch for block.fc.weight: copying a param with shape (5, 3) from "
            "checkpoint, the shape in current model is (4, 3).") in message
    np.testing.assert_array_equal(net.block.fc.bias._data, before)


def test_load_state_dict_non_strict_returns_keys_but_size_mismatch_still_raises():
    net = Net()
    sd = net.state_dict()
    del sd["alpha"]
    sd["bogus"] = Tensor([0.0])
    result = net.load_state_dict(sd, strict=False)
    assert result == (["alpha"], ["bogus"])
    assert result.missing_keys == ["alpha"] and result.unexpected_keys == ["bogus"]
    sd["head.1.weight"] = Tensor(np.zeros((3, 3), dtype=np.float32))
    with pytest.raises(RuntimeError, match=r"size mismatch for head\.1\.weight"):
        net.load_state_dict(sd, strict=False)


def test_load_state_dict_rejects_non_numeric_values():
    lin = nn.Linear(1, 1)
    with pytest.raises(RuntimeError, match="non-numeric dtype"):
        lin.load_state_dict({"weight": np.array([["a"]]), "bias": np.zeros(1)})


# ----------------------------------------------------------------- containers
def test_sequential_indexing_slicing_len_iter_append_and_forward():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b
    seq.append(c)
    assert list(seq) == [a, b, c]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail._modules) == ["1", "2"]
    x = autograd.randn(4, 2)
    np.testing.assert_allclose(seq(x)._data, c(b(a(x)))._data)
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[0] is b
    seq.insert(0, a)
    assert list(seq) == [a, b, c]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    with pytest.raises(TypeError, match="must be Modules"):
        nn.Sequential(a, 3)


def test_sequential_from_ordered_dict_names_its_children():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert isinstance(seq.act, nn.ReLU)


def test_module_list_registers_and_behaves_like_a_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    assert isinstance(layers[-1], nn.Sigmoid) and len(layers) == 6
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == [str(i) for i in range(5)]
    layers.insert(1, nn.Identity())
    assert isinstance(layers[1], nn.Identity)
    assert list(nn.Sequential(nn.ModuleList([nn.Linear(1, 1)])).state_dict()) == ["0.0.weight", "0.0.bias"]
    with pytest.raises(NotImplementedError):
        layers(Tensor([1.0]))


def test_module_dict_registers_by_key():
    d = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert list(d) == ["enc", "dec"] and "enc" in d and len(d) == 2
    d["act"] = nn.ReLU()
    assert list(d.keys()) == ["enc", "dec", "act"]
    assert [n for n, _ in d.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(d.pop("act"), nn.ReLU) and len(d) == 2
    d.update([("extra", nn.Tanh())])
    assert list(dict(d.items())) == ["enc", "dec", "extra"]
    with pytest.raises(TypeError, match="must be Modules"):
        d["bad"] = 1


# ----------------------------------------------------------------- torch comparison
def test_state_dict_keys_and_shapes_match_pytorch_for_the_same_architecture():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.Sequential(
            lib.Linear(3, 8), lib.BatchNorm1d(8), lib.ReLU(), lib.Dropout(0.1),
            lib.Sequential(OrderedDict(fc=lib.Linear(8, 4), ln=lib.LayerNorm(4))),
            lib.Embedding(5, 4), lib.BatchNorm2d(3, bias=False, track_running_stats=False),
        )

    ours = {k: tuple(v.shape) for k, v in build(nn).state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in build(torch.nn).state_dict().items()}
    assert list(ours) == list(theirs)
    assert ours == theirs
    assert repr(build(nn)) == repr(build(torch.nn))


def test_state_dict_calls_each_childs_state_dict_as_pytorch():
    class Tagged(nn.Linear):
        def state_dict(self, destination=None, prefix="", keep_vars=False):
            destination = super().state_dict(destination, prefix, keep_vars)
            destination[prefix + "tag"] = autograd.tensor(1.0)
            return destination

    model = nn.Sequential(Tagged(2, 2), nn.ReLU())
    assert list(model.state_dict()) == ["0.weight", "0.bias", "0.tag"]
