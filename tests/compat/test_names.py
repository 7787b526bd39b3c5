"""PyTorch's names in autograd: dtypes, devices, to/cuda, factories' arguments, Size, new_*,
Generator and the random functions, inference_mode."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn

DTYPES = ["float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32",
          "int", "int16", "int8", "uint8", "bool"]


def test_dtype_aliases_match_pytorch():
    expected = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
                "int": "int32"}
    for name in DTYPES:
        assert np.dtype(getattr(autograd, name)) == np.dtype(expected.get(name, name))
    assert autograd.zeros(2, dtype=autograd.long).dtype == np.int64


def test_dtype_aliases_name_the_same_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    for name in DTYPES:
        assert str(getattr(torch, name)) == f"torch.{np.dtype(getattr(autograd, name))}"


def test_device_builds_compares_and_prints_as_pytorch():
    d = autograd.device
    assert d("cuda:1").type == "cuda" and d("cuda:1").index == 1 and d("cuda").index is None
    assert d("cuda", 0) == d("cuda:0") == d(0) and d("cpu") != d("cuda") and d(d("cpu")) == d("cpu")
    assert str(d("cuda:0")) == "cuda:0" and repr(d("cuda", 0)) == "device(type='cuda', index=0)"
    assert repr(d("cpu")) == "device(type='cpu')" and len({d("cpu"), d("cpu")}) == 1
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        d("gpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        d("cuda:x")


def test_device_as_a_context_manager():
    with autograd.device("cpu") as d:
        assert d == autograd.device("cpu") and autograd.zeros(1).device == d
    with pytest.raises(AssertionError, match="CPU"), autograd.device("cuda"):
        pass


def test_device_errors_match_torch_types():
    torch = pytest.importorskip("torch")
    for bad in ("gpu", "cuda:x"):
        with pytest.raises(RuntimeError):
            torch.device(bad)
    for spec in ("cpu", "cuda", "cuda:2", "mps"):
        assert repr(autograd.device(spec)) == repr(torch.device(spec))


def test_tensor_device_and_to_forms():
    x = autograd.ones(2, 3, requires_grad=True)
    assert x.device == autograd.device("cpu") and str(x.device) == "cpu" and not x.is_cuda
    assert x.to("cpu") is x and x.to(autograd.device("cpu"), non_blocking=True) is x
    y = x.to("cpu", autograd.float64)
    assert y.dtype == np.float64 and x.to(dtype=autograd.double).dtype == np.float64
    assert x.to(autograd.zeros(1, dtype=autograd.float16)).dtype == np.float16
    assert x.to(device="cpu", dtype=autograd.float32) is x
    c = x.to("cpu", copy=True)
    assert c is not x and np.array_equal(c.detach().numpy(), x.detach().numpy())
    y.sum().backward()  # the cast is differentiable
    assert x.grad.dtype == np.float32 and np.all(x.grad.numpy() == 1)
    assert x.cpu() is x


def test_moving_to_an_accelerator_raises_as_a_cpu_only_pytorch():
    x = autograd.ones(2)
    for move in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: x.to(autograd.device("cuda", 0)),
                 lambda: x.to(0), lambda: autograd.zeros(2, device="cuda")):
        with pytest.raises(AssertionError, match="tapegrad runs on the CPU"):
            move()
    with pytest.raises(RuntimeError, match="tapegrad runs on the CPU"):
        x.to("mps")


def test_accelerator_errors_have_torch_types():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this PyTorch has CUDA")
    with pytest.raises(AssertionError):
        torch.ones(2).cuda()
    with pytest.raises(RuntimeError):
        torch.ones(2).to("mps")


def test_module_to_device_dtype_and_cuda():
    m = nn.Linear(2, 3)
    assert m.to(autograd.device("cpu")) is m and m.cpu() is m
    assert m.to("cpu", autograd.float64).weight.dtype == np.float64
    assert m.to(autograd.zeros(1)).weight.dtype == np.float32
    assert m.to(device="cpu", dtype=autograd.double).bias.dtype == np.float64
    with pytest.raises(AssertionError, match="CPU"):
        m.cuda()
    with pytest.raises(AssertionError, match="CPU"):
        m.to("cuda:0")
    with pytest.raises(TypeError, match="floating point"):
        m.to(autograd.long)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_take_sizes_and_arguments_as_pytorch(name):
    f = getattr(autograd, name)
    for t in (f(2, 3), f((2, 3)), f([2, 3]), f(size=(2, 3)), f(autograd.Size([2, 3]))):
        assert t.shape == (2, 3) and t.dtype == np.float32
    t = f(2, dtype=autograd.float64, device="cpu", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    assert f(()).shape == () and f(0).shape == (0,)
    with pytest.raises(AssertionError):
        f(2, device="cuda")


def test_other_factories_take_device_and_requires_grad():
    for t in (autograd.full((2,), 1.5, device="cpu", requires_grad=True),
              autograd.arange(3.0, device="cpu", requires_grad=True),
              autograd.linspace(0, 1, 5, device="cpu", requires_grad=True),
              autograd.eye(2, device="cpu", requires_grad=True),
              autograd.tensor([1.0], device="cpu", requires_grad=True),
              autograd.zeros_like(autograd.ones(2), requires_grad=True, device="cpu")):
        assert t.requires_grad and t.dtype == np.float32
    a = np.arange(3.0)
    assert autograd.as_tensor(a, device="cpu").numpy() is a
    assert autograd.numel(autograd.ones(2, 3)) == 6 and autograd.is_tensor(autograd.ones(1))
    autograd.set_default_device("cpu")
    assert autograd.get_default_device() == autograd.device("cpu")
    with pytest.raises(AssertionError):
        autograd.set_default_device("cuda")


def test_size_prints_and_slices_as_torch_size():
    x = autograd.zeros(2, 3, 4)
    s = x.size()
    assert s == (2, 3, 4) and isinstance(s, tuple) and s.numel() == 24
    assert repr(s) == "torch.Size([2, 3, 4])" and repr(s[1:]) == "torch.Size([3, 4])"
    assert s[-1] == 4 and x.size(1) == 3 and x.size(-1) == 4 and x.nelement() == 24
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)


def test_size_repr_equals_torch():
    torch = pytest.importorskip("torch")
    assert repr(autograd.zeros(2, 3).size()) == repr(torch.zeros(2, 3).size())
    assert repr(autograd.zeros(()).size()) == repr(torch.zeros(()).size())


def test_new_factories_follow_self_dtype():
    x = autograd.zeros(2, dtype=autograd.float64)
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros((2, 3)).dtype == np.float64
    assert x.new_ones(4).dtype == np.float64 and np.all(x.new_ones(4).numpy() == 1)
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_empty(3).shape == (3,)
    t = x.new_tensor([1, 2], requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad
    assert x.new_zeros(2, dtype=autograd.long).dtype == np.int64


def test_new_factories_match_torch_dtypes():
    torch = pytest.importorskip("torch")
    for dt in ("float64", "int32"):
        t, o = torch.zeros(1, dtype=getattr(torch, dt)), autograd.zeros(1, dtype=getattr(autograd, dt))
        for name, args in (("new_zeros", (2,)), ("new_ones", ((2, 3),)), ("new_full", ((2,), 3)),
                           ("new_tensor", ([1, 2],))):
            a, b = getattr(t, name)(*args), getattr(o, name)(*args)
            assert str(a.dtype) == f"torch.{b.dtype}" and tuple(a.shape) == b.shape


def test_mm_multiplies_matrices():
    a, b = autograd.ones(2, 3), autograd.ones(3, 4)
    assert autograd.mm(a, b).shape == (2, 4) and np.all(a.mm(b).numpy() == 3)
    with pytest.raises(RuntimeError):
        autograd.mm(autograd.ones(3), b)
