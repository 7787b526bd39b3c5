"""save / load: numeric arrays only, never executing code on load.

Format: an uncompressed `.npz` (zip) archive holding one `.npy` member per array plus a
`__tapegrad__` member: a uint8 array of UTF-8 JSON that records the nesting (dicts, lists),
key order, plain scalars, and each array's member name, kind (tensor or ndarray), dtype and
shape. Loading uses `allow_pickle=False` and checks everything the header claims against the
archive, so a pickle file, a corrupted or truncated archive, an object array or a mismatched
entry raises `ValueError` and runs nothing.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from autograd import Tensor

from .module import Module

__all__ = ["CheckpointError", "load", "save"]

_HEADER = "__tapegrad__"
_FORMAT = "tapegrad-npz"
_VERSION = 1
_ZIP_MAGIC = b"PK\x03\x04"
_ALLOWED_KINDS = "biuf"


class _Writer:
    """Flattens a nested object into (header tree, {member: array})."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def tree(self, obj, where: str):
        if isinstance(obj, (Tensor, np.ndarray)):
            array = obj._data if isinstance(obj, Tensor) else obj
            if array.dtype.kind not in _ALLOWED_KINDS:
                raise TypeError(f"nn.save: {where} has dtype {array.dtype}; only numeric and bool arrays can be saved")
            name = f"a{len(self.arrays)}"
            self.arrays[name] = array
            return {"t": "tensor" if isinstance(obj, Tensor) else "ndarray", "k": name,
                    "dtype": array.dtype.str, "shape": list(array.shape)}
        if isinstance(obj, (bool, int, float, str)) or obj is None:
            return {"t": "scalar", "v": obj}
        if isinstance(obj, np.generic) and obj.dtype.kind in _ALLOWED_KINDS:
            return {"t": "scalar", "v": obj.item()}
        if isinstance(obj, Mapping):
            items = []
            for key, value in obj.items():
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise TypeError(f"nn.save: {where} has a key of type {type(key).__name__}; keys must be str or int")
                items.append([key, self.tree(value, f"{where}[{key!r}]")])
            return {"t": "dict", "items": items}
        if isinstance(obj, (list, tuple)):
            return {"t": "list" if isinstance(obj, list) else "tuple",
                    "items": [self.tree(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        raise TypeError(
            f"nn.save: {where} is a {type(obj).__name__}; only Tensors, numeric arrays, numbers, "
            "strings, None and (nested) dicts/lists of them can be saved"
        )


def save(obj, path) -> None:
    """Save a Module's state_dict, or a (nested) dict of tensors/arrays/numbers, to `path`.

    The file is written atomically: to a temporary file in the same directory, then renamed
    over `path`, so an interrupted save never leaves a half-written checkpoint.

    Args:
        obj: a Module (its `state_dict()` is saved) or a mapping.
        path: file path (str or os.PathLike); written exactly as given (no suffix added).
    """
    if isinstance(obj, Module):
        obj = obj.state_dict()
    if not isinstance(obj, Mapping):
        raise TypeError(f"nn.save: expected a Module or a dict, got {type(obj).__name__}")
    writer = _Writer()
    tree = writer.tree(obj, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "tree": tree})
    members = dict(writer.arrays)
    members[_HEADER] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **members)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


class CheckpointError(ValueError):
    """A file that nn.load refuses (not an nn.save archive, corrupted, or inconsistent)."""


class _Reader:
    """Rebuilds the nested object from the header tree, validating every array."""

    def __init__(self, archive, path: str) -> None:
        self.archive = archive
        self.path = path
        self.used: set[str] = set()

    def fail(self, message: str):
        raise CheckpointError(f"nn.load: {self.path}: {message}")

    def build(self, node):
        if not isinstance(node, dict) or "t" not in node:
            self.fail("corrupted header (bad entry)")
        kind = node["t"]
        if kind in ("tensor", "ndarray"):
            return self.array(node)
        if kind == "scalar":
            value = node.get("v")
            if not (value is None or isinstance(value, (bool, int, float, str))):
                self.fail("corrupted header (bad scalar)")
            return value
        if kind not in ("dict", "list", "tuple"):
            self.fail(f"corrupted header (unknown entry type {kind!r})")
        items = node.get("items")
        if not isinstance(items, list):
            self.fail("corrupted header (bad container)")
        if kind == "dict":
            out = OrderedDict()
            for pair in items:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))):
                    self.fail("corrupted header (bad dict item)")
                out[pair[0]] = self.build(pair[1])
            return out
        values = [self.build(v) for v in items]
        return values if kind == "list" else tuple(values)

    def array(self, node):
        name, dtype, shape = node.get("k"), node.get("dtype"), node.get("shape")
        if not isinstance(name, str) or name not in self.archive.files or name in self.used:
            self.fail(f"array member {name!r} is missing or referenced twice")
        self.used.add(name)
        try:
            array = self.archive[name]
        except ValueError as exc:  # object arrays need pickle, which is refused
            self.fail(f"array {name!r} cannot be read without pickle ({exc})")
        if array.dtype.kind not in _ALLOWED_KINDS:
            self.fail(f"array {name!r} has dtype {array.dtype}; only numeric and bool arrays are loaded")
        if array.dtype.str != dtype or list(array.shape) != shape:
            self.fail(
                f"array {name!r} is {array.dtype.str} {list(array.shape)} but the header says "
                f"{dtype} {shape}"
            )
        return Tensor(array) if node["t"] == "tensor" else array


def load(path) -> OrderedDict:
    """Load what `save` wrote: an OrderedDict (nested as saved) of Tensors, arrays and numbers.

    Never unpickles: a pickle file, a corrupted or truncated archive, or an entry that does not
    match the header raises ValueError.

    Args:
        path: file path (str or os.PathLike).
    Returns:
        The saved mapping, e.g. a state_dict for `Module.load_state_dict`.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != _ZIP_MAGIC:
        raise CheckpointError(
            f"nn.load: {path} is not a tapegrad checkpoint (expected an npz archive written by "
            "nn.save). Pickle files (e.g. from torch.save) are refused: unpickling can run code."
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _HEADER not in archive.files:
                raise CheckpointError(f"nn.load: {path}: no {_HEADER} header; not written by nn.save")
            raw = archive[_HEADER]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise CheckpointError(f"nn.load: {path}: corrupted header")
            try:
                header = json.loads(raw.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CheckpointError(f"nn.load: {path}: corrupted header ({exc})") from None
            if not isinstance(header, dict) or header.get("format") != _FORMAT:
                raise CheckpointError(f"nn.load: {path}: not a tapegrad checkpoint header")
            if header.get("version") != _VERSION:
                raise CheckpointError(f"nn.load: {path}: unsupported format version {header.get('version')!r}")
            reader = _Reader(archive, path)
            result = reader.build(header.get("tree"))
            extra = set(archive.files) - reader.used - {_HEADER}
            if extra:
                raise CheckpointError(f"nn.load: {path}: unexpected members {sorted(extra)}")
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, struct.error, zlib.error) as exc:
        raise CheckpointError(f"nn.load: {path} is truncated or corrupted ({type(exc).__name__}: {exc})") from None
    if not isinstance(result, OrderedDict):
        raise CheckpointError(f"nn.load: {path}: the top-level object is not a dict")
    return result


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
