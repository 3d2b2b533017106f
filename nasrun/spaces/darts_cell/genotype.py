"""Cell genotypes in the DARTS code base's notation, read without ``eval``.

A genotype lists, for the normal and the reduction cell, two ``(op, input)`` pairs per node
(inputs 0 and 1 are the two previous cells' outputs, ``k >= 2`` is node ``k - 2``) and which
states are concatenated into the cell output::

    Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ...], normal_concat=[2, 3, 4, 5],
             reduce=[('max_pool_3x3', 0), ...], reduce_concat=[2, 3, 4, 5])

so the genotypes published with DARTS, PC-DARTS, GDAS and others paste in as printed
(``range(2, 6)`` is read too, and so is the nested ``(('op', 0), ('op', 1))`` form per node,
and AutoDL-Projects' trailing ``connectN=None, connects=None``).
A node that concatenates its two branches instead of adding them (a NASNet combine choice)
is listed in the optional ``normal_combine`` / ``reduce_combine``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from nasrun.errors import NasrunError

Pair = tuple[str, int]
CELLS = ("normal", "reduce")
COMBINES = ("add", "concat")
#: Fields AutoDL-Projects' genotypes (GDAS, Dong & Yang, CVPR 2019) print, accepted when None.
_EMPTY_EXTRAS = ("connectN", "connects")
_RANGE = re.compile(r"^range\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def unused_states(nodes: tuple[tuple[Pair, Pair], ...]) -> tuple[int, ...]:
    """The nodes that no later node reads (NASNet's rule for the cell output)."""
    used = {index for node in nodes for _, index in node}
    return tuple(k for k in range(2, 2 + len(nodes)) if k not in used)


@dataclass(frozen=True)
class CellGenotype:
    """One cell: per node two ``(op, input)`` pairs and a combine op; the concatenated states."""

    nodes: tuple[tuple[Pair, Pair], ...]
    concat: tuple[int, ...]
    combine: tuple[str, ...]  # one per node


@dataclass(frozen=True)
class Genotype:
    """A normal and a reduction cell in the notation of DARTS (Liu et al., ICLR 2019)."""

    normal: CellGenotype
    reduce: CellGenotype

    def cell(self, name: str) -> CellGenotype:
        return self.normal if name == "normal" else self.reduce

    def __str__(self) -> str:
        parts = []
        for name in CELLS:
            cell = self.cell(name)
            pairs = ", ".join(f"({op!r}, {index})" for node in cell.nodes for op, index in node)
            parts += [f"{name}=[{pairs}]", f"{name}_concat={list(cell.concat)}"]
        for name in CELLS:
            if any(c != "add" for c in self.cell(name).combine):
                parts.append(f"{name}_combine={list(self.cell(name).combine)}")
        return f"Genotype({', '.join(parts)})"

    @classmethod
    def parse(cls, text: str) -> Genotype:
        """Reads :meth:`__str__`'s notation; one :class:`NasrunError` line when malformed."""
        fields = _keyword_arguments(text)
        cells = {}
        for name in CELLS:
            if name not in fields:
                raise NasrunError(f"genotype: {name}=[...] is missing in {_short(text)}")
            nodes = _nodes(fields[name], name)
            concat = fields.get(f"{name}_concat", list(range(2, 2 + len(nodes))))
            combine = fields.get(f"{name}_combine", ["add"] * len(nodes))
            if not (isinstance(concat, list | tuple) and all(isinstance(k, int) for k in concat)):
                raise NasrunError(f"genotype: {name}_concat must be a list of node indices")
            if not (isinstance(combine, list | tuple) and len(combine) == len(nodes)):
                raise NasrunError(f"genotype: {name}_combine needs one entry per node")
            if any(c not in COMBINES for c in combine):
                raise NasrunError(f"genotype: {name}_combine entries must be one of {COMBINES}")
            for k, node in enumerate(nodes, start=2):
                if any(not 0 <= index < k for _, index in node):
                    raise NasrunError(f"genotype: node {k} of the {name} cell reads a later state")
            if any(not 0 <= k < 2 + len(nodes) for k in concat) or not concat:
                raise NasrunError(f"genotype: {name}_concat {list(concat)} names unknown states")
            cells[name] = CellGenotype(tuple(nodes), tuple(concat), tuple(combine))
        # GDAS' AutoDL-Projects prints its own fields, which are None for DARTS-style cells.
        ignored = {k for k in _EMPTY_EXTRAS if fields.get(k, 0) is None}
        known = {f"{c}{s}" for c in CELLS for s in ("", "_concat", "_combine")}
        unknown = set(fields) - known - ignored
        if unknown:
            raise NasrunError(f"genotype: unknown fields {', '.join(sorted(unknown))}")
        return cls(**cells)


def _keyword_arguments(text: str) -> dict[str, object]:
    match = re.fullmatch(r"\s*Genotype\s*\((.*)\)\s*", text, flags=re.DOTALL)
    if not match:
        raise NasrunError(f"genotype: expected 'Genotype(normal=[...], ...)', got {_short(text)}")
    fields: dict[str, object] = {}
    for argument in _split_top_level(match.group(1)):
        key, sep, value = argument.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier():
            raise NasrunError(f"genotype: expected name=value, got {_short(argument)}")
        ranged = _RANGE.match(value)
        try:
            fields[key] = (
                list(range(int(ranged[1]), int(ranged[2]))) if ranged else ast.literal_eval(value)
            )
        except (ValueError, SyntaxError):
            raise NasrunError(f"genotype: cannot read {key}={_short(value)}") from None
    return fields


def _split_top_level(text: str) -> list[str]:
    """Splits at commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _nodes(value: object, name: str) -> list[tuple[Pair, Pair]]:
    if not isinstance(value, list | tuple):
        raise NasrunError(f"genotype: {name} must be a list of (op, input) pairs")
    pairs = []
    for item in value:  # flat pairs, or D-X-Y's nested ((op, i), (op, j)) per node
        nested = isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], tuple)
        pairs += list(item) if nested else [item]
    ok = all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], int)
        for p in pairs
    )
    if not ok or len(pairs) % 2 or not pairs:
        raise NasrunError(f"genotype: {name} must list two (op, input) pairs per node")
    return [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
