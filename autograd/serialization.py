"""autograd.save / autograd.load: checkpoints in the safetensors format, never executing code.

A checkpoint is one safetensors file (an 8-byte header length, a JSON header naming each tensor's
dtype, shape and byte range, then the raw little-endian bytes). The nesting around the tensors
(dicts, lists, tuples, numbers, strings, None) is a JSON tree in the header's ``__metadata__``
under the key ``tapegrad``, so any safetensors reader sees the tensors and nothing is unpickled.
A flat state_dict is stored under its own keys, so ``safetensors.torch.load_file`` reads it as a
state_dict; a ``.safetensors`` path requires one. Files written by the first ``nn.save`` (an npz
archive) still load, through a hardened reader (`_npz_checkpoint`).

Loading checks every size against the file before allocating, so memory stays within a small
multiple of the file size, and every malformed file raises `CheckpointError` naming the file.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import zlib
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from ._atomic_write import write_atomic
from ._npz_checkpoint import load_npz
from .tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

_TREE_KEY = "tapegrad"
_CRC_KEY = "tapegrad_crc32"
_VERSION = "2"
_HEADER_LIMIT = 100_000_000  # safetensors' own cap on the JSON header
_MAX_DEPTH = 64  # far deeper than any checkpoint; bounds the recursion of both walks
_SAFETENSORS_CODES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
    "I8": "|i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "|u1", "BOOL": "|b1",
}
_CODE_OF = {np.dtype(v): k for k, v in _SAFETENSORS_CODES.items()}


class CheckpointError(ValueError):
    """A file that `load` refuses: not a checkpoint, corrupted, truncated or inconsistent."""


# ----------------------------------------------------------------- save
class _Flattener:
    """Turns a nested object into a JSON tree plus {tensor name: little-endian array}."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def name_for(self, path: list) -> str:
        name = "/".join(str(p) for p in path) or "tensor"
        if name in self.arrays or name == "__metadata__":
            name = f"{name}#{len(self.arrays)}"  # keys 0 and "0" in one dict, or a reserved name
        return name

    def add(self, array: np.ndarray, path: list, where: str) -> str:
        if array.dtype.newbyteorder("<") not in _CODE_OF:
            raise TypeError(
                f"save: {where} has dtype {array.dtype}; only numeric and bool arrays can be saved "
                "(float16/32/64, int8-64, uint8-64, bool)"
            )
        name = self.name_for(path)
        self.arrays[name] = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
        return name

    def tree(self, obj, path: list, depth: int = 0):
        where = "obj" + "".join(f"[{p!r}]" for p in path)
        if depth > _MAX_DEPTH:
            raise ValueError(f"save: {where} is nested deeper than {_MAX_DEPTH} levels")
        if isinstance(obj, Tensor):
            node = {"T": self.add(obj._data, path, where)}
            if obj.requires_grad:
                node["g"] = 1
            return node
        if isinstance(obj, np.ndarray):
            return {"A": self.add(obj, path, where)}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return obj.item()
        if isinstance(obj, Mapping):
            items = []
            for key, value in obj.items():
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise TypeError(f"save: {where} has a key of type {type(key).__name__}; keys must be str or int")
                items.append([key, self.tree(value, [*path, key], depth + 1)])
            return {"O" if isinstance(obj, OrderedDict) else "D": items}
        if isinstance(obj, (list, tuple)):
            items = [self.tree(v, [*path, i], depth + 1) for i, v in enumerate(obj)]
            return {"L" if isinstance(obj, list) else "U": items}
        if callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "load_state_dict", None)):
            raise TypeError(
                f"save: {where} is a whole {type(obj).__name__}; save its state_dict() instead: "
                "save(model.state_dict(), path), then model.load_state_dict(load(path))"
            )
        raise TypeError(
            f"save: {where} is a {type(obj).__name__}; only Tensors, numeric arrays, numbers, "
            "strings, None and (nested) dicts, lists and tuples of them can be saved"
        )


