"""Devices and sizes with PyTorch's names: `device`, `Size`, `set_default_device`.

tapegrad computes on numpy, so "cpu" is the only device that holds tensors. `device("cuda")`
still builds (programs pick their device with `"cuda" if torch.cuda.is_available() else "cpu"`),
and putting a tensor there raises as a CPU-only PyTorch build does, saying why.
"""

from __future__ import annotations

__all__ = ["Size", "check_device", "device", "get_default_device", "set_default_device"]

_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """Where a tensor lives: `device("cpu")`, `device("cuda")`, `device("cuda:0")`,
    `device("cuda", 0)`, `device(0)` (cuda:0), or a copy of another device.

    Attributes: `type` ("cpu", "cuda", ...) and `index` (int or None). Two devices are equal
    when type and index are; `str(device("cuda", 0))` is "cuda:0". As a context manager it sets
    the default device, which can only be the CPU.
    """

    __slots__ = ("_index", "_type")

    def __init__(self, type=None, index: int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device() expects a device string, a device or an int, got {type!r}")
        elif ":" in type:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed "
                    f"explicitly: {type}"
                )
            name, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            type, index = name, int(idx)
        if type not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: "
                f"{type}"
            )
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index!r}")
        self._type = type
        self._index = index

    @property
    def type(self) -> str:
        """The device type: "cpu", "cuda", "mps", ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or None when not given."""
        return self._index

    def __eq__(self, other) -> bool:
        return isinstance(other, device) and (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __reduce__(self):
        return (device, (self._type, self._index))

    def __enter__(self):
        """`with torch.device(d):` makes `d` the factories' default device: only the CPU here."""
        check_device(self, "with device(...)")
        return self

    def __exit__(self, *exc) -> None:
        return None


CPU = device("cpu")


def check_device(dev, where: str) -> None:
    """Raise unless `dev` (None, a string, an int or a device) names the CPU.

    CUDA raises AssertionError and other accelerators RuntimeError, as a CPU-only PyTorch does.
    """
    if dev is None or dev == "cpu" or dev is CPU:
        return
    d = dev if isinstance(dev, device) else device(dev)
    if d.type == "cpu":
        return
    msg = (f"{where}: tapegrad runs on the CPU only, so it cannot use device '{d}'; pick the "
           "device with torch.device('cuda' if torch.cuda.is_available() else 'cpu') (False here)"
           " or use 'cpu'")
    if d.type == "cuda":
        raise AssertionError(f"Torch not compiled with CUDA enabled. {msg}")
    raise RuntimeError(msg)


def set_default_device(dev) -> None:
    """Set the device factories use when given none: only "cpu" (or None) is possible here."""
    check_device(dev, "set_default_device")


def get_default_device() -> device:
    """The device factories use: device("cpu")."""
    return CPU


class Size(tuple):
    """A tensor's shape as PyTorch's `torch.Size`: a tuple of ints printing as
    `torch.Size([2, 3])`; slicing gives a Size, `numel()` the number of elements."""

    __slots__ = ()

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def numel(self) -> int:
        """The product of the sizes (1 for an empty Size)."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__
