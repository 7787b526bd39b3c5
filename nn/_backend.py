"""nn's check that `import autograd` is tapegrad's engine (the check is autograd/_backend.py's)."""

try:
    from autograd._backend import reinstall_command, require_tapegrad
except ModuleNotFoundError as error:  # an `autograd` without tapegrad's files: name what it is
    import autograd

    raise ImportError(
        f"`import autograd` found a different package at {autograd.__file__}, not tapegrad's "
        "engine (PyPI's HIPS `autograd` uses the same import name). Fix: `pip uninstall "
        "autograd`, then reinstall tapegrad; or use a separate virtual environment for tapegrad."
    ) from error

__all__ = ["reinstall_command", "require_tapegrad"]
