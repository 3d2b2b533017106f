"""The exceptions the CLI turns into one line on stderr and a non-zero exit: a mistake a user
can make (bad config, missing files, ...) and a termination signal. Anything else is a bug and
keeps its traceback.
"""

import signal


class NasrunError(Exception):
    """A user-facing error: its message is printed as one line, without a traceback."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, SLURM pre-emption, ``kill``) raised in the main thread.

    A ``KeyboardInterrupt``, so that everything that handles Ctrl-C handles it the same way:
    Optuna marks the running trial FAIL and re-raises, the run writes its tables, the CLI exits
    (with 143, the shell's code for SIGTERM, instead of Ctrl-C's 130).
    """

    def __init__(self) -> None:
        super().__init__("terminated (SIGTERM)")


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` in the main thread, once: a second
    SIGTERM kills at once (the default), as a second signal is meant to."""

    def terminate(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """The shell's code for the signal behind ``interrupt``: 143 for SIGTERM, 130 for Ctrl-C."""
    return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)
