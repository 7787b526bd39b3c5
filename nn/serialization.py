"""nn.save / nn.load: aliases of `autograd.save` / `autograd.load` (safetensors checkpoints that
never execute code on load; files from the first nn.save, an npz archive, still load)."""

from autograd.serialization import CheckpointError, load, save

__all__ = ["CheckpointError", "load", "save"]
