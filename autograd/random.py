"""Random generators: `Generator` (PyTorch's `torch.Generator`) and the global one behind
randn/rand/randint/randperm/multinomial, dropout and in-place init."""

from __future__ import annotations

import numpy as np

from .device import check_device, device

__all__ = ["Generator", "get_rng_state", "initial_seed", "manual_seed", "seed", "set_rng_state"]

# PCG64's state as bytes: state and increment (128 bits each), has_uint32, uinteger (32 bits)
_STATE_BYTES = 16 + 16 + 1 + 4


class Generator(np.random.Generator):
    """A random number generator with PyTorch's methods, usable wherever a numpy Generator is.

    `Generator().manual_seed(0)` gives a reproducible stream for the `generator=` argument of
    every random function (rand, randn, randint, randperm, multinomial, normal, bernoulli,
    samplers, DataLoader, nn.init). The streams are numpy's PCG64, so the numbers differ from
    PyTorch's; the same seed gives the same numbers on every run.

    Args:
        device: accepted for PyTorch compatibility; only "cpu" exists.
    """

    def __init__(self, device="cpu") -> None:
        check_device(device, "Generator")
        self._initial_seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        super().__init__(np.random.PCG64(self._initial_seed))

    @property
    def device(self):
        """Always device("cpu")."""
        return device("cpu")

    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream to the one `seed` gives; returns self (as PyTorch)."""
        seed = int(seed)
        # NOTE: PyTorch takes seeds modulo 2**64 (negative ones included)
        self._initial_seed = seed % (2 ** 64)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self) -> int:
        """Seed from fresh OS entropy and return that seed."""
        new = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(new)
        return new

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._initial_seed

    def get_state(self):
        """The generator's state as a uint8 tensor (for `set_state`)."""
        from .creation import from_numpy  # (random sits below Tensor: in-place fills use it)

        s = self.bit_generator.state
        raw = (s["state"]["state"].to_bytes(16, "little") + s["state"]["inc"].to_bytes(16, "little")
               + bytes([s["has_uint32"]]) + int(s["uinteger"]).to_bytes(4, "little"))
        return from_numpy(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state from `get_state()`; returns self."""
        raw = np.asarray(new_state, dtype=np.uint8).reshape(-1)
        if raw.size != _STATE_BYTES:
            raise RuntimeError(
                f"Generator.set_state: expected a uint8 tensor of {_STATE_BYTES} bytes from "
                f"get_state(), got {raw.size} bytes"
            )
        b = raw.tobytes()
        self.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(b[:16], "little"),
                      "inc": int.from_bytes(b[16:32], "little")},
            "has_uint32": b[32], "uinteger": int.from_bytes(b[33:], "little"),
        }
        return self

    def __repr__(self) -> str:
        return f"<autograd.Generator initial_seed={self._initial_seed}>"


_GENERATOR = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator (as `torch.manual_seed`) and return it."""
    return _GENERATOR.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from OS entropy and return the seed."""
    return _GENERATOR.seed()


def initial_seed() -> int:
    """The seed the global generator started from."""
    return _GENERATOR.initial_seed()


def get_rng_state():
    """The global generator's state as a uint8 tensor."""
    return _GENERATOR.get_state()


def set_rng_state(new_state) -> None:
    """Restore the global generator's state from `get_rng_state()`."""
    _GENERATOR.set_state(new_state)


def default_generator() -> Generator:
    """The global Generator used by random functions given no `generator=`."""
    return _GENERATOR


def resolve(generator) -> np.random.Generator:
    """`generator` (a Generator or numpy Generator), or the global one when None."""
    if generator is None:
        return _GENERATOR
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator must be an autograd.Generator (or numpy Generator), got "
            f"{type(generator).__name__}"
        )
    return generator
