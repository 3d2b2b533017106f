"""An AutoML-Zero algorithm: three component functions of instructions, its printed form
(the authors' notation, ``instruction.cc`` ``ToString``) and the parser that reads it back.

An :class:`Instruction` is plain hashable data (op code, addresses, constants), so an
:class:`Algorithm` can be a dict key, a population member and a checkpoint entry as it is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from nasrun.automl_zero.ops import OPS, Op
from nasrun.errors import NasrunError

COMPONENTS = ("setup", "predict", "learn")
_NUMBER = r"([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan))"


class Instruction(NamedTuple):
    op: int
    in1: int = 0
    in2: int = 0
    out: int = 0
    data: tuple[float, ...] = ()

    def __str__(self) -> str:
        op = OPS[self.op]
        fields = {"out": self.out, "in1": self.in1, "in2": self.in2}
        fields |= {f"d{i}": repr(float(v)) for i, v in enumerate(self.data)}
        return op.template.format(**fields)


class Algorithm(NamedTuple):
    setup: tuple[Instruction, ...] = ()
    predict: tuple[Instruction, ...] = ()
    learn: tuple[Instruction, ...] = ()

    def code(self) -> str:
        """The program as the paper prints it: ``def Setup():`` then one instruction a line."""
        lines = []
        for name, body in zip(COMPONENTS, self, strict=True):
            lines.append(f"def {name.capitalize()}():")
            lines += [f"  {instruction}" for instruction in body] or ["  pass"]
        return "\n".join(lines) + "\n"

    def one_line(self) -> str:
        """The same program on one line (a table cell): ``def Setup(): a; b; def Predict(): ...``."""
        parts = []
        for name, body in zip(COMPONENTS, self, strict=True):
            parts.append(f"def {name.capitalize()}(): " + "; ".join(map(str, body)))
        return " ".join(parts).strip()

    def size(self) -> int:
        return sum(len(body) for body in self)


def _pattern(template: str) -> re.Pattern[str]:
    text = re.escape(template)
    for field in ("out", "in1", "in2"):
        text = text.replace(re.escape("{" + field + "}"), r"(?P<" + field + r">\d+)")
    for i in range(3):
        text = text.replace(re.escape(f"{{d{i}}}"), f"(?P<d{i}>" + _NUMBER[1:-1] + ")")
    return re.compile(r"\s*" + text.replace(r"\ ", r"\s*") + r"\s*")


# The README's human-designed regressor writes the scalar-vector product as ``v2 = v0 * s4``.
_ALIASES = {18: ["v{out} = v{in2} * s{in1}"]}
_PATTERNS: list[tuple[Op, re.Pattern[str]]] = [
    (op, _pattern(template)) for op in OPS for template in [op.template, *_ALIASES.get(op.code, [])]
]
_HEADER = re.compile(r"def\s+(setup|predict|learn)\s*\(\s*\)\s*:", re.IGNORECASE)


def parse_instruction(text: str) -> Instruction:
    """One instruction in the printed notation (e.g. ``s3 = s0 - s1``)."""
    text = text.split("#", 1)[0].strip()
    for op, pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            found = match.groupdict()
            data = tuple(float(found[f"d{i}"]) for i in range(op.data))
            return Instruction(
                op.code, int(found.get("in1") or 0), int(found.get("in2") or 0),
                int(found.get("out") or 0), data,
            )  # fmt: skip
    raise NasrunError(f"automl_zero: cannot read instruction {text!r}")


def parse_algorithm(text: str) -> Algorithm:
    """Reads :meth:`Algorithm.code` or :meth:`Algorithm.one_line` output back."""
    bodies: dict[str, list[Instruction]] = {name: [] for name in COMPONENTS}
    text = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    pieces = _HEADER.split(text)
    if pieces[0].split("#", 1)[0].strip():
        raise NasrunError("automl_zero: an algorithm starts with 'def Setup():'")
    for name, body in zip(pieces[1::2], pieces[2::2], strict=True):
        for line in body.splitlines():
            for statement in line.split("#", 1)[0].split(";"):
                if statement.strip() and statement.strip() != "pass":
                    bodies[name.lower()].append(parse_instruction(statement))
    return Algorithm(*(tuple(bodies[name]) for name in COMPONENTS))
