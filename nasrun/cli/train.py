"""``nasrun-train``: train one architecture from scratch (the evaluation phase of a NAS paper).

It is ``nasrun`` with one trial: the given architecture (a zoo name or the space's string) is
the study's first trial, trained by ``estimator=low_fidelity`` for the trainer's full schedule,
and written as the same results contract. A zoo name also selects its space when no
``space=`` is given, so ``nasrun-train arch=darts_v2`` works as typed.
"""

from __future__ import annotations

import sys

from nasrun.cli import run
from nasrun.cli.train_args import check_space_given, train_arguments, train_help


def main() -> None:
    args = sys.argv[1:]
    if {"-h", "--help"} & set(args):
        sys.stdout.write(train_help())
        return
    check_space_given(args)
    sys.argv = [sys.argv[0], *train_arguments(args)]
    run.main()


if __name__ == "__main__":
    main()
