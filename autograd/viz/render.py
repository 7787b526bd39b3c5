"""The picture object: a `graphviz.Digraph` that still shows something when `dot` is missing."""

from __future__ import annotations

import graphviz

INSTALL_HINT = (
    "Graphviz's `dot` program was not found, so this graph is shown as DOT text; install it "
    "(apt install graphviz, brew install graphviz or conda install -c conda-forge graphviz) "
    "to see the picture."
)


class Digraph(graphviz.Digraph):
    """A `graphviz.Digraph` whose notebook display falls back to DOT text plus an install hint.

    With Graphviz installed it renders as SVG in a notebook cell, and `.render()` /
    `.pipe(format="svg")` work as usual; without it, `.source` still holds the DOT text.
    """

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """Rendered image for Jupyter; DOT text and a one-line hint when `dot` is not installed."""
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{INSTALL_HINT}\n{self.source}"}
