"""Hostile and malformed checkpoints: every one raises CheckpointError naming the file, runs
nothing, and allocates no more than the file could hold (both the safetensors format and the
first nn.save format, an npz archive, which still loads)."""

import builtins
import io
import json
import os
import pickle
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import autograd
import nn
from autograd import CheckpointError, Tensor

from ..autograd.checkpoint_helpers import (
    assert_same,
    legacy_npz,
    legacy_tree,
    safetensors_file,
    sample_checkpoint,
)


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def refused(path, match=None):
    with pytest.raises(CheckpointError, match=match) as info:
        nn.load(path)
    assert str(path) in str(info.value)
    return str(info.value)


# ----------------------------------------------------------------- the first format still loads
def test_files_written_by_the_first_nn_save_still_load(tmp_path):
    model, _, _ = sample_checkpoint()
    sd = model.state_dict()
    tree = legacy_tree(**{k: (f"a{i}", v._data.dtype.str, list(v.shape)) for i, (k, v) in enumerate(sd.items())})
    tree["tree"]["items"].append(["mask", {"t": "ndarray", "k": "m", "dtype": "|b1", "shape": [2]}])
    tree["tree"]["items"].append(["cfg", {"t": "dict", "items": [[0, {"t": "tuple", "items": [
        {"t": "scalar", "v": 0.9}, {"t": "scalar", "v": None}]}]]}])
    legacy_npz(tmp_path / "old.npz", tree, m=np.array([True, False]),
               **{f"a{i}": v._data for i, v in enumerate(sd.values())})
    back = nn.load(tmp_path / "old.npz")
    expected = type(sd)(sd)
    expected["mask"] = np.array([True, False])
    expected["cfg"] = type(sd)({0: (0.9, None)})
    assert_same(expected, back)
    model.load_state_dict({k: v for k, v in back.items() if k in sd})


def test_a_file_from_the_first_nn_save_loads_with_its_values():
    """checkpoints/first_nn_save.npz was written by nn.save before it moved to safetensors."""
    path = os.path.join(os.path.dirname(__file__), "checkpoints", "first_nn_save.npz")
    back = nn.load(path)
    assert list(back) == ["optimizer", "epoch", "mask", "half"] and back["epoch"] == 3
    group = back["optimizer"]["param_groups"][0]
    assert group["betas"] == (0.9, 0.999) and group["params"] == [0, 1, 2, 3, 4, 5]
    with np.load(path, allow_pickle=False) as raw:  # numpy's reader as the reference
        state = back["optimizer"]["state"]
        np.testing.assert_array_equal(state[0]["exp_avg"]._data, raw["a0"])
        assert state[0]["exp_avg"].dtype == np.float32 and state[0]["step"] == 1
        assert back["half"].dtype == np.float16 and back["mask"].dtype == np.bool_


def test_pickle_payload_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    with open(path, "wb") as f:
        pickle.dump({"weight": Payload(marker)}, f)
    refused(path, "pickle")
    assert not marker.exists()
    pickle.loads(pickle.dumps(Payload(marker)))  # the payload does work when unpickled
    assert marker.exists()


def test_raw_pickle_member_and_object_array_are_refused_without_unpickling(tmp_path):
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = Payload(marker)
    legacy_npz(tmp_path / "obj.npz", legacy_tree(w=("a0", "|O", [1])), a0=payload)
    refused(tmp_path / "obj.npz", "object arrays need pickle")
    with zipfile.ZipFile(tmp_path / "raw.npz", "w") as z:  # a pickle where an .npy should be
        z.writestr("a0.npy", pickle.dumps(Payload(marker)))
        z.writestr("__tapegrad__.npy", _npy(np.frombuffer(json.dumps(legacy_tree(w=("a0", "<f8", [1]))).encode(), np.uint8)))
    refused(tmp_path / "raw.npz")
    assert not marker.exists()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


# ----------------------------------------------------------------- bombs
def test_compressed_members_are_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a0.npy", _npy(np.zeros(64 * 2**20, dtype=np.uint8)))  # 64 MB of zeros
        header = json.dumps(legacy_tree(w=("a0", "|u1", [64 * 2**20]))).encode()
        z.writestr("__tapegrad__.npy", _npy(np.frombuffer(header, np.uint8)))
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        refused(path, "compressed")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * path.stat().st_size


