"""save / load: numeric arrays only, never executing code on load."""

__all__: list[str] = []