def _flat_state_dict(obj, path: str) -> bool:
    """A `.safetensors` path takes a flat {str: tensor} dict only (what PyTorch's reader returns)."""
    if not path.endswith(".safetensors"):
        return False
    bad = None
    if not isinstance(obj, Mapping):
        bad = f"got a {type(obj).__name__}"
    else:
        for key, value in obj.items():
            if not isinstance(key, str) or not isinstance(value, (Tensor, np.ndarray)):
                bad = f"entry {key!r} is a {type(value).__name__}"
                break
    if bad is not None:
        raise TypeError(
            f"save: {path}: a .safetensors file holds a flat state_dict (str -> tensor), {bad}; "
            "save nested checkpoints (optimizer state, epoch, config) under another suffix, e.g. .pt"
        )
    return True


def _serialize(obj, path: str) -> bytes:
    from safetensors import TensorSpec, serialize

    flattener = _Flattener()
    flat = _flat_state_dict(obj, path)
    tree = flattener.tree(obj, [])
    if flat and any(name not in obj for name in flattener.arrays):
        raise TypeError(f"save: {path}: a .safetensors file cannot hold the keys '' or '__metadata__'")
    specs = {
        name: TensorSpec(dtype=a.dtype.name, shape=a.shape,
                         data_ptr=a.ctypes.data, data_len=a.nbytes)
        for name, a in flattener.arrays.items()
    }
    tree_json = json.dumps({"version": _VERSION, "tree": tree})
    entries = {name: (a.dtype, a.shape, a.reshape(-1).view(np.uint8)) for name, a in flattener.arrays.items()}
    metadata = {"format": "pt", _TREE_KEY: tree_json, _CRC_KEY: str(_checksum(tree_json, entries))}
    # NOTE: `flattener.arrays` keeps every buffer alive while the pointers are read
    return serialize(specs, metadata=metadata)


