"""Make sure `import autograd` found tapegrad's engine, not PyPI's HIPS `autograd` (same name)."""

from __future__ import annotations


def require_tapegrad():
    """Import and return tapegrad's `autograd`; raise ImportError naming the shadowing file if not."""
    import autograd

    if not getattr(autograd, "__tapegrad__", False):
        where = getattr(autograd, "__file__", None) or "an unknown location"
        raise ImportError(
            f"`import autograd` found a different package at {where}, not tapegrad's engine "
            "(PyPI's HIPS `autograd` uses the same import name). Uninstall it "
            "(`pip uninstall autograd`) or use a separate virtual environment for tapegrad."
        )
    return autograd
