"""`Optimizer`: parameter groups, lazily created per-parameter state, and state_dict I/O."""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad, from_numpy
from autograd.inplace import bump_versions
from autograd.promotion import get_default_dtype

from .step_hooks import StepHooksMixin, hooked_step

__all__ = ["Optimizer"]


_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of "
    "tensors in sets will change between runs. Please use a list instead."
)


def check_number(owner: str, name: str, value) -> None:
    """Raise TypeError unless `value` is a real number (bools excluded), naming the optimizer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")


def check_at_least_zero(owner: str, name: str, value, message: str) -> None:
    """Raise ValueError(message) unless 0 <= value; `not 0 <= x` also rejects NaN, as PyTorch."""
    check_number(owner, name, value)
    if not 0.0 <= value:
        raise ValueError(message)


def _copy_value(value):
    """Deep copy for state_dict values: Tensors and arrays get fresh buffers."""
    if isinstance(value, Tensor):
        return from_numpy(value._data.copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v) for v in value)
    return copy.deepcopy(value)


def _check_implementation_flags(name: str, defaults: dict[str, Any]) -> None:
    """PyTorch's switches between implementations of one update: `foreach` and `fused` (both
    compute the same update here: accepted, kept in the param groups as PyTorch keeps them);
    `capturable` and `differentiable`, which need what tapegrad lacks, raise as PyTorch on the
    CPU does (differentiable: PyTorch raises at the first step, on the in-place update of a leaf)."""
    if defaults.get("fused") and defaults.get("foreach"):
        raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together.")
    if defaults.get("capturable"):
        raise RuntimeError(
            f"{name}: If capturable=True, params and state_steps must be on supported devices: "
            "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'] (tapegrad runs on the CPU: leave "
            "capturable=False)"
        )
    if defaults.get("differentiable"):
        raise RuntimeError(
            f"{name}: differentiable=True (recording the update for autograd) is not supported: "
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


class Optimizer(StepHooksMixin):
    """Base class of all optimizers (PyTorch's `torch.optim.Optimizer`).

    Args:
        params: an iterable of Tensors, of `(name, Tensor)` pairs, or of dicts
            `{"params": [...], "lr": ..., ...}` (one parameter group each; keys missing from a
            dict take their values from `defaults`).
        defaults: the default hyperparameters of every group.

    Attributes:
        param_groups: list of dicts, each with a "params" list and its hyperparameters.
        state: per-parameter state, a dict keyed by the parameter Tensor itself; entries are
            created lazily on the first step that parameter has a gradient.
        defaults: the dict passed in.

    Subclasses implement `_update_group(group, params)` (the bookkeeping around a pure update
    function), and may override `_init_state(p, group)` (a parameter's state before its first
    update) and `_validate(hyperparameters)`.
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        _check_implementation_flags(type(self).__name__, defaults)
        self._validate(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, but got "
                "a single Tensor (wrap it in a list: [tensor])"
            )
        if isinstance(params, dict):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, but got "
                "a dict (wrap a parameter group in a list: [group])"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        param_list = list(params)
        if not param_list:
            raise ValueError("optimizer got an empty parameter list")
        groups = param_list if isinstance(param_list[0], dict) else [{"params": param_list}]
        for group in groups:
            self.add_param_group(group)

    # ----------------------------------------------------------------- hooks
    def _validate(self, hyperparameters: dict[str, Any]) -> None:
        """Raise ValueError/TypeError for an invalid hyperparameter; the base class accepts all."""

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        """Apply one update to `params` (the group's parameters that have a gradient)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement step() or _update_group(group, params)"
        )

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The state of parameter `p` before its first update; the base class keeps none."""
        return {}

    def _param_states(self, group: dict[str, Any], params: list[Tensor]) -> list[dict[str, Any]]:
        """The state dict of each of `params`, made by `_init_state` on the parameter's first
        update (PyTorch's lazy initialization: a parameter that never gets a gradient has none)."""
        all_states = self.state
        states = []
        for p in params:
            state = all_states[p]
            if not state:
                state.update(self._init_state(p, group))
            states.append(state)
        return states

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group (a dict with "params"); missing hyperparameters take defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"{name}: a param group needs a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_MESSAGE)
        else:
            params = list(params)
        group = dict(param_group)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(f"{name}: all parameters should be named or all unnamed")
            group["param_names"] = names
            params = [p[1] for p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: optimizer can only optimize Tensors, but parameter {i} of the group "
                    f"is {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._validate(group)
        seen = {p for g in self.param_groups for p in g["params"]}
        if len(set(params)) != len(params):
            raise ValueError(f"{name}: a parameter group contains the same parameter twice")
        if any(p in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ----------------------------------------------------------------- stepping
    @hooked_step
    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; returns `closure()` (evaluated first).

        Args:
            closure: optional callable that re-evaluates the model and returns the loss; it runs
                with gradient recording enabled.

        Returns:
            The closure's return value, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update_group(group, params)
                # NOTE: the update writes p._data in place; bumping the version makes a backward
                # through a graph recorded before the step raise instead of using new values.
                bump_versions(params)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: drop them (`set_to_none=True`) or fill them with zeros."""
        for group in self.param_groups:
            if set_to_none:
                for p in group["params"]:
                    p.grad = None
                continue
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g.requires_grad_(False)
                g.zero_()

    # ----------------------------------------------------------------- state dict
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as `{"state": {index: {...}}, "param_groups": [...]}` (copies).

        Parameters are numbered 0, 1, ... in group order; each saved group holds its
        hyperparameters and the indices of its parameters in "params".
        """
        index: dict[Tensor, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(p, len(index))
                ids.append(index[p])
            packed["params"] = ids
            groups.append(packed)
        state = {index[p]: _copy_value(s) for p, s in self.state.items() if p in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a dict made by `state_dict()` (validated: group count, group sizes, shapes).

        Hyperparameters come from the saved groups; floating-point state is cast to each
        parameter's dtype. The input is copied, so it can be reused.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with keys 'state' and 'param_groups'"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups: "
                f"got {len(saved_groups)}, the optimizer has {len(self.param_groups)}"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"{name}.load_state_dict: saved group {i} has no 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group: group {i} has {len(saved['params'])} parameters in the "
                    f"state dict and {len(group['params'])} in the optimizer"
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, param_state in state_dict["state"].items():
            k = int(key) if isinstance(key, str) and key.isdigit() else key
            if k not in id_map:
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter index {key!r}, but the saved "
                    f"groups only list indices {sorted(id_map)}"
                )
            p = id_map[k]
            new_state[p] = {n: self._cast_state(p, k, n, v) for n, v in param_state.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = {k: _copy_value(v) for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            new_groups.append(new_group)
        self.state = new_state
        self.param_groups = new_groups

    def _cast_state(self, p: Tensor, index, key: str, value):
        """Copy one saved state entry; array entries must have the parameter's shape."""
        if key == "step" and isinstance(value, (Tensor, np.ndarray, np.generic, numbers.Real)):
            # NOTE: a step saved as a Python int (older tapegrad state dicts) or as PyTorch's 0-d
            # tensor both load as the 0-d float tensor the update increments in place
            array = np.asarray(value._data if isinstance(value, Tensor) else value)
            if array.size != 1:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state 'step' of parameter {index} "
                    f"must be a number or a one-element tensor, got shape {array.shape}"
                )
            dtype = array.dtype if array.dtype.kind == "f" else scalar_dtype()
            return from_numpy(np.array(array.reshape(()), dtype=dtype, copy=True))
        if isinstance(value, (Tensor, np.ndarray)):
            array = value._data if isinstance(value, Tensor) else value
            if array.ndim > 0 and array.shape != p.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state '{key}' of parameter {index} "
                    f"has shape {array.shape}, but the parameter has shape {tuple(p.shape)}"
                )
            dtype = p.dtype if array.dtype.kind == "f" else array.dtype
            return from_numpy(np.array(array, dtype=dtype, copy=True))
        return _copy_value(value)

    # ----------------------------------------------------------------- display
    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def zeros_like_param(p: Tensor) -> Tensor:
    """A zero buffer with the parameter's shape and dtype (state is kept as Tensors)."""
    return from_numpy(np.zeros_like(p._data))


def scalar_dtype() -> np.dtype:
    """The dtype of a 0-d "step" entry: float64 under a float64 default dtype, else float32, as
    PyTorch's optimizers choose it."""
    return np.dtype(np.float64) if get_default_dtype() == np.float64 else np.dtype(np.float32)


def new_step(value: float = 0.0) -> Tensor:
    """A fresh "step" state entry: a 0-d float Tensor (PyTorch keeps the count as a tensor, so
    programs call `state["step"].item()` and save it in optimizer state dicts)."""
    return from_numpy(np.array(value, dtype=scalar_dtype()))


def advance_steps(states: list[dict[str, Any]]) -> list[float]:
    """Add 1 to each state's "step" tensor in place and return the new counts as Python floats,
    the values PyTorch reads (`step.item()`) for its bias corrections."""
    counts = []
    for state in states:
        step = state["step"]
        step._data += 1
        counts.append(float(step._data))
    return counts


def state_tensor(array: np.ndarray) -> Tensor:
    """Wrap a state array as a Tensor sharing its memory (state entries are Tensors, as PyTorch)."""
    return from_numpy(array)


def hyper(group: dict[str, Any], key: str) -> float:
    """A group's hyperparameter as a Python float: float32 math must not meet float64 scalars."""
    return float(group[key])


def arrays_of(params: Iterable[Tensor]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The parameters' arrays and their gradients' arrays (`p.grad`), each gradient cast to its
    parameter's dtype (a float64 grad on a float32 parameter would upcast the state buffers)."""
    datas = []
    grads = []
    for p in params:
        data = p._data
        g = p.grad._data
        datas.append(data)
        grads.append(g if g.dtype == data.dtype else g.astype(data.dtype))
    return datas, grads


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray | None = None) -> None:
    """start ← start + w·(end - start), in place, in PyTorch's two-branch form (exact at w = 1);
    `tmp`, an array like `start`, holds the difference (else a temporary is made)."""
    w = start.dtype.type(weight)
    diff = np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        diff *= w
        start += diff
    else:
        diff *= 1 - w
        np.subtract(end, diff, out=start)


def scratch_like(cache: dict, p: np.ndarray, count: int = 2) -> list[np.ndarray]:
    """`count` scratch arrays of p's shape, dtype and memory order: views into flat buffers that
    `cache` keeps (per dtype, grown to the largest parameter), so an update loop makes no
    temporaries per parameter and its scratch stays in cache from one parameter to the next."""
    if p.flags.c_contiguous:
        shape, flip = p.shape, False
    elif p.flags.f_contiguous:
        shape, flip = p.shape[::-1], True
    else:
        return [np.empty_like(p) for _ in range(count)]
    bufs = cache.get(p.dtype)
    if bufs is None or len(bufs) < count or bufs[0].size < p.size:
        size = max(p.size, bufs[0].size if bufs else 0)
        bufs = cache[p.dtype] = [np.empty(size, p.dtype) for _ in range(count)]
    views = [b[: p.size].reshape(shape) for b in bufs[:count]]
    return [v.T for v in views] if flip else views
