"""Input checks shared by layers and losses: each raises PyTorch's exception type with a message
that names the layer or loss, what it expected, what it got, and what to do.

They run before any computation, on shapes and dtypes only (no pass over the data, except the
range checks that PyTorch also makes, e.g. binary_cross_entropy's inputs in [0, 1]).
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd.inplace import torch_dtype_name


class ShapeError(ValueError, RuntimeError):
    """An input of the wrong shape for a layer or loss.

    PyTorch raises RuntimeError here and tapegrad raised ValueError before: this is both, so code
    written for either catches it (as numpy's AxisError is both a ValueError and an IndexError).
    """


class DtypeError(TypeError, RuntimeError):
    """An input of the wrong dtype: PyTorch's RuntimeError, and tapegrad's earlier TypeError."""


def tensor_input(who: str, x, role: str = "input") -> None:
    """A numpy array or list where a Tensor belongs: TypeError saying how to wrap it."""
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{who}: expected a Tensor {role}, got {type(x).__name__}: wrap it with "
            f"autograd.tensor(x) (or autograd.from_numpy(x) to share an ndarray's memory)"
        )


def floating(who: str, *operands) -> None:
    """Losses and normalizations need a floating dtype (PyTorch: NotImplementedError for 'Long')."""
    dtypes = [x._data.dtype if isinstance(x, Tensor) else np.asarray(x).dtype for x in operands]
    if not any(d.kind == "f" for d in dtypes):
        got = " and ".join(str(d) for d in dtypes)
        raise NotImplementedError(
            f"{who}: not implemented for {got} operands; it needs floating point values: "
            "convert with .float()"
        )


def same_dtype(who: str, input: Tensor, weight, error: type[Exception] = RuntimeError,
               torch_words: str = "") -> None:
    """A layer's input must have its parameters' dtype (PyTorch never casts silently).
    `torch_words`: PyTorch's own wording for this op's error, put first, e.g. "mat1 and mat2"."""
    if weight is None:
        return
    got, want = input._data.dtype, weight._data.dtype
    if got != want:
        methods = {np.dtype(np.float32): "float", np.dtype(np.float64): "double",
                   np.dtype(np.float16): "half"}
        to_input = f"input.{methods[want]}()" if want in methods else f"input.to(autograd.{want})"
        model = f", or the model with model.{methods[got]}()" if got in methods else ""
        if torch_words:
            torch_words = (f"{torch_words} must have the same dtype, but got "
                           f"{torch_dtype_name(got)} and {torch_dtype_name(want)}: ")
        raise error(
            f"{who}: {torch_words}input dtype {got} does not match the layer's dtype {want} (input shape "
            f"{tuple(input.shape)}); convert the input with {to_input}{model}"
        )


def class_index_target(who: str, input: Tensor, target) -> None:
    """Class-index targets must be integers; float or bool labels get PyTorch's RuntimeError."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype == np.int64 or (t.dtype == np.uint8 and input.ndim <= 2):
        return  # (PyTorch: Long, or Byte for (N, C) and (C,) inputs only)
    if t.dtype == np.uint8:  # e.g. a uint8 segmentation mask
        raise RuntimeError(
            f"{who}: expected scalar type Long but found Byte: with an (N, C, d1, ...) input of "
            f"shape {tuple(input.shape)} the class-index target must be int64, got uint8 of "
            f"shape {tuple(t.shape)}: pass target.long()"
        )
    if t.dtype.kind == "f":
        raise RuntimeError(
            f"{who}: expected class-index targets of dtype int64 (or float probability targets of "
            f"the input's shape {tuple(input.shape)}), got {t.dtype} targets of shape "
            f"{tuple(t.shape)}: pass int64 class indices, e.g. target.long()"
        )
    raise RuntimeError(
        f"{who}: expected target dtype to be Long or Byte (int64 or uint8 class indices), got "
        f"{t.dtype} of shape "
        f"{tuple(t.shape)}: pass int64 class indices, e.g. target.long()"
    )


def no_ignore_index_with_probabilities(who: str, ignore_index: int) -> None:
    """PyTorch refuses an explicit ignore_index with probability (float) targets."""
    if ignore_index != -100:
        raise RuntimeError(
            f"{who}: ignore_index={ignore_index} is not supported for floating point (probability) "
            "targets; drop ignore_index, or pass int64 class indices"
        )


def probabilities(who: str, x: np.ndarray) -> None:
    """binary_cross_entropy's input must lie in [0, 1]; nan is refused too, as in PyTorch."""
    if x.size and not (np.all(x >= 0) and np.all(x <= 1)):
        bad = "nan" if np.isnan(x).any() else f"values in [{np.nanmin(x)}, {np.nanmax(x)}]"
        raise RuntimeError(
            f"{who}: all elements of input should be between 0 and 1, but got {bad} (use "
            "binary_cross_entropy_with_logits for raw scores)"
        )


def positive_eps(who: str, eps: float, training: bool) -> None:
    """batch_norm with eps <= 0 in training divides by zero on a constant channel."""
    if training and not eps > 0:
        raise ValueError(f"{who}: eps must be positive during training, but got {eps}")


def recurrent_input(layer, input) -> None:
    """RNN/LSTM/GRU: a Tensor of the weights' dtype with at least one time step."""
    name = type(layer).__name__
    tensor_input(name, input)
    if input.ndim in (2, 3) and input.shape[-1] == layer.input_size:  # (shape errors come first)
        same_dtype(name, input, layer._parameters.get("weight_ih_l0"), ValueError)
    time_dim = 1 if layer.batch_first and input.ndim == 3 else 0
    if input.ndim in (2, 3) and input.shape[time_dim] == 0:
        raise RuntimeError(
            f"{name}: expected sequence length to be larger than 0 in RNN, got input of shape "
            f"{tuple(input.shape)} (dim {time_dim} is time)"
        )
