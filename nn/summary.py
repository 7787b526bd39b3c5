"""summary(model, input_size): per-layer output shapes, parameters, receptive fields.

One forward pass on zeros (eval mode, no grad) with a forward hook on every leaf module gives a
row per leaf-module call, in call order. Receptive field r and jump j (input pixels between
neighbouring outputs) follow, per spatial dimension,

    r_out = r_in + (k - 1) * dilation * j_in,    j_out = j_in * stride

for convolutions and pooling; layers that keep the spatial size (activations, BatchNorm,
Dropout, ...) leave them unchanged. Once the spatial structure ends (Flatten, Linear on a
flattened map) each output sees the whole input, and the table shows "-".
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

import numpy as np

from autograd import Tensor, no_grad

from .layers.conv import Conv2d
from .layers.pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .memory import MemoryEstimate, estimate_training_memory
from .module import Module

__all__ = ["LayerRow", "ModelSummary", "summary"]


@dataclass
class LayerRow:
    """One call of a leaf module: its name, type, shapes, parameters and receptive field.

    `receptive_field` and `jump` are (height, width) in input pixels, None once the output has no
    spatial dims (it then depends on the whole input), or "?" for a layer of unknown geometry
    that changes the spatial size. `params` counts the module's own parameters on its first call
    (0 on later calls of the same module, where `shared` is True); `has_params` tells whether
    the module owns any.
    """

    name: str
    type: str
    input_shape: tuple | None
    output_shape: tuple | list | None
    params: int
    trainable_params: int
    receptive_field: tuple[int, int] | str | None
    jump: tuple[int, int] | str | None
    shared: bool = False
    has_params: bool = False

    def as_dict(self) -> dict:
        """The row as a plain dict."""
        return asdict(self)


class ModelSummary:
    """The result of `summary`: `print` it for the table; `.rows` holds the data.

    Attributes:
        rows: list of `LayerRow`, one per leaf-module call.
        total_params, trainable_params, non_trainable_params: counts over `model.parameters()`.
        input_size: the input shape(s) used.
        memory: a `MemoryEstimate` (bytes of parameters, gradients, optimizer state, saved
            activations) when `summary` was called with memory=True, else None.
    """

    memory: MemoryEstimate | None = None

    def __init__(self, model_name: str, input_size, dtype, rows: list[LayerRow], total: int,
                 trainable: int) -> None:
        self.model_name = model_name
        self.input_size = input_size
        self.dtype = np.dtype(dtype)
        self.rows = rows
        self.total_params = total
        self.trainable_params = trainable
        self.non_trainable_params = total - trainable

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["Layer (type)", "Output shape", "Param #", "Receptive field", "Jump"]
        body = []
        for row in self.rows:
            params = "(shared)" if row.shared and row.has_params else f"{row.params:,}"
            body.append([f"{row.name} ({row.type})", _shape_text(row.output_shape), params,
                         _field_text(row.receptive_field), _field_text(row.jump)])
        return header, body

    def _totals(self) -> list[str]:
        return [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            *(self.memory.lines() if self.memory is not None else []),
        ]

    def __str__(self) -> str:
        header, body = self._cells()
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        right = {2}  # numbers align right

        def line(cells: list[str]) -> str:
            parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
            return "  ".join(parts).rstrip()

        rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
        title = f"{self.model_name} summary (input {_shape_text(self.input_size)}, {self.dtype})"
        out = [title, rule, line(header), "-" * len(rule)]
        out += [line(cells) for cells in body]
        out += [rule, *self._totals()]
        return "\n".join(out)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        header, body = self._cells()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        rows = "".join(
            "<tr>" + "".join(
                f'<td style="text-align:{"right" if i == 2 else "left"}">{html.escape(c)}</td>'
                for i, c in enumerate(cells)
            ) + "</tr>"
            for cells in body
        )
        totals = "<br>".join(html.escape(t) for t in self._totals())
        caption = html.escape(f"{self.model_name} (input {_shape_text(self.input_size)}, {self.dtype})")
        return (f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table><p>{totals}</p>")


def _shape_text(shape) -> str:
    if shape is None:
        return "-"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _field_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return str(value[0]) if value[0] == value[1] else f"{value[0]}x{value[1]}"


def _tensors(obj) -> list[Tensor]:
    """Tensors in a (nested) output, in order."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in _tensors(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors(item)]
    return []


def _pair(value) -> tuple[int, int]:
    return (int(value[0]), int(value[1])) if isinstance(value, (tuple, list)) else (int(value), int(value))


