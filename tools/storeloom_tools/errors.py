"""The one error the tooling reports to a person: a single line that names the flag or field at fault."""

from __future__ import annotations


class CliError(Exception):
    """A one-line reason, naming the field at fault, printed instead of a traceback.

    ``status`` is the exit status: 2 (the default) for input the command refuses, 1 for input it accepts
    but that yields nothing to print (as grep exits 1 when nothing matches).
    """

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status