def test_declared_sizes_larger_than_the_file_are_refused_before_allocating(tmp_path):
    header = {"w": {"dtype": "F32", "shape": [1_000_000, 1_000_000], "data_offsets": [0, 4 * 10**12]}}
    (tmp_path / "huge.safetensors").write_bytes(safetensors_file(header, b"\0" * 16))
    refused(tmp_path / "huge.safetensors", "outside")
    header["w"]["data_offsets"] = [0, 16]
    (tmp_path / "lie.safetensors").write_bytes(safetensors_file(header, b"\0" * 16))
    refused(tmp_path / "lie.safetensors", "declares shape")
    blob = io.BytesIO()
    np.lib.format.write_array_header_1_0(blob, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        z.writestr("a0.npy", blob.getvalue() + b"\0" * 8)
        z.writestr("__tapegrad__.npy", _npy(np.frombuffer(json.dumps(legacy_tree(w=("a0", "<f4", [10**12]))).encode(), np.uint8)))
    refused(tmp_path / "huge.npz", "declares shape")


def test_aliased_members_cannot_multiply_the_memory(tmp_path):
    header = {f"t{i}": {"dtype": "U8", "shape": [1000], "data_offsets": [0, 1000]} for i in range(50)}
    (tmp_path / "alias.safetensors").write_bytes(safetensors_file(header, b"\1" * 1000))
    refused(tmp_path / "alias.safetensors", "overlap")


# ----------------------------------------------------------------- corrupted structure
def test_truncation_at_every_byte_is_refused(tmp_path):
    for fmt in ("safetensors", "npz"):
        path = tmp_path / f"full.{fmt}"
        if fmt == "safetensors":
            path = tmp_path / "full.pt"
            autograd.save({"w": Tensor(np.arange(6.0).reshape(2, 3)), "e": 3}, path)
        else:
            legacy_npz(path, legacy_tree(w=("a0", "<f8", [2])), a0=np.arange(2.0))
        data = path.read_bytes()
        cut = tmp_path / "cut"
        for n in range(len(data)):
            cut.write_bytes(data[:n])
            refused(cut)


def test_bit_flips_in_zip_flags_and_compression_method_are_refused(tmp_path):
    path = tmp_path / "x.npz"
    legacy_npz(path, legacy_tree(w=("a0", "<f8", [2])), a0=np.arange(2.0))
    data = path.read_bytes()
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = data.index(signature)
        for offset, values in ((flag_at, (0x01, 0x41)), (method_at, (8, 12, 14, 99))):
            for value in values:
                bad = bytearray(data)
                bad[start + offset] = value
                (tmp_path / "bad.npz").write_bytes(bytes(bad))
                refused(tmp_path / "bad.npz")


def test_deeply_nested_headers_raise_checkpoint_error_not_recursion_error(tmp_path):
    deep = "[" * 900 + "]" * 900
    with zipfile.ZipFile(tmp_path / "deep.npz", "w") as z:
        z.writestr("__tapegrad__.npy", _npy(np.frombuffer(deep.encode(), np.uint8)))
    refused(tmp_path / "deep.npz", "header")
    nested = '{"t": "list", "items": [' * 900 + '{"t": "scalar", "v": 1}' + "]}" * 900
    header = '{"format": "tapegrad-npz", "version": 1, "tree": {"t": "dict", "items": [["x", ' + nested + "]]}}"
    with zipfile.ZipFile(tmp_path / "deep2.npz", "w") as z:
        z.writestr("__tapegrad__.npy", _npy(np.frombuffer(header.encode(), np.uint8)))
    refused(tmp_path / "deep2.npz", "header")
    (tmp_path / "deep.safetensors").write_bytes(
        struct.pack("<Q", 1807) + b'{"a":' + deep.encode() + b"}")
    refused(tmp_path / "deep.safetensors")
    tree = '{"version": "2", "tree": ' + deep + "}"
    crc = zlib.crc32(tree.encode())
    meta = {"__metadata__": {"tapegrad": tree, "tapegrad_crc32": str(crc)}}
    (tmp_path / "deep2.safetensors").write_bytes(safetensors_file(meta))
    refused(tmp_path / "deep2.safetensors", "tree")


def test_bad_json_dtypes_and_offsets_are_refused(tmp_path):
    cases = {
        "badjson": struct.pack("<Q", 6) + b'{"a": ',
        "notobject": safetensors_file([1, 2]),
        "bf16": safetensors_file({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
        "negative": safetensors_file({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
        "reversed": safetensors_file({"w": {"dtype": "U8", "shape": [0], "data_offsets": [4, 0]}}, b"\0" * 4),
        "beyond": safetensors_file({"w": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}}, b"\0" * 4),
        "entry": safetensors_file({"w": "F32"}),
        "bool": safetensors_file({"w": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07"),
        "meta": safetensors_file({"__metadata__": {"tapegrad": 5}}),
        "header_len": struct.pack("<Q", 2**63) + b"{}",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        refused(tmp_path / name)
    path = tmp_path / "c.pt"
    autograd.save({"w": autograd.ones(2), "epoch": 3}, path)
    data = path.read_bytes()
    (tmp_path / "epoch").write_bytes(data.replace(b'[\\"epoch\\", 3]', b'[\\"epoch\\", 4]'))
    refused(tmp_path / "epoch", "checksum")
    legacy_npz(tmp_path / "odt.npz", legacy_tree(w=("a0", "<c16", [1])), a0=np.ones(1, np.complex128))
    refused(tmp_path / "odt.npz", "only numeric")


def test_header_inconsistencies_in_the_first_format_are_refused(tmp_path):
    path = tmp_path / "x.npz"
    with open(path, "wb") as f:
        np.savez(f, w=np.ones(2))
    refused(path, "no __tapegrad__ header")
    legacy_npz(path, legacy_tree(w=("a0", "<f8", [3])), a0=np.ones(2))
    refused(path, r"header says <f8 \[3\]")
    legacy_npz(path, legacy_tree(w=("a0", "<f8", [3])), a0=np.ones(3), a1=np.ones(1))
    refused(path, "unexpected members")
    header = legacy_tree(w=("a0", "<f8", [3]))
    header["version"] = 99
    legacy_npz(path, header, a0=np.ones(3))
    refused(path, "unsupported format version")
    header = {"format": "tapegrad-npz", "version": 1,
              "tree": {"t": "dict", "items": [["w", {"t": "eval", "v": "1"}]]}}
    legacy_npz(path, header)
    refused(path, "unknown entry type")
