"""Views made under no_grad() or inference_mode() of a tensor that requires grad, as PyTorch 2.13
treats them: a leaf that requires grad (taken from its base) but sends no gradient anywhere;
an in-place change to it with grad mode on raises; once its memory changed in place, its history
raises on use. Each probe runs the same program on tapegrad and on torch (when installed) and
compares both with the values written here."""

import re

import numpy as np
import pytest

import autograd as ag

try:
    import torch
except ImportError:  # (the plain assertions still run)
    torch = None

LIBS = [ag] + ([torch] if torch is not None else [])
lib_param = pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)

DIRECT = ("A view was created in no_grad mode and is being modified inplace with grad mode "
          "enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
          "can clarify your code by moving both the view and the inplace either both inside the "
          "no_grad block (if you don't want the inplace to be tracked) or both outside (if you "
          "want the inplace to be tracked).")
INDIRECT = DIRECT.replace("is being modified inplace", "its base or another view of its base has "
                          "been modified inplace")
OF_VIEW = r"Output 0 of \w+ is a view of a view which was created in no_grad mode and "
INF_DIRECT = (DIRECT.replace("no_grad mode", "inference mode").replace("with grad mode enabled",
              "in normal mode").replace("no_grad block", "inference_mode block"))
INF_INDIRECT = (INDIRECT.replace("no_grad mode", "inference mode").replace(
    "with grad mode enabled", "in normal mode").replace("no_grad block", "inference_mode block"))

# every view op tapegrad has, written once for both libraries (2x3 base)
VIEW_OPS = {
    "slice": lambda a: a[:1],
    "int_index": lambda a: a[0],
    "empty_slice": lambda a: a[:, 0:0],
    "view": lambda a: a.view(-1),
    "reshape": lambda a: a.reshape(-1),
    "reshape_same_shape": lambda a: a.reshape(2, 3),
    "view_as": lambda a: a.view_as(a),
    "flatten": lambda a: a.flatten(),
    "permute": lambda a: a.permute(1, 0),
    "T": lambda a: a.T,
    "mT": lambda a: a.mT,
    "t": lambda a: a.t(),
    "transpose": lambda a: a.transpose(0, 1),
    "swapaxes": lambda a: a.swapaxes(0, 1),
    "movedim": lambda a: a.movedim(0, 1),
    "squeeze": lambda a: a.unsqueeze(0).squeeze(0),
    "squeeze_nothing": lambda a: a.squeeze(),
    "unsqueeze": lambda a: a.unsqueeze(0),
    "expand": lambda a: a.unsqueeze(0).expand(2, 2, 3),
    "expand_as": lambda a: a.expand_as(a),
    "narrow": lambda a: a.narrow(1, 0, 2),
    "unflatten": lambda a: a.unflatten(1, (3, 1)),
    "split": lambda a: a.split(1)[1],
    "chunk": lambda a: a.chunk(2, dim=1)[0],
    "unbind": lambda a: a.unbind(0)[1],
    "diagonal": lambda a: a.diagonal(),
    "diagonal_offset": lambda a: a.diagonal(1),
}
# ops that copy (or detach): under no_grad their result requires no grad
NOT_VIEWS = {
    "detach": lambda a: a.detach(),
    "mul": lambda a: a * 1,
    "reshape_copy": lambda a: a.T.reshape(-1),
    "flatten_copy": lambda a: a.T.flatten(),
    "advanced_index": lambda a: a[[0]],
    "clone": lambda a: a.clone(),
    "diag": lambda a: a.diag(),
    "contiguous_copy": lambda a: a.T.contiguous(),
}
KINDS = ("leaf", "nonleaf")


def _stale(lib, error="indirect"):
    """What using a no_grad view's history gives once its memory changed in place: PyTorch raises;
    tapegrad keeps the view as it was (it still sends no gradient anywhere, so no value differs).
    The one divergence left here: raising needs a check on every read of `grad_fn`."""
    return "ok" if lib is ag else error


def _base(lib, kind, requires_grad=True):
    a0 = lib.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], requires_grad=requires_grad)
    return a0, (a0 if kind == "leaf" else a0 * 1)


