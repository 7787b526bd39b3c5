"""The reader for the first ``nn.save`` format (an npz archive), hardened against hostile files.

That format is a zip of ``.npy`` members plus a ``__tapegrad__`` member: a uint8 array of UTF-8
JSON recording the nesting. ``np.load`` trusts the archive (it inflates compressed members of any
size and allocates whatever a member's header declares), so this reader parses it itself:
members must be stored uncompressed and unencrypted, their sizes must fit in the file (together,
so aliased members cannot multiply it), each ``.npy`` header must declare a numeric dtype whose
size equals the member's, and every failure is one `CheckpointError` naming the file.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

_HEADER = "__tapegrad__"
_FORMAT = "tapegrad-npz"
_ALLOWED_KINDS = "biuf"
_MAX_DEPTH = 64


def load_npz(data: bytes, name: str, error: type[Exception]):
    """The OrderedDict an old ``nn.save`` wrote to `data` (the file's bytes, from `name`)."""
    reader = _NpzReader(data, name, error)
    try:
        return reader.read()
    except error:
        raise
    except (MemoryError, KeyboardInterrupt):
        raise
    except Exception as exc:  # zipfile, numpy and json raise a dozen types on corrupted input
        raise error(f"load: {name} is truncated or corrupted ({type(exc).__name__}: {exc})") from exc


class _NpzReader:
    def __init__(self, data: bytes, name: str, error: type[Exception]) -> None:
        self.data = data
        self.name = name
        self.error = error
        self.used: set[str] = set()

    def fail(self, problem: str):
        raise self.error(f"load: {self.name}: {problem}")

    def read(self) -> OrderedDict:
        self.zip = zipfile.ZipFile(io.BytesIO(self.data))
        infos = self.zip.infolist()
        names = [info.filename for info in infos]
        if any(n.endswith("data.pkl") for n in names):
            self.fail(
                "is a torch.save checkpoint (a pickle inside a zip); pickles are refused because "
                "unpickling can run code. In PyTorch, re-save the tensors with "
                "safetensors.torch.save_file(model.state_dict(), 'model.safetensors')"
            )
        if len(set(names)) != len(names):
            self.fail("the archive lists a member twice")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                self.fail(f"member {info.filename!r} is encrypted")
            if info.compress_type != zipfile.ZIP_STORED:
                self.fail(f"member {info.filename!r} is compressed (method {info.compress_type}); "
                          "checkpoints are stored uncompressed, and inflating is refused")
            if info.file_size != info.compress_size:
                self.fail(f"member {info.filename!r} declares {info.file_size} bytes but stores "
                          f"{info.compress_size}")
            local = self.data[info.header_offset:info.header_offset + 30]
            if len(local) < 30 or local[:4] != b"PK\x03\x04":
                self.fail(f"member {info.filename!r} has no local header")
            flags, method = struct.unpack("<HH", local[6:10])
            if flags != info.flag_bits or method != info.compress_type:
                # NOTE: zipfile trusts the central directory; a disagreeing local copy is corruption
                self.fail(f"member {info.filename!r}: local header flags/method {flags:#x}/{method} "
                          f"differ from the directory's {info.flag_bits:#x}/{info.compress_type}")
            if not info.filename.endswith(".npy"):
                self.fail(f"member {info.filename!r} is not an .npy array")
            total += info.file_size
        if total > len(self.data):
            self.fail(f"members declare {total} bytes in a {len(self.data)}-byte file")
        self.infos = {info.filename[:-4]: info for info in infos}
        if _HEADER not in self.infos:
            self.fail(f"no {_HEADER} header; not written by nn.save")
        raw = self.member(_HEADER)
        if raw.dtype != np.uint8 or raw.ndim != 1:
            self.fail("corrupted header")
        try:
            header = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            self.fail(f"corrupted header ({type(exc).__name__}: {str(exc)[:80]})")
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            self.fail("not a tapegrad checkpoint header")
        if header.get("version") != 1:
            self.fail(f"unsupported format version {header.get('version')!r}")
        result = self.build(header.get("tree"), 0)
        extra = set(self.infos) - self.used - {_HEADER}
        if extra:
            self.fail(f"unexpected members {sorted(extra)}")
        if not isinstance(result, OrderedDict):
            self.fail("the top-level object is not a dict")
        return result

    def member(self, key: str) -> np.ndarray:
        """One ``.npy`` member, its header checked against its size before allocating."""
        info = self.infos[key]
        blob = self.zip.read(info)  # CRC-checked; at most file_size bytes (checked above)
        stream = io.BytesIO(blob)
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            self.fail(f"array {key!r} has .npy version {version}, which is not read")
        if dtype.hasobject or dtype.kind not in _ALLOWED_KINDS or dtype.fields or dtype.subdtype:
            self.fail(f"array {key!r} has dtype {dtype}; only numeric and bool arrays are loaded "
                      "(object arrays need pickle, which is refused)")
        offset = stream.tell()
        count = math.prod(shape)
        if count * dtype.itemsize != len(blob) - offset:
            self.fail(f"array {key!r} declares shape {list(shape)} of {dtype} "
                      f"({count * dtype.itemsize} bytes) but holds {len(blob) - offset}")
        array = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
        if dtype.kind == "b" and np.any(array.view(np.uint8) > 1):
            self.fail(f"bool array {key!r} holds bytes other than 0 and 1")
        return array.reshape(shape, order="F" if fortran else "C").copy(order="C")

    def build(self, node, depth: int):
        if depth > _MAX_DEPTH:
            self.fail(f"the header is nested deeper than {_MAX_DEPTH} levels")
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
                out[pair[0]] = self.build(pair[1], depth + 1)
            return out
        values = [self.build(v, depth + 1) for v in items]
        return values if kind == "list" else tuple(values)

    def array(self, node):
        key, dtype, shape = node.get("k"), node.get("dtype"), node.get("shape")
        if not isinstance(key, str) or key not in self.infos or key in self.used or key == _HEADER:
            self.fail(f"array member {key!r} is missing or referenced twice")
        self.used.add(key)
        array = self.member(key)
        if array.dtype.str != dtype or list(array.shape) != shape:
            self.fail(f"array {key!r} is {array.dtype.str} {list(array.shape)} but the header says "
                      f"{dtype} {shape}")
        return Tensor(array) if node["t"] == "tensor" else array
