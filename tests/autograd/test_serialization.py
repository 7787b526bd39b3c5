"""autograd.save / autograd.load: round trips, safetensors interchange, atomic and safe writes."""

import io
import os
import pathlib
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
from autograd import CheckpointError, Tensor

from .checkpoint_helpers import assert_same, safetensors_file, sample_checkpoint


# ----------------------------------------------------------------- round trips
def test_nested_checkpoint_round_trips_exactly(tmp_path):
    _, _, ckpt = sample_checkpoint()
    autograd.save(ckpt, tmp_path / "ckpt.pt")
    back = autograd.load(tmp_path / "ckpt.pt")
    assert_same(ckpt, back)
    assert isinstance(back["model"], OrderedDict) and type(back) is dict
    assert back["model"]["1.num_batches_tracked"].shape == ()
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert list(back["config"]) == ["sizes", "lr", "name", "dropout", "ok", "nan", "big", 7]


def test_top_level_tensor_list_and_scalar(tmp_path):
    for obj in (autograd.randn(2, 3), [autograd.ones(2), 3, "a"], 7, None, (1.5,)):
        autograd.save(obj, tmp_path / "x.pt")
        assert_same(obj, autograd.load(tmp_path / "x.pt"))


def test_resume_restores_model_and_optimizer(tmp_path):
    model, opt, ckpt = sample_checkpoint()
    autograd.save(ckpt, tmp_path / "ckpt.pt")
    fresh, fresh_opt, _ = sample_checkpoint()
    with autograd.no_grad():
        for p in fresh.parameters():
            p.fill_(0.0)
    back = autograd.load(tmp_path / "ckpt.pt")
    fresh.load_state_dict(back["model"])
    fresh_opt.load_state_dict(back["optimizer"])
    x = autograd.randn(5, 3)
    model.eval()
    fresh.eval()
    np.testing.assert_array_equal(model(x)._data, fresh(x)._data)
    assert fresh_opt.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]


def test_file_objects_and_torch_arguments(tmp_path):
    _, _, ckpt = sample_checkpoint()
    buffer = io.BytesIO()
    autograd.save(ckpt, buffer)
    buffer.seek(0)
    assert_same(ckpt, autograd.load(buffer, map_location="cpu", weights_only=True))
    with open(tmp_path / "c.pt", "wb") as f:
        autograd.save(ckpt, f)
    with open(tmp_path / "c.pt", "rb") as f:
        assert_same(ckpt, autograd.load(f, map_location=lambda s, loc: s, weights_only=False))
    assert nn.save is autograd.save and nn.load is autograd.load
    assert nn.CheckpointError is CheckpointError


def test_saving_a_module_or_optimizer_raises_pointing_to_state_dict(tmp_path):
    model, opt, _ = sample_checkpoint()
    for obj in (model, {"model": model}, opt):
        with pytest.raises(TypeError, match=r"save its state_dict\(\)"):
            autograd.save(obj, tmp_path / "m.pt")
    assert not os.listdir(tmp_path)


