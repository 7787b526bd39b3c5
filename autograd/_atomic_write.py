"""Atomic file writes for `autograd.save`: a crash or a kill mid-save never leaves a torn
checkpoint, and the temporaries of killed saves are removed by the next save to the same path."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never a part:
    a hidden temporary beside it (``.NAME.tmp-PID-*``), flushed, then renamed over it, keeping an
    existing file's mode (a new one follows the umask)."""
    target = os.path.realpath(path)  # through a symlink, as open(path, "wb") would write
    directory, base = os.path.split(target)
    if not os.path.isdir(directory):
        raise RuntimeError(f"save: parent directory {os.path.dirname(path) or '.'} does not exist.")
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    exists = os.path.exists(target)
    if exists and not os.access(target, os.W_OK):
        # NOTE: the rename below would replace a write-protected file; torch.save's open refuses
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    _remove_stale_temporaries(directory, base)
    tmp = os.path.join(directory, f".{base}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if exists else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _remove_stale_temporaries(directory: str, base: str) -> None:
    """Delete ``.BASE.tmp-PID-*`` files whose writing process no longer runs (a killed save)."""
    prefix = f".{base}.tmp-"
    for name in os.listdir(directory):
        if not name.startswith(prefix):
            continue
        pid = name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.remove(os.path.join(directory, name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