def _no_grad_view(lib, op, kind):
    a0, a = _base(lib, kind)
    with lib.no_grad():
        v = op(a)
    return a0, a, v


def _values(t):
    return np.array(t.detach().tolist(), dtype=np.float64)


def _error(fn) -> str:
    """What `fn()` raised: the kind of error, in words both libraries share."""
    try:
        fn()
    except RuntimeError as exc:
        msg = str(exc)
        if msg == DIRECT:
            return "direct"
        if msg == INDIRECT:
            return "indirect"
        if re.match(OF_VIEW + "is being modified inplace", msg):
            return "view of view direct"
        if re.match(OF_VIEW + "its base", msg):
            return "view of view indirect"
        if re.fullmatch(r"Output \d of \w+ is a view and its base or another view of its base "
                        r"has been modified inplace\. This view is the output of a function "
                        r"that returns multiple views\..*", msg):
            return "multi indirect"
        if msg == INF_DIRECT:
            return "inference direct"
        if msg == INF_INDIRECT:
            return "inference indirect"
        if "leaf Variable that requires grad" in msg:
            return "leaf"
        if "single memory location" in msg:
            return "overlap"
        if "not have been used in the graph" in msg or "not used in the graph" in msg:
            return "unused"
        return msg
    return "ok"


@lib_param
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_no_grad_view_is_a_leaf_that_requires_grad(lib, kind, name):
    a0, a, v = _no_grad_view(lib, VIEW_OPS[name], kind)
    assert (v.requires_grad, v.is_leaf, v.grad_fn, v._base is a) == (True, True, None, True)
    w = v * 2
    assert w.requires_grad and w.grad_fn is not None
    if v.numel():
        w.sum().backward()
        assert v.grad is None and a0.grad is None  # (the gradient reaches no one)


@lib_param
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_inplace_on_no_grad_view(lib, kind, name):
    op = VIEW_OPS[name]
    _, a, v = _no_grad_view(lib, op, kind)
    before = _values(a)
    assert _error(lambda: v.mul_(2)) == "direct"
    np.testing.assert_array_equal(_values(a), before)  # (raised before writing)
    assert v._version == 0 and v.grad_fn is None

    _, a, v = _no_grad_view(lib, op, kind)
    with lib.no_grad():
        outcome = _error(lambda: v.add_(1))
    if name == "expand":
        assert outcome == "overlap"
        return
    assert outcome == "ok"
    assert _values(a).sum() == before.sum() + v.numel()
    assert v.requires_grad
    assert _error(lambda: v.grad_fn) == _stale(lib)
    assert _error(lambda: v.is_leaf) == _stale(lib)
    with lib.no_grad():
        assert not (v * 2).requires_grad
    assert not v.detach().requires_grad


@lib_param
@pytest.mark.parametrize("kind", KINDS)
def test_inplace_on_base_makes_no_grad_view_stale(lib, kind):
    _, a, v = _no_grad_view(lib, VIEW_OPS["slice"], kind)
    assert _error(lambda: a.mul_(2)) == ("leaf" if kind == "leaf" else "ok")
    assert _error(lambda: v.grad_fn) == ("ok" if kind == "leaf" else _stale(lib))
    a0, a, v = _no_grad_view(lib, VIEW_OPS["slice"], kind)
    with lib.no_grad():
        a.mul_(2)  # (an optimizer step on a parameter with a no_grad view of it)
    assert _error(lambda: v.grad_fn) == _stale(lib)
    assert v.requires_grad
    if lib is ag:
        (v * 2).sum().backward()
        assert v.grad is None and a0.grad is None


@lib_param
def test_inplace_on_another_no_grad_view(lib):
    _, a, v = _no_grad_view(lib, VIEW_OPS["slice"], "nonleaf")
    with lib.no_grad():
        v2 = a[1:]
    assert _error(lambda: v2.mul_(2)) == "direct"
    assert v.grad_fn is None


