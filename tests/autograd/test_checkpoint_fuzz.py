"""Fuzzing autograd.load: random bytes, truncations, bit flips and random zip archives either load
the exact original or raise CheckpointError, with peak memory a small multiple of the file size."""

import io
import json
import pickle
import tracemalloc
import warnings
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
from autograd import CheckpointError, Tensor

from .checkpoint_helpers import assert_same, legacy_tree

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _original():
    return {"w": Tensor(np.arange(12, dtype=np.float32).reshape(3, 4)), "b": Tensor(np.zeros(4)),
            "steps": 7, "betas": (0.9, 0.999), "mask": np.array([True, False, True])}


def _safetensors_bytes():
    buffer = io.BytesIO()
    autograd.save(_original(), buffer)
    return buffer.getvalue()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _legacy_bytes():
    tree = legacy_tree(w=("a0", "<f4", [3, 4]), b=("a1", "<f8", [4]))
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.arange(12, dtype=np.float32).reshape(3, 4), a1=np.zeros(4),
             __tapegrad__=np.frombuffer(json.dumps(tree).encode(), np.uint8))
    return buffer.getvalue()


autograd.load(io.BytesIO(_legacy_bytes()))  # import the lazily imported readers before measuring
ORIGINALS = {"safetensors": (_safetensors_bytes(), _original()),
             "npz": (_legacy_bytes(), {"w": Tensor(np.arange(12, dtype=np.float32).reshape(3, 4)),
                                       "b": Tensor(np.zeros(4))})}


def exact_or_refused(data: bytes, original):
    """Load `data`: it must give `original` exactly or raise CheckpointError, in bounded memory."""
    tracemalloc.start()
    try:
        try:
            result = autograd.load(io.BytesIO(data))
        except CheckpointError as exc:
            assert "load:" in str(exc)
            result = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 4 * len(data) + 256 * 1024, f"peak {peak} bytes for a {len(data)}-byte file"
    if result is not None:
        assert original is not None, "garbage loaded as a checkpoint"
        assert_same(dict(original), dict(result))


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(data):
    exact_or_refused(data, None)


@FUZZ
@given(st.sampled_from(sorted(ORIGINALS)), st.data())
def test_random_truncation(fmt, draw):
    data, _ = ORIGINALS[fmt]
    cut = draw.draw(st.integers(0, len(data) - 1))
    exact_or_refused(data[:cut], None)


@FUZZ
@given(st.sampled_from(sorted(ORIGINALS)), st.data())
def test_random_bit_flips(fmt, draw):
    data, original = ORIGINALS[fmt]
    flipped = bytearray(data)
    for position in draw.draw(st.lists(st.integers(0, 8 * len(data) - 1), min_size=1, max_size=4)):
        flipped[position // 8] ^= 1 << (position % 8)
    exact_or_refused(bytes(flipped), original)


MEMBER = st.one_of(
    st.binary(max_size=256),
    st.just(pickle.dumps({"w": 1})),
    st.builds(lambda n: _npy(np.zeros(n, np.float32)), st.integers(0, 64)),
    st.builds(lambda s: _npy(np.frombuffer(s.encode(), np.uint8)),
              st.sampled_from([json.dumps(legacy_tree(w=("a0", "<f4", [3]))), "{}", "[" * 500, "x"])),
)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["a0.npy", "a1.npy", "__tapegrad__.npy", "data.pkl", "x"]),
                          MEMBER, st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])),
                max_size=5))
def test_random_zip_structures(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names warn; the duplicates are the point
        for name, blob, method in members:
            archive.writestr(zipfile.ZipInfo(name), blob, compress_type=method)
    data = buffer.getvalue()
    if not data.startswith(b"PK\x03\x04"):
        data = b"PK\x03\x04" + data  # an empty archive: still make it look like one
    exact_or_refused(data, None if not members else _maybe_valid(members))


def _maybe_valid(members):
    """The only archive of these pieces that is a checkpoint: a0 of 3 zeros plus its header."""
    names = {name: blob for name, blob, _ in members}
    header = _npy(np.frombuffer(json.dumps(legacy_tree(w=("a0", "<f4", [3]))).encode(), np.uint8))
    stored = all(method == zipfile.ZIP_STORED for _, _, method in members)
    if (stored and set(names) == {"a0.npy", "__tapegrad__.npy"} and len(members) == 2
            and names["__tapegrad__.npy"] == header and names["a0.npy"] == _npy(np.zeros(3, np.float32))):
        return {"w": Tensor(np.zeros(3, np.float32))}
    return None
