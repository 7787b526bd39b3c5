"""Colours and label text for graph pictures: styles, the gradient-norm colour scale, values, saved data."""

from __future__ import annotations

import functools
import math

import numpy as np

# DOT attributes per kind of picture element.
STYLES = {
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e8e8e8"},
    "intermediate": {"shape": "ellipse", "style": "filled", "fillcolor": "#ffffff"},
    "output": {"shape": "ellipse", "style": "filled,bold", "fillcolor": "#b7e4c7"},
    "param": {"shape": "box", "style": "filled", "fillcolor": "#a8d1ff"},
    "leaf": {"shape": "box", "style": "filled", "fillcolor": "#ffe08a"},
    "constant": {"shape": "box", "style": "dashed,filled", "fillcolor": "#f4f4f4", "fontcolor": "#555555"},
    "saved": {"shape": "note", "style": "filled", "fillcolor": "#ffcc99", "fontsize": "10"},
    "module": {"shape": "box3d", "style": "filled", "fillcolor": "#d9c8f5"},
}
CLUSTER_STYLE = {"style": "rounded,dashed", "color": "#7f7f7f", "fontsize": "11"}

# Five stops from vanishing (dark blue) through healthy (green) to exploding (dark red).
GRAD_STOPS = ("#313695", "#74add1", "#1a9850", "#f46d43", "#a50026")
NO_GRAD_COLOR = "#b0b0b0"
NONFINITE_COLOR = "#ff00ff"


def grad_color(norm: float, low: float, high: float) -> str:
    """Colour of a gradient norm on a log scale: log10(norm) mapped from [log10 low, log10 high].

    Zero gets grey and NaN/Inf magenta; values outside the range take the end colours.
    """
    if not math.isfinite(norm):
        return NONFINITE_COLOR
    if norm <= 0.0:
        return NO_GRAD_COLOR
    lo, hi = math.log10(low), math.log10(high)
    t = min(max((math.log10(norm) - lo) / (hi - lo), 0.0), 1.0)
    return _palette(round(t * 1000))


@functools.lru_cache(maxsize=1024)
def _palette(level: int) -> str:
    """The colour at `level` / 1000 of the way along GRAD_STOPS (cached: 10^4 edges, few levels)."""
    pos = level / 1000 * (len(GRAD_STOPS) - 1)
    i = min(int(pos), len(GRAD_STOPS) - 2)
    frac = pos - i
    a, b = _rgb(GRAD_STOPS[i]), _rgb(GRAD_STOPS[i + 1])
    mixed = (round(x + (y - x) * frac) for x, y in zip(a, b))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def legend_label(low: float, high: float) -> str:
    """An HTML-like DOT label: the gradient colour scale with the norm at each stop."""
    lo, hi = math.log10(low), math.log10(high)
    cells = []
    for i in range(len(GRAD_STOPS)):
        value = 10 ** (lo + (hi - lo) * i / (len(GRAD_STOPS) - 1))
        color = grad_color(value, low, high)
        cells.append(f'<td bgcolor="{color}"><font color="white">{value:.0e}</font></td>')
    cells.append(f'<td bgcolor="{NO_GRAD_COLOR}">0</td>')
    return (
        '<<table border="0" cellspacing="0" cellpadding="4"><tr><td colspan="6">'
        "|grad| (log scale)</td></tr><tr>" + "".join(cells) + "</tr></table>>"
    )


def format_shape(shape) -> str:
    """``(3, 4)``, ``(5,)``; a 0-d shape reads ``scalar``."""
    if len(shape) == 0:
        return "scalar"
    return str(tuple(int(n) for n in shape))


def format_norm(norm: float | None) -> str:
    """A gradient norm in 3 significant digits (``1.23e-04``), or ``-`` when unknown."""
    return "-" if norm is None else f"{norm:.3g}" if 1e-3 <= abs(norm) < 1e4 else f"{norm:.2e}"


def array_norm(values) -> float:
    """Frobenius norm sqrt(sum(v^2)) as a Python float (accumulated in float64 for display)."""
    a = np.asarray(values)
    if a.size == 0:
        return 0.0
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def format_values(values, max_values: int) -> str:
    """The values of a small array (up to `max_values` elements; one line per last-dim row),
    else a summary: mean, std, min, max."""
    a = np.asarray(values)
    if a.size <= max_values:
        if a.ndim == 0:
            return _number(a.item())
        rows = a.reshape(-1, a.shape[-1]).tolist() if a.shape[-1] else [[]]
        return "\n".join("[" + ", ".join(_number(v) for v in row) + "]" for row in rows)
    if a.dtype.kind in "fc":
        return (
            f"mean {_number(a.mean(dtype=np.float64))}, std {_number(a.std(dtype=np.float64))}\n"
            f"min {_number(a.min())}, max {_number(a.max())}"
        )
    if a.dtype.kind in "iub":
        return f"min {a.min()}, max {a.max()}"
    return f"{a.size} values"


def _number(v) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def dtype_name(dtype) -> str:
    """``float32`` for a numpy dtype (cached: str(dtype) is slow on 10^4 tensors)."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


_DTYPE_NAMES: dict = {}


def dot_text(text: str) -> str:
    """Make free text safe inside a DOT label (backslashes kept literal, newlines as line breaks)."""
    return str(text).replace("\\", "\\\\").replace("\n", "\\n")


def saved_lines(node) -> list[str]:
    """What `node` keeps for its backward: shapes of saved arrays, scalars, keyword arguments."""
    if node.freed:
        return ["saved: freed by backward"]
    lines = ["saved:"]
    arrays = []
    if node.ctx is not None:
        saved = node.ctx.saved_tensors
        for j, t in enumerate(saved):
            if t is not None:
                arrays.append(t._data)
                lines.append(f"tensor {j}: {format_shape(t.shape)} {t.dtype}")
    else:
        for j, a in enumerate(node.arrays):
            if isinstance(a, np.ndarray):
                arrays.append(a)
                lines.append(f"input {j}: {format_shape(a.shape)} {a.dtype}")
            elif isinstance(a, (int, float, bool, np.generic)):
                lines.append(f"input {j} = {a!r}")
        if node.out is not None:
            arrays.append(node.out)
            lines.append(f"output: {format_shape(node.out.shape)} {node.out.dtype}")
    for k, v in (node.kwargs or {}).items():
        text = repr(v)
        lines.append(f"{k}={text if len(text) <= 30 else text[:27] + '...'}")
    nbytes = sum({id(a): a.nbytes for a in arrays}.values())
    lines.append(_bytes(nbytes))
    return lines


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024**2:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024**2:.1f} MiB"
