"""nn.save / nn.load: round trips, atomic writes, and refusal of anything that could run code."""

import builtins
import json
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


def model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def write_archive(path, header, **members):
    members["__tapegrad__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **members)


# ----------------------------------------------------------------- round trips
def test_module_round_trip_through_load_state_dict(tmp_path):
    src = model()
    src(autograd.randn(8, 3))  # move the running stats
    path = tmp_path / "model.npz"
    nn.save(src, path)
    sd = nn.load(path)
    assert isinstance(sd, OrderedDict) and list(sd) == list(src.state_dict())
    assert all(isinstance(v, Tensor) for v in sd.values())
    assert sd["1.num_batches_tracked"].dtype == np.int64 and sd["1.num_batches_tracked"].shape == ()
    dst = model()
    dst.load_state_dict(nn.load(path))
    for (k, a), b in zip(src.state_dict().items(), dst.state_dict().values()):
        np.testing.assert_array_equal(a._data, b._data, err_msg=k)
        assert a.dtype == b.dtype
    x = autograd.randn(5, 3)
    src.eval()
    dst.eval()
    np.testing.assert_array_equal(src(x)._data, dst(x)._data)


def test_nested_dict_round_trip_keeps_order_kinds_and_scalars(tmp_path):
    obj = {
        "state": {0: {"step": 3, "exp_avg": Tensor(np.arange(3, dtype=np.float64))}},
        "param_groups": [{"lr": 0.1, "params": [0, 1], "betas": (0.9, 0.999), "amsgrad": False,
                          "name": None}],
        "mask": np.array([True, False]),
        "half": Tensor(np.ones(2, dtype=np.float16)),
    }
    nn.save(obj, tmp_path / "opt.npz")
    back = nn.load(tmp_path / "opt.npz")
    assert list(back) == ["state", "param_groups", "mask", "half"]
    assert back["state"][0]["step"] == 3 and list(back["state"]) == [0]
    np.testing.assert_array_equal(back["state"][0]["exp_avg"]._data, [0, 1, 2])
    assert back["state"][0]["exp_avg"].dtype == np.float64
    assert back["param_groups"][0] == {"lr": 0.1, "params": [0, 1], "betas": (0.9, 0.999),
                                       "amsgrad": False, "name": None}
    assert isinstance(back["mask"], np.ndarray) and back["mask"].dtype == np.bool_
    assert back["half"].dtype == np.float16


def test_save_rejects_unsupported_objects_and_leaves_existing_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"a": Tensor([1.0])}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="only numeric and bool"):
        nn.save({"a": np.array([object()], dtype=object)}, path)
    with pytest.raises(TypeError, match="obj\\['f'\\] is a function"):
        nn.save({"f": lambda: 0}, path)
    with pytest.raises(TypeError, match="expected a Module or a dict"):
        nn.save([Tensor([1.0])], path)
    assert path.read_bytes() == before


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"a": Tensor([1.0])}, path)
    before = path.read_bytes()

    def broken(file, **members):
        file.write(b"PK\x03\x04partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"a": Tensor([2.0])}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]


# ----------------------------------------------------------------- refusing bad files
def test_pickle_payload_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.npz"
    with open(path, "wb") as f:
        pickle.dump({"weight": Payload(marker)}, f)
    with pytest.raises(ValueError, match="Pickle files"):
        nn.load(path)
    assert not marker.exists()
    pickle.loads(pickle.dumps(Payload(marker)))  # the payload does work when unpickled
    assert marker.exists()


def test_object_array_member_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    payload = np.empty(1, dtype=object)
    payload[0] = Payload(marker)
    header = {"format": "tapegrad-npz", "version": 1,
              "tree": {"t": "dict", "items": [["w", {"t": "tensor", "k": "a0", "dtype": "|O", "shape": [1]}]]}}
    write_archive(path, header, a0=payload)
    with pytest.raises(ValueError, match="cannot be read without pickle"):
        nn.load(path)
    assert not marker.exists()


def test_truncated_and_corrupted_files_raise_clear_errors(tmp_path):
    path = tmp_path / "model.npz"
    nn.save(model(), path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"nn\.load"):
            nn.load(bad)
    flipped = bytearray(data)
    start = data.index(b"\x93NUMPY") + 200  # inside the first array's payload
    flipped[start:start + 8] = b"\xff" * 8
    bad = tmp_path / "flipped.npz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="corrupted"):
        nn.load(bad)
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="not a tapegrad checkpoint"):
        nn.load(tmp_path / "empty.npz")


def test_header_inconsistencies_are_rejected(tmp_path):
    path = tmp_path / "x.npz"
    with open(path, "wb") as f:
        np.savez(f, w=np.ones(2))
    with pytest.raises(ValueError, match="no __tapegrad__ header"):
        nn.load(path)
    entry = {"t": "tensor", "k": "a0", "dtype": "<f8", "shape": [3]}
    tree = {"t": "dict", "items": [["w", entry]]}
    write_archive(path, {"format": "tapegrad-npz", "version": 1, "tree": tree}, a0=np.ones(2))
    with pytest.raises(ValueError, match="header says <f8 \\[3\\]"):
        nn.load(path)
    write_archive(path, {"format": "tapegrad-npz", "version": 1, "tree": tree}, a0=np.ones(3), a1=np.ones(1))
    with pytest.raises(ValueError, match="unexpected members"):
        nn.load(path)
    write_archive(path, {"format": "tapegrad-npz", "version": 99, "tree": tree}, a0=np.ones(3))
    with pytest.raises(ValueError, match="unsupported format version"):
        nn.load(path)
    write_archive(path, {"format": "tapegrad-npz", "version": 1,
                         "tree": {"t": "dict", "items": [["w", {"t": "eval", "v": "1"}]]}})
    with pytest.raises(ValueError, match="unknown entry type"):
        nn.load(path)


def test_torch_checkpoint_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match=r"nn\.load"):
        nn.load(path)


def test_saved_file_gets_the_usual_permissions(tmp_path):
    import stat

    mask = os.umask(0o022)
    try:
        nn.save({"w": np.ones(2)}, tmp_path / "m.npz")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "m.npz").st_mode) == 0o644
