"""The one error the tooling reports to a person: a single line that names the flag or field at fault."""

from __future__ import annotations


class CliError(Exception):
    """A one-line reason, naming the field at fault, printed instead of a traceback."""
