"""One exception hierarchy for oi_text.

Every message says what was expected, what was received, where (file, row, column) and what to
do. The library raises; only :mod:`oi_text.cli` prints and exits.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence


class OiTextError(Exception):
    """Base class of every error oi_text raises on purpose."""


class InputError(OiTextError):
    """An input file cannot be read (missing, unsupported format, unreadable)."""


class SchemaError(InputError):
    """The input's columns do not match what was asked for (e.g. a missing text column)."""


class RowErrors(InputError):
    """Rows of an input broke a rule whose policy is ``fail`` (e.g. duplicate ids).

    Attributes
    ----------
    issues : list
        The :class:`oi_text.ingest.Issue` objects that caused the failure (at most a few
        hundred are kept).
    """

    def __init__(self, message: str, issues: Sequence[object] = ()):
        super().__init__(message)
        self.issues = list(issues)


class ConfigError(OiTextError):
    """A setting, mapping file or taxonomy file is invalid."""


class MissingDependencyError(OiTextError, ImportError):
    """An optional dependency is not installed; the message names the pip command."""


class ModelError(OiTextError):
    """A model directory is missing, corrupt, or does not match the data it is used with."""


def format_columns(columns: Sequence[str], limit: int = 30) -> str:
    """Render a list of column names for an error message."""
    shown = ", ".join(repr(c) for c in list(columns)[:limit])
    more = len(columns) - limit
    return shown + (f" ... (+{more} more)" if more > 0 else "")


def did_you_mean(name: str, ids: Sequence[str]) -> str:
    """``"; did you mean 'ai'?"`` for a mistyped ecosystem id (case first, then spelling), or ""."""
    ids = list(dict.fromkeys(ids))
    same_case = [i for i in ids if i.casefold() == str(name).strip().casefold()]
    close = same_case or difflib.get_close_matches(str(name).strip().casefold(), ids, n=3)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""
