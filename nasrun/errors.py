"""The one exception type for mistakes a user can make (bad config, missing files, ...).

The CLI turns it into a single line on stderr and a non-zero exit; anything else is a bug
and keeps its traceback.
"""


class NasrunError(Exception):
    """A user-facing error: its message is printed as one line, without a traceback."""
