"""How a picture's DOT statements are arranged: rows that put an op's parameters beside it, and
nested clusters per module. Mixed into `draw`'s builder, which fills ``nodes`` (container path ->
``[(id, label, attrs)]``), ``edges``, ``inputs_of`` (op id -> input ids) and ``degree``.
"""

from __future__ import annotations

from .style import CLUSTER_STYLE, dot_text


class Layout:
    """Row and cluster layout of the DOT text (see the module docstring for what it reads)."""

    nodes: dict
    edges: dict
    inputs_of: dict
    degree: dict
    types: dict

    def side_rows(self) -> dict:
        """Container -> rows of DOT ids that share a rank: an op with its parameters and constants
        beside it, so the forward chain runs straight down (with them above the op, each module's
        cluster has to step aside from the previous one: a diagonal staircase).

        A side is an input that feeds this op alone, from its cluster: a parameter or constant,
        or the output of an op fed only by such inputs (batch norm's ``weight.reshape``), drawn
        as a short horizontal chain. Only ops that also have a chain input get a row."""
        container = {e[0]: c for c, entries in self.nodes.items() for e in entries}
        rows: dict = {}
        self.row_pos: dict = {}  # DOT id in a row -> (row number, place from the left)
        for op_id, ins in self.inputs_of.items():
            where = container.get(op_id, False)
            if where is False:
                continue
            units = [u for u in (self.side_unit(i, where, container) for i in ins) if u]
            chained = {u[-1] for u in units}
            if not units or not any(i[0] in "tm" and i not in chained for i in ins):
                continue
            for unit in units:  # a top-level constant (a dropout mask) joins its one op's cluster
                for i in unit:
                    if container[i] != where:
                        entry = next(e for e in self.nodes[None] if e[0] == i)
                        self.nodes[None].remove(entry)
                        self.nodes.setdefault(where, []).append(entry)
                        container[i] = where
            left, right = units[::2], units[1::2]  # weight left, bias right: the op stays centred
            if len(right) < len(left):
                # an invisible twin of the last left side balances the row, else the op sits at
                # the cluster's edge and the chain below shifts by half a box
                twin = []
                for i in left[-1]:
                    _, label, attrs = next(e for e in self.nodes[where] if e[0] == i)
                    twin.append(f"{op_id}_pad{len(twin)}")
                    self.nodes[where].append((twin[-1], label, {"shape": attrs.get("shape", "box"), "style": "invis"}))
                for a, b in zip([op_id, *twin], twin):
                    self.edges[(a, b)] = {"style": "invis"}
                right.append(twin[::-1])
            row = [i for unit in left for i in unit] + [op_id] + [i for unit in right for i in unit[::-1]]
            number = len(self.row_pos)
            self.row_pos.update({i: (number, k) for k, i in enumerate(row)})
            rows.setdefault(where, []).append(row)
        return rows

    def side_unit(self, i: str, where, container) -> list:
        """``[i]`` for a parameter or constant feeding one op; ``[its inputs..., producer, i]`` for
        a tensor made from those alone; else []."""
        def alone(j):
            return j[0] in "vc" and self.degree.get(j) == 1 and container.get(j, False) in (where, None)

        if alone(i):
            return [i]
        producer = "op" + i[1:]
        if i[0] != "t" or "_" in i or self.degree.get(i) != 1 or container.get(producer) != where:
            return []
        ins = self.inputs_of.get(producer, [])
        return [*ins, producer, i] if ins and all(alone(j) for j in ins) else []

    def edge_line(self, src: str, dst: str, attrs: dict) -> str:
        """One DOT edge; an edge inside a row is written left to right (dot orders a rank by its
        edges' tails and heads) and drawn with ``dir=back`` where that reverses it."""
        a, b = self.row_pos.get(src), self.row_pos.get(dst)
        if a is not None and b is not None and a[0] == b[0] and a[1] > b[1]:
            src, dst, attrs = dst, src, {**attrs, "dir": "back"}
        return f"\t{src} -> {dst}{attr_text(attrs)}\n"

    def cluster_lines(self, rows: dict) -> list[str]:
        """Nested ``subgraph cluster_n { ... }`` blocks, one per module path that holds nodes."""
        children: dict = {}
        for path in list(self.nodes):
            while path:
                parent = path.rpartition(".")[0]
                siblings = children.setdefault(parent, [])
                if path in siblings:
                    break
                siblings.append(path)
                path = parent
        lines: list[str] = []
        stack = [(p, 1, False) for p in reversed(sorted(children.get("", ())))]
        number = 0
        while stack:
            path, depth, closing = stack.pop()
            indent = "\t" * depth
            if closing:
                lines.append(f"{indent}}}\n")
                continue
            kind = self.types.get(path)
            label = dot_text(path) + (f" ({kind})" if kind else "")
            lines.append(f"{indent}subgraph cluster_{number} {{\n")
            number += 1
            lines.append(f'{indent}\tgraph [label="{quoted(label)}"{attr_text(CLUSTER_STYLE, bracket=False)}]\n')
            lines += [node_line(n, indent + "\t") for n in self.nodes.get(path, ())]
            lines += [row_line(row, indent + "\t") for row in rows.get(path, ())]
            stack.append((path, depth, True))
            stack += [(p, depth + 1, False) for p in reversed(sorted(children.get(path, ())))]
        return lines


def quoted(text: str) -> str:
    """Text for inside a DOT double-quoted string (escape sequences like \\n already in place)."""
    return text.replace('"', '\\"')


def attr_text(attrs: dict, bracket: bool = True) -> str:
    if not attrs:
        return ""
    inner = " ".join(f'{k}="{quoted(str(v))}"' for k, v in attrs.items())
    return f" [{inner}]" if bracket else " " + inner


def row_line(row: list, indent: str) -> str:
    return f"{indent}{{rank=same; {'; '.join(row)}}}\n"


def node_line(entry: tuple, indent: str) -> str:
    dot_id, label, attrs = entry
    return f'{indent}{dot_id} [label="{quoted(label)}"{attr_text(attrs, bracket=False)}]\n'