def _window(module: Module, in_hw: tuple[int, int], out_hw: tuple[int, int]):
    """(kernel, stride, dilation) pairs of a sliding-window layer, or None if it has none."""
    if isinstance(module, Conv2d):
        return module.kernel_size, module.stride, module.dilation
    if isinstance(module, MaxPool2d):
        return _pair(module.kernel_size), _pair(module.stride), _pair(module.dilation)
    if isinstance(module, AvgPool2d):
        return _pair(module.kernel_size), _pair(module.stride), (1, 1)
    if isinstance(module, (AdaptiveAvgPool2d, AdaptiveMaxPool2d)):
        # the widest adaptive bin, ceil((i+1) L / o) - floor(i L / o), and the mean step L / o
        kernel = tuple(
            int(max(-(-((i + 1) * n) // o) - (i * n) // o for i in range(o))) for n, o in zip(in_hw, out_hw)
        )
        stride = tuple(max(1, n // o) for n, o in zip(in_hw, out_hw))
        return kernel, stride, (1, 1)
    return None


class _Tracker:
    """Follows (receptive field, jump) from tensor to tensor through the hooked layers."""

    def __init__(self, inputs: list[Tensor]) -> None:
        self.fields: dict[int, tuple] = {}
        self.keep: list[Tensor] = []  # NOTE: holding the tensors keeps their ids from being reused
        for x in inputs:
            self._set(x, ((1, 1), (1, 1)) if x.ndim == 4 else None)

    def _set(self, t: Tensor, value) -> None:
        self.fields[id(t)] = (tuple(t.shape), value)
        self.keep.append(t)

    def field_of(self, t: Tensor):
        """The tracked field of `t`; for a tensor made outside any layer (a residual add), the
        widest field among tracked tensors of the same shape."""
        entry = self.fields.get(id(t))
        if entry is not None:
            return entry[1]
        same = [v for shape, v in self.fields.values() if shape == tuple(t.shape) and v is not None]
        known = [v for v in same if v != "?"]
        if known:
            return max(known, key=lambda v: v[0][0] * v[0][1])
        return "?" if same else None

    def update(self, module: Module, inputs: list[Tensor], outputs: list[Tensor]):
        """Field of the module's first output, recorded for all its outputs."""
        if not outputs:
            return None
        out = outputs[0]
        field = self.field_of(inputs[0]) if inputs else None
        if out.ndim != 4:
            result = None
        elif field is None or field == "?" or not inputs or inputs[0].ndim != 4:
            result = "?"
        else:
            in_hw, out_hw = tuple(inputs[0].shape[2:]), tuple(out.shape[2:])
            geometry = _window(module, in_hw, out_hw)
            (r, j) = field
            if geometry is not None:
                kernel, stride, dilation = geometry
                r = tuple(r[a] + (kernel[a] - 1) * dilation[a] * j[a] for a in range(2))
                j = tuple(j[a] * stride[a] for a in range(2))
                result = (r, j)
            elif in_hw == out_hw:
                result = (r, j)
            else:
                result = "?"
        for t in outputs:
            self._set(t, result)
        return result


def summary(model: Module, input_size, dtype=np.float32, memory: bool = False,
            optimizer=None) -> ModelSummary:
    """Table of each leaf layer's output shape, parameter count, receptive field and jump.

    Runs one forward pass of `model` on zeros in eval mode without recording gradients, then
    restores each module's training flag.

    Args:
        model: the Module to describe.
        input_size: the input shape including the batch dimension, e.g. ``(1, 1, 32, 32)``
            (as torchinfo), or a list of shapes for a model with several inputs.
        dtype: dtype of the zero inputs.
        memory: also estimate the memory one training step at this batch size needs (see
            `nn.memory`): a second forward pass in training mode, with gradients recorded.
        optimizer: for the memory estimate: None, "sgd", "momentum", "adam", ... or an optimizer.
    Returns:
        A `ModelSummary`: printing it shows the table; `.rows` is a list of `LayerRow`;
        `.total_params`, `.trainable_params`, `.non_trainable_params` are the totals.
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be an nn.Module, got {type(model).__name__}")
    sizes = list(input_size) if _is_size_list(input_size) else [input_size]
    for size in sizes:
        if not isinstance(size, (tuple, list)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1 for d in size
        ):
            raise ValueError(
                f"summary: input_size must be a shape with the batch dim, e.g. (1, 3, 32, 32), or a list "
                f"of such shapes; got {input_size!r}"
            )
    inputs = [Tensor(np.zeros(tuple(int(d) for d in size), dtype=dtype)) for size in sizes]
    names = {id(m): name for name, m in model.named_modules()}
    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    tracker = _Tracker(inputs)
    rows: list[LayerRow] = []
    seen: set[int] = set()

    def hook(module: Module, args, output) -> None:
        ins = _tensors(args)
        outs = _tensors(output)
        field = tracker.update(module, ins, outs)
        shared = id(module) in seen
        seen.add(id(module))
        own = list(module.parameters())
        params = 0 if shared else sum(p.numel() for p in own)
        trainable = 0 if shared else sum(p.numel() for p in own if p.requires_grad)
        out_shapes = [tuple(t.shape) for t in outs]
        rows.append(LayerRow(
            name=names.get(id(module), "") or type(module).__name__,
            type=type(module).__name__,
            input_shape=tuple(ins[0].shape) if ins else None,
            output_shape=(out_shapes[0] if len(out_shapes) == 1 else out_shapes) if out_shapes else None,
            params=params,
            trainable_params=trainable,
            receptive_field=field if field in (None, "?") else field[0],
            jump=field if field in (None, "?") else field[1],
            shared=shared,
            has_params=bool(own),
        ))

    modes = [(m, m.training) for m in model.modules()]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes:
            m.training = training
    unique = {id(p): p for p in model.parameters()}.values()
    total = sum(p.numel() for p in unique)
    trainable = sum(p.numel() for p in unique if p.requires_grad)
    shown = tuple(sizes[0]) if len(sizes) == 1 else [tuple(s) for s in sizes]
    result = ModelSummary(type(model).__name__, shown, dtype, rows, total, trainable)
    if memory:
        result.memory = estimate_training_memory(model, inputs, optimizer)
    return result


def _is_size_list(value) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(isinstance(v, (tuple, list)) for v in value)