@lib_param
@pytest.mark.parametrize("kind", KINDS)
def test_view_of_no_grad_view(lib, kind):
    a0, a, v = _no_grad_view(lib, VIEW_OPS["slice"], kind)
    for make in (lambda t: t[:, :2], lambda t: t.reshape(3), lambda t: t.T):
        vv = make(v)
        assert (vv.requires_grad, vv.is_leaf, vv._base is a) == (True, False, True)
        assert _error(lambda vv=vv: vv.mul_(2)) == "view of view direct"
    vv = v[:, :2]
    (vv * 3).sum().backward()
    assert a0.grad is None and v.grad is None
    vv = v[:, :2]
    y = vv * 3
    with lib.no_grad():
        v.mul_(2)
    assert _error(lambda: vv.grad_fn) == _stale(lib, "view of view indirect")
    y.sum().backward()  # (recorded before the change: no error, and still no gradient)
    assert a0.grad is None and v.grad is None


@lib_param
@pytest.mark.parametrize("kind", KINDS)
def test_every_inplace_form_raises(lib, kind):
    forms = {
        "iadd": lambda v: v.__iadd__(1.0),
        "zero_": lambda v: v.zero_(),
        "copy_": lambda v: v.copy_(lib.ones(1, 3)),
        "add_ tensor that requires grad": lambda v: v.add_(lib.ones(1, 3, requires_grad=True)),
    }
    for name, form in forms.items():
        _, _, v = _no_grad_view(lib, VIEW_OPS["slice"], kind)
        assert _error(lambda form=form, v=v: form(v)) == "direct", name
    _, _, v = _no_grad_view(lib, VIEW_OPS["slice"], kind)
    # (PyTorch indexes first, so it names the view of the view; the rule is the same)
    assert _error(lambda: v.__setitem__(0, 1.0)) in ("direct", "view of view direct")


@lib_param
def test_gradient_through_no_grad_view_and_base(lib):
    a0, _, v = _no_grad_view(lib, VIEW_OPS["slice"], "leaf")
    (v * a0).sum().backward()  # (only the path through a0 itself counts)
    np.testing.assert_array_equal(_values(a0.grad), [[0, 1, 2], [0, 1, 2]])
    a0, _, v = _no_grad_view(lib, VIEW_OPS["slice"], "leaf")
    w = (v * 2).sum()
    grad = ag.grad if lib is ag else torch.autograd.grad
    assert tuple(grad(w, a0, retain_graph=True, allow_unused=True)) == (None,)
    assert _error(lambda: grad(w, v)) == "unused"


@lib_param
def test_hooks_and_retain_grad_on_no_grad_view(lib):
    _, _, v = _no_grad_view(lib, VIEW_OPS["slice"], "leaf")
    calls = []
    v.register_hook(calls.append)
    v.retain_grad()
    (v * 2).sum().backward()
    assert calls == [] and v.grad is None


@lib_param
def test_requires_grad_flag_of_no_grad_view(lib):
    a0, _, v = _no_grad_view(lib, VIEW_OPS["slice"], "leaf")
    assert v.requires_grad_(False).requires_grad  # (still its base's)
    v.requires_grad_(True)  # its own flag: now an ordinary leaf
    assert v.is_leaf and v.grad_fn is None
    (v * 2).sum().backward()
    np.testing.assert_array_equal(_values(v.grad), [[2, 2, 2]])
    assert a0.grad is None


@lib_param
def test_no_grad_view_follows_its_base_requires_grad(lib):
    a = lib.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    with lib.no_grad():
        v = a[:1]
    assert not v.requires_grad
    assert _error(lambda: v.add_(lib.ones(3, requires_grad=True))) == "direct"
    with lib.no_grad():
        changed = a[1:]
    assert _error(lambda: v.mul_(2)) == "ok"  # (changes `changed`'s memory too)
    assert changed.grad_fn is None  # (its base needs no grad: nothing to raise about)
    a.requires_grad_()
    assert (v.requires_grad, _error(lambda: changed.grad_fn)) == (True, _stale(lib))
    with lib.no_grad():
        v = a[:1]
    a.requires_grad_(False)
    assert not v.requires_grad
    a.requires_grad_()
    assert (v.requires_grad, v.is_leaf, v.grad_fn) == (True, True, None)
    assert _error(lambda: v.mul_(2)) == "direct"
    a0, a, v = _no_grad_view(lib, VIEW_OPS["slice"], "leaf")
    a0.requires_grad_(False)
    assert not v.requires_grad