def save(obj, f) -> None:
    """Save a checkpoint: any nesting of dicts, lists, tuples, str, int, float, bool, None, Tensors
    and numeric numpy arrays (as ``torch.save``), e.g. ``{"model": model.state_dict(),
    "optimizer": opt.state_dict(), "epoch": 3}``.

    The file is safetensors; a path ending in ``.safetensors`` must get a flat state_dict and is
    then readable by ``safetensors.torch.load_file``. A path is written atomically: to a hidden
    temporary file beside it (``.NAME.tmp-PID-*``; stale ones from killed saves are removed by the
    next save to the same path), then renamed over it, keeping an existing file's mode. Saving
    over a file this process may not write raises PermissionError, as ``torch.save`` does.

    Args:
        obj: the object to save. A Module or Optimizer itself raises TypeError: save its
            ``state_dict()``.
        f: a path (str or os.PathLike) or a binary file object open for writing.
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        data = _serialize(obj, path)
        write_atomic(path, data)
        return
    if not callable(getattr(f, "write", None)):
        raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")
    f.write(_serialize(obj, str(getattr(f, "name", ""))))


def _checksum(tree_json: str, entries: dict) -> int:
    """CRC-32 of the tree and of each tensor's name, dtype, shape and bytes (not their layout).

    safetensors has no checksum; with this one a flipped bit anywhere that matters (a value, a
    shape, a scalar in the tree) is refused instead of loading a silently different checkpoint.
    """
    crc = zlib.crc32(tree_json.encode("utf-8", "surrogatepass"))
    for name in sorted(entries):
        dtype, shape, raw = entries[name]
        crc = zlib.crc32(f"\0{name}\0{_CODE_OF[np.dtype(dtype)]}\0{list(shape)}\0".encode(), crc)
        crc = zlib.crc32(raw, crc)
    return crc


# ----------------------------------------------------------------- load
def load(f, map_location=None, *, weights_only: bool = True, mmap=None):
    """Load what `save` wrote (or a safetensors file from PyTorch, or an old ``nn.save`` npz).

    Returns the saved structure: dicts (OrderedDicts stay OrderedDicts), lists, tuples, scalars,
    Tensors (same dtype and shape; ``requires_grad`` as saved) and numpy arrays. A safetensors file
    without tapegrad's tree gives an OrderedDict of Tensors in the file's order. Nothing in the
    file is ever executed: pickles (``torch.save``'s format) are refused.

    Args:
        f: a path (str or os.PathLike) or a binary file object open for reading.
        map_location: accepted for PyTorch programs; tensors always load on the CPU.
        weights_only: accepted for PyTorch programs; loading is always weights-only.
        mmap: accepted for PyTorch programs and ignored.
    Raises:
        CheckpointError: the file is not a checkpoint, or is corrupted, truncated or inconsistent.
    """
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        with open(name, "rb") as fh:
            data = fh.read()
    else:
        name = str(getattr(f, "name", "<file object>"))
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"load: {name} must be opened in binary mode ('rb')")
        data = bytes(data)
    return _decode(data, name)


def _decode(data: bytes, name: str):
    if data[:4] == b"PK\x03\x04":
        return load_npz(data, name, CheckpointError)
    if len(data) >= 9 and data[8:9] == b"{":
        return _SafetensorsReader(data, name).read()
    if data[:1] == b"\x80":
        raise CheckpointError(
            f"load: {name} is a pickle (e.g. an old torch.save file); pickles are refused because "
            "unpickling can run code. In PyTorch, re-save the tensors with "
            "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')"
        )
    raise CheckpointError(f"load: {name} is not a checkpoint (expected a safetensors file written by save)")


class _SafetensorsReader:
    """Validates a safetensors header against the file, then rebuilds the saved tree."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name
        self.used: set[str] = set()

    def fail(self, problem: str):
        raise CheckpointError(f"load: {self.name}: {problem}")

    def read(self):
        size = int.from_bytes(self.data[:8], "little")
        if size > _HEADER_LIMIT:
            self.fail(f"the header claims {size} bytes, over safetensors' limit of {_HEADER_LIMIT}")
        if size > len(self.data) - 8:
            self.fail(f"truncated: the header claims {size} bytes, the file has {len(self.data) - 8} after its length")
        header = _parse_json(self.data[8:8 + size], self.fail, "safetensors header")
        if not isinstance(header, dict):
            self.fail("corrupted safetensors header (not a JSON object)")
        metadata = header.pop("__metadata__", None)
        self.tensors = self.check_entries(header, len(self.data) - 8 - size, 8 + size)
        if metadata is not None and not (
            isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
        ):
            self.fail("corrupted metadata (not a dict of strings)")
        ours = [k for k in (metadata or {}) if any(_near(k, name) for name in (_TREE_KEY, _CRC_KEY))]
        if not ours:  # a plain safetensors file (e.g. from PyTorch): its tensors, in file order
            return OrderedDict((key, Tensor(self.array(key))) for key in header)
        if _TREE_KEY not in metadata or _CRC_KEY not in metadata:
            # NOTE: a key a few bytes away from ours is a corrupted tapegrad file, not a plain one
            self.fail(f"corrupted metadata keys {sorted(ours)}")
        raw = {key: (dtype, shape, memoryview(self.data)[offset:offset + count * dtype.itemsize])
               for key, (dtype, shape, offset, count) in self.tensors.items()}
        if metadata.get(_CRC_KEY) != str(_checksum(metadata[_TREE_KEY], raw)):
            self.fail(
                "corrupted: the checksum of the tensors and tree does not match (a changed byte). If "
                "another program changed the tensors on purpose, it must drop the 'tapegrad' metadata"
            )
        doc = _parse_json(metadata[_TREE_KEY].encode("utf-8", "surrogatepass"), self.fail, "tapegrad tree")
        if not isinstance(doc, dict) or doc.get("version") != _VERSION:
            self.fail(f"unsupported checkpoint version {doc.get('version') if isinstance(doc, dict) else doc!r}")
        result = self.build(doc.get("tree"), 0)
        unused = set(header) - self.used
        if unused:
            self.fail(f"tensors {sorted(unused)[:5]} are not referenced by the checkpoint's tree")
        return result

    def check_entries(self, header: dict, buffer: int, start: int) -> dict:
        """Each entry's dtype, shape and byte range, checked before anything is allocated."""
        spans = []
        out = {}
        for key, entry in header.items():
            if not (isinstance(entry, dict) and isinstance(entry.get("dtype"), str)
                    and isinstance(entry.get("shape"), list)
                    and isinstance(entry.get("data_offsets"), list) and len(entry["data_offsets"]) == 2):
                self.fail(f"corrupted entry for tensor {key!r}")
            code, shape, (begin, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            if code not in _SAFETENSORS_CODES:
                self.fail(f"tensor {key!r} has dtype {code!r}, which tapegrad does not load "
                          f"(allowed: {', '.join(_SAFETENSORS_CODES)}); convert it to float32 before saving")
            if not all(type(d) is int and d >= 0 for d in shape) or len(shape) > _MAX_DEPTH:
                self.fail(f"tensor {key!r} has an invalid shape {shape}")
            if not (type(begin) is int and type(end) is int and 0 <= begin <= end <= buffer):
                self.fail(f"tensor {key!r} has byte range {[begin, end]} outside the {buffer}-byte data")
            dtype = np.dtype(_SAFETENSORS_CODES[code])
            count = math.prod(shape)
            if count * dtype.itemsize != end - begin:
                self.fail(f"tensor {key!r} declares shape {shape} ({count} elements of {code}) but "
                          f"holds {end - begin} bytes")
            spans.append((begin, end))
            out[key] = (dtype, tuple(shape), start + begin, count)
        spans.sort()
        # NOTE: tensors may not overlap: aliased ranges would multiply the memory a file can claim
        if any(a_end > b_begin for (_, a_end), (b_begin, _) in itertools.pairwise(spans)):
            self.fail("tensor byte ranges overlap")
        return out

    def array(self, key) -> np.ndarray:
        dtype, shape, offset, count = self.tensors[key]
        array = np.frombuffer(self.data, dtype=dtype, count=count, offset=offset).reshape(shape)
        if dtype.kind == "b" and np.any(array.view(np.uint8) > 1):
            self.fail(f"bool tensor {key!r} holds bytes other than 0 and 1")
        return array.astype(dtype.newbyteorder("="), copy=True)

    def build(self, node, depth: int):
        if depth > _MAX_DEPTH:
            self.fail(f"the checkpoint's tree is nested deeper than {_MAX_DEPTH} levels")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not (isinstance(node, dict) and len(node) in (1, 2)):
            self.fail("corrupted tree (bad entry)")
        kind, value = next(iter(node.items()))
        if kind in ("T", "A"):
            if not isinstance(value, str) or value not in self.tensors or value in self.used:
                self.fail(f"tensor {value!r} is missing or referenced twice")
            self.used.add(value)
            array = self.array(value)
            return array if kind == "A" else Tensor(array, requires_grad=node.get("g") == 1)
        if kind not in ("D", "O", "L", "U") or not isinstance(value, list) or len(node) != 1:
            self.fail(f"corrupted tree (unknown entry {kind!r})")
        if kind in ("L", "U"):
            items = [self.build(v, depth + 1) for v in value]
            return items if kind == "L" else tuple(items)
        out = OrderedDict() if kind == "O" else {}
        for pair in value:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                    and not isinstance(pair[0], bool)):
                self.fail("corrupted tree (bad dict item)")
            out[pair[0]] = self.build(pair[1], depth + 1)
        return out


def _near(key: str, name: str) -> bool:
    """`key` equals `name` up to four changed characters (bit flips in a metadata key)."""
    return len(key) == len(name) and sum(a != b for a, b in zip(key, name)) <= 4


def _parse_json(raw: bytes, fail, what: str):
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # NOTE: RecursionError: a header nested thousands of levels deep
        fail(f"corrupted {what} ({type(exc).__name__}: {str(exc)[:80]})")

