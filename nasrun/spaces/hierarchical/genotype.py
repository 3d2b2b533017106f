"""A hierarchical architecture as plain data: the op on every edge of every motif.

Level 2 holds ``num_motifs`` motifs, small DAGs of ``motif_nodes`` nodes whose edges hold a
level-1 primitive; level 3 is the cell, a DAG of ``cell_nodes`` nodes whose edges hold a
level-2 motif (``m0``, ``m1``, ...) or ``none``. Edges run from every node to every later
node, in the order (0,1), (0,2), (1,2), (0,3), ... . One decision per (level, motif, edge), so
changing one decision is the paper's mutation.

String form, one ``name=op,op,...`` token per motif, level 2 first, then the cell::

    m0=conv_1x1,identity,sep_conv_3x3 m1=none,max_pool_3x3,dw_conv_3x3 cell=m0,none,m1
"""

from __future__ import annotations

from nasrun.errors import NasrunError
from nasrun.spaces.arch import Arch, Decision

CELL = "cell"


def edges(nodes: int) -> list[tuple[int, int]]:
    """(from, to) for every edge of a DAG of ``nodes`` nodes, node by node."""
    return [(i, j) for j in range(1, nodes) for i in range(j)]


def motif_names(num_motifs: int) -> tuple[str, ...]:
    return tuple(f"m{m}" for m in range(num_motifs))


def decisions(
    num_motifs: int, motif_nodes: int, cell_nodes: int, primitives: tuple[str, ...]
) -> list[Decision]:
    out = [
        Decision(f"{motif}_{i}_{j}", primitives)
        for motif in motif_names(num_motifs)
        for i, j in edges(motif_nodes)
    ]
    cell_choices = (*motif_names(num_motifs), "none")
    return out + [Decision(f"{CELL}_{i}_{j}", cell_choices) for i, j in edges(cell_nodes)]


def split(arch: Arch, num_motifs: int, motif_nodes: int) -> tuple[list[tuple[str, ...]], tuple]:
    """``arch`` as (the ops of each level-2 motif, the motifs on the cell's edges)."""
    per_motif = len(edges(motif_nodes))
    motifs = [tuple(arch[m * per_motif : (m + 1) * per_motif]) for m in range(num_motifs)]
    return motifs, tuple(arch[num_motifs * per_motif :])


def to_string(arch: Arch, num_motifs: int, motif_nodes: int) -> str:
    motifs, cell = split(arch, num_motifs, motif_nodes)
    tokens = [
        f"{name}={','.join(ops)}" for name, ops in zip(motif_names(num_motifs), motifs, strict=True)
    ]
    return " ".join([*tokens, f"{CELL}={','.join(cell)}"])


def from_string(text: str, num_motifs: int) -> Arch:
    """Parses :func:`to_string`'s form (values are checked by the space)."""
    expected = [*motif_names(num_motifs), CELL]
    tokens = text.split()
    names = [token.partition("=")[0] for token in tokens]
    if names != expected or any("=" not in token for token in tokens):
        raise NasrunError(
            f"hierarchical: expected {' '.join(n + '=op,...' for n in expected)}, got {text!r}"
        )
    return tuple(op for token in tokens for op in token.partition("=")[2].split(","))