def test_unsupported_values_raise_and_leave_the_file(tmp_path):
    path = tmp_path / "c.pt"
    autograd.save({"a": Tensor([1.0])}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="only numeric and bool"):
        autograd.save({"a": np.array([object()], dtype=object)}, path)
    with pytest.raises(TypeError, match=r"obj\['f'\] is a function"):
        autograd.save({"f": lambda: 0}, path)
    with pytest.raises(TypeError, match="keys must be str or int"):
        autograd.save({(1, 2): 1}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["c.pt"]


# ----------------------------------------------------------------- safetensors interchange
def test_safetensors_path_holds_a_flat_state_dict_for_safetensors_readers(tmp_path):
    from safetensors.numpy import load_file

    model, _, _ = sample_checkpoint()
    path = tmp_path / "model.safetensors"
    autograd.save(model.state_dict(), path)
    raw = load_file(path)
    assert set(raw) == set(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(raw[k], v._data)
        assert raw[k].dtype == v.dtype and raw[k].shape == v.shape
    assert_same(model.state_dict(), autograd.load(path))
    with pytest.raises(TypeError, match="flat state_dict"):
        autograd.save({"model": model.state_dict()}, path)


def test_pytorch_reads_our_safetensors_and_we_read_pytorchs(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    model, _, _ = sample_checkpoint()
    autograd.save(model.state_dict(), tmp_path / "ours.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2))
    theirs.load_state_dict(load_file(tmp_path / "ours.safetensors"))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    model.eval()
    theirs.eval()
    with torch.no_grad():
        np.testing.assert_allclose(theirs(torch.from_numpy(x)).numpy(), model(Tensor(x))._data,
                                   rtol=1e-6, atol=1e-6)
    theirs[0].weight.data.mul_(2)
    save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    back = autograd.load(tmp_path / "theirs.safetensors")
    assert isinstance(back, OrderedDict) and set(back) == set(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert back[k].dtype == v.numpy().dtype and back[k].shape == tuple(v.shape)
        np.testing.assert_array_equal(back[k]._data, v.numpy())
    model.load_state_dict(back)


def test_torch_pickle_checkpoints_are_refused_with_a_way_out(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "new.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    for name in ("new.pt", "old.pt"):
        with pytest.raises(CheckpointError, match=f"{name}.*pickle.*safetensors.torch.save_file"):
            autograd.load(tmp_path / name)


# ----------------------------------------------------------------- writing safely
def test_write_protected_file_is_not_replaced(tmp_path, request):
    torch = pytest.importorskip("torch") if os.geteuid() == 0 else None
    directory = pathlib.Path(tempfile.mkdtemp(dir="/tmp" if os.path.isdir("/tmp") else tmp_path))
    request.addfinalizer(lambda: shutil.rmtree(directory, ignore_errors=True))
    os.chmod(directory, 0o777)  # (pytest's tmp_path is private to root)
    path = directory / "ro.pt"
    autograd.save({"a": Tensor([1.0])}, path)
    os.chmod(path, 0o444)
    before = path.read_bytes()

    def attempt(save):
        try:
            save({"a": Tensor([2.0]) if save is autograd.save else torch.ones(1)}, path)
        except PermissionError:
            return "PermissionError"
        except RuntimeError as exc:  # torch 2.x: its zip writer wraps the OS error
            return "RuntimeError: Permission denied" if "Permission denied" in str(exc) else repr(exc)
        return "saved"

    if os.geteuid() != 0:
        assert attempt(autograd.save) == "PermissionError"
    else:  # root may write anywhere: compare with torch.save as an unprivileged user
        import safetensors  # noqa: F401  (imported before dropping privileges)

        results = []
        for save in (autograd.save, torch.save):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover (child)
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    os.write(write, attempt(save).encode())
                except BaseException as exc:
                    os.write(write, repr(exc).encode())
                finally:
                    os._exit(0)
            os.close(write)
            os.waitpid(pid, 0)
            results.append(os.read(read, 100).decode())
        # both refuse (torch.save's zip writer reports it as a RuntimeError; open's is kept here)
        assert results == ["PermissionError", "RuntimeError: Permission denied"]
    assert path.read_bytes() == before
    assert sorted(os.listdir(directory)) == ["ro.pt"]


def test_overwrite_keeps_the_files_mode_and_new_files_follow_umask(tmp_path):
    mask = os.umask(0o022)
    try:
        autograd.save({"w": np.ones(2)}, tmp_path / "m.pt")
        assert stat.S_IMODE(os.stat(tmp_path / "m.pt").st_mode) == 0o644
        os.chmod(tmp_path / "m.pt", 0o600)
        autograd.save({"w": np.zeros(2)}, tmp_path / "m.pt")
        assert stat.S_IMODE(os.stat(tmp_path / "m.pt").st_mode) == 0o600
    finally:
        os.umask(mask)


@pytest.mark.parametrize("fail_at", ["write", "replace", "interrupt"])
def test_failed_save_leaves_previous_file_and_no_temporary(tmp_path, monkeypatch, fail_at):
    path = tmp_path / "ckpt.pt"
    autograd.save({"a": Tensor([1.0])}, path)
    before = path.read_bytes()
    error = KeyboardInterrupt if fail_at == "interrupt" else OSError

    def broken(*args, **kwargs):
        raise error("disk full")

    target = "replace" if fail_at == "replace" else "fsync"
    monkeypatch.setattr(os, target, broken)
    with pytest.raises(error):
        autograd.save({"a": Tensor([2.0])}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_killed_save_leaves_previous_file_and_next_save_removes_its_temporary(tmp_path):
    path = tmp_path / "ckpt.pt"
    autograd.save({"w": np.arange(4.0)}, path)
    before = path.read_bytes()
    script = (
        "import os, time, numpy as np, autograd\n"
        "os.fsync = lambda fd: time.sleep(60)\n"  # hang after the bytes are written
        f"autograd.save({{'w': np.zeros(1_000_000)}}, {str(path)!r})\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(autograd.__file__)))
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.time() + 60
        while len(os.listdir(tmp_path)) < 2 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    leftovers = [n for n in os.listdir(tmp_path) if n != "ckpt.pt"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".ckpt.pt.tmp-")
    assert path.read_bytes() == before
    np.testing.assert_array_equal(autograd.load(path)["w"], np.arange(4.0))
    autograd.save({"w": np.ones(2)}, path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_load_state_dict_checks_everything_before_copying(tmp_path):
    model, _, _ = sample_checkpoint()
    sd = model.state_dict()
    sd["0.weight"] = autograd.zeros(4, 3)
    sd["3.weight"] = autograd.zeros(3, 3)  # wrong shape: nothing may be copied
    autograd.save(sd, tmp_path / "bad.pt")
    before = {k: v._data.copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match=r"nothing was loaded(.|\n)*size mismatch for 3\.weight"):
        model.load_state_dict(autograd.load(tmp_path / "bad.pt"))
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k], err_msg=k)


def test_save_to_a_missing_directory_raises_as_torch(tmp_path):
    with pytest.raises(RuntimeError, match=r"parent directory .* does not exist"):
        autograd.save({"a": 1}, tmp_path / "nope" / "c.pt")


def test_non_checkpoint_bytes_are_refused(tmp_path):
    for name, data in (("empty", b""), ("text", b"hello world"), ("st", safetensors_file([]))):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError, match=re.escape(name)):
            autograd.load(tmp_path / name)