@lib_param
def test_requires_grad_comes_from_the_root_base(lib):
    a0 = lib.arange(6.0).reshape(2, 3).requires_grad_()  # (a view of a tensor that needs none)
    with lib.no_grad():
        v = a0[:1]
    assert not v.requires_grad and v._base is not a0


@lib_param
def test_enable_grad_inside_no_grad_makes_an_ordinary_view(lib):
    a0 = lib.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], requires_grad=True)
    with lib.no_grad():
        with lib.enable_grad():
            u = a0[1:]
    assert u.grad_fn is not None and not u.is_leaf
    assert _error(lambda: u.mul_(2)) == "leaf"  # (a view of a leaf: PyTorch's other rule)


@lib_param
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(NOT_VIEWS))
def test_no_grad_results_that_are_not_views(lib, kind, name):
    _, a, e = _no_grad_view(lib, NOT_VIEWS[name], kind)
    assert (e.requires_grad, e.is_leaf, e._base is a) == (False, True, False)
    assert _error(lambda: e.mul_(2)) == "ok"


@lib_param
@pytest.mark.parametrize("kind", KINDS)
def test_inference_mode_view(lib, kind):
    _, a = _base(lib, kind)
    with lib.inference_mode():
        v = a[:1]
    assert (v.requires_grad, v.is_leaf, v.grad_fn, v._base is a) == (True, True, None, True)
    assert (v * 2).grad_fn is not None
    assert _error(lambda: v.mul_(2)) == "inference direct"
    vv = v[:, :2]
    assert re.match(r"Output 0 of \w+ is a view of a view which was created in inference mode",
                    _error(lambda: vv.mul_(2)))
    with lib.inference_mode():
        v.mul_(2)
    with lib.no_grad():
        v.mul_(2)
    np.testing.assert_array_equal(_values(a), [[0, 4, 8], [3, 4, 5]])
    assert _error(lambda: v.grad_fn) == _stale(lib, "inference indirect")


@lib_param
def test_the_issue_oracle(lib):
    a = lib.randn(3, requires_grad=True)
    with lib.no_grad():
        v = a[:2]
    assert (v.requires_grad, v.is_leaf, v.grad_fn) == (True, True, None)
    assert (v * 2).requires_grad
    with pytest.raises(RuntimeError, match=re.escape(DIRECT)):
        v.mul_(2)
    with lib.no_grad():
        r = a.reshape(3)
        e = a * 1
    assert r.requires_grad and not e.requires_grad


def test_libraries_agree_on_every_probe():
    """(The tests above run each probe on both; this one says so when torch is missing.)"""
    if torch is None:
        pytest.skip("torch not installed: only tapegrad's side ran")
    assert LIBS == [ag, torch]


@lib_param
@pytest.mark.parametrize("use", ["split", "gather", "index"])
def test_no_gradient_reaches_a_no_grad_view_through_any_op(lib, use):
    a0, _, v = _no_grad_view(lib, VIEW_OPS["slice"], "leaf")
    ops = {
        "split": lambda t: t.split(1, dim=1)[0],  # (an autograd.Function here)
        "gather": lambda t: t.gather(1, lib.tensor([[0, 2]])),  # (an integer input too)
        "index": lambda t: t[:, lib.tensor([0, 2])],
    }
    out = ops[use](v)
    assert out.requires_grad
    (out * 2).sum().backward()
    assert v.grad is None and a0.grad is None


@lib_param
def test_piece_made_in_no_grad_is_a_no_grad_view(lib):
    _, b = _base(lib, "nonleaf")
    with lib.no_grad():
        p = b.unbind(0)[0]
    assert _error(lambda: p.mul_(2)) == "direct"

