"""Column mapping: which input columns become a record's id, text, kind, title, year, ...

Given on the command line (``--text-col title --text-col summary --id-col nr --kind startup``)
or in a YAML file (``--mapping map.yaml``)::

    text: [title, summary]        # one column or several, joined in this order
    id: project_nr                # optional; default "<file stem>:<row>"
    title: title                  # optional
    kind: startup                 # a constant: project | publication | wbso | startup | other
    # kind_column: type           # ... or a column, with optional extra value names:
    # kind_values: {Start-up: startup, Publicatie: publication}
    year: start_date              # a year, a date, or text holding a year
    organisations: partners       # names separated by ';' or '|'
    organisations_sep: ";"
    passthrough: all              # all | none | [col, col, ...]
    # how to read the file (all optional, sniffed otherwise):
    sheet: Export
    header_row: 3
    encoding: cp1252
    delimiter: ";"
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..config import read_yaml_file
from ..errors import ConfigError
from ..records import KINDS
from .readers import ReadOptions

#: Names of the kind values users write, mapped onto oi_text's kinds.
KIND_SYNONYMS: dict[str, str] = {
    "project": "project",
    "projects": "project",
    "projecten": "project",
    "research project": "project",
    "onderzoeksproject": "project",
    "publication": "publication",
    "publications": "publication",
    "publicatie": "publication",
    "publicaties": "publication",
    "paper": "publication",
    "article": "publication",
    "artikel": "publication",
    "wbso": "wbso",
    "s&o": "wbso",
    "wbso-aanvraag": "wbso",
    "startup": "startup",
    "start-up": "startup",
    "start up": "startup",
    "startups": "startup",
    "start-ups": "startup",
    "scale-up": "startup",
    "scaleup": "startup",
    "bedrijf": "startup",
    "company": "startup",
    "other": "other",
    "overig": "other",
    "anders": "other",
}

#: Column names tried, in order, when no text column is given.
TEXT_COLUMN_GUESSES = (
    "text",
    "tekst",
    "description",
    "omschrijving",
    "beschrijving",
    "summary",
    "samenvatting",
    "abstract",
    "objective",
    "long_description",
)


def guess_text_column(columns: Any) -> str | None:
    """The first of :data:`TEXT_COLUMN_GUESSES` among ``columns`` (case-insensitive), or None."""
    lower = {str(c).casefold(): c for c in columns}
    return next((lower[g] for g in TEXT_COLUMN_GUESSES if g in lower), None)


def _as_tuple(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"mapping key {key!r}: expected a column name or a list of names, got {value!r}")


@dataclass
class ColumnMapping:
    """Which input columns make up a record. See the module docstring for the YAML form.

    Examples
    --------
    >>> m = ColumnMapping(text=("title", "summary"), id="nr", kind="project")
    >>> m.columns_used()
    ['title', 'summary', 'nr']
    """

    text: tuple[str, ...] = ()
    id: str | None = None
    title: str | None = None
    kind: str | None = None
    kind_column: str | None = None
    kind_values: dict[str, str] = field(default_factory=dict)
    year: str | None = None
    organisations: str | None = None
    organisations_sep: str = ";|"
    passthrough: str | tuple[str, ...] = "all"

    def validate(self) -> ColumnMapping:
        """Check values that do not depend on the input file; returns ``self``."""
        if self.kind is not None and self.kind_column is not None:
            raise ConfigError("give either 'kind' (a constant) or 'kind_column', not both")
        if self.kind is not None:
            k = KIND_SYNONYMS.get(self.kind.strip().casefold())
            if k is None:
                raise ConfigError(
                    f"unknown kind {self.kind!r}; expected one of {', '.join(KINDS)} "
                    "(or use kind_column to read it from a column)"
                )
            self.kind = k
        for raw, kind in self.kind_values.items():
            if kind not in KINDS:
                raise ConfigError(
                    f"kind_values: {raw!r} maps to {kind!r}, which is not one of {', '.join(KINDS)}"
                )
        if isinstance(self.passthrough, str) and self.passthrough not in ("all", "none"):
            self.passthrough = (self.passthrough,)
        if not self.organisations_sep:
            raise ConfigError("organisations_sep must name at least one separator character")
        return self

    def columns_used(self) -> list[str]:
        """Every input column the mapping names, in order, without repeats."""
        cols = [*self.text, self.id, self.title, self.kind_column, self.year, self.organisations]
        out: list[str] = []
        for c in cols:
            if c and c not in out:
                out.append(c)
        return out

    def kind_of(self, value: Any) -> str | None:
        """Map a cell of the kind column onto a kind; ``None`` when unknown."""
        if value is None:
            return None
        raw = str(value).strip()
        if raw in self.kind_values:
            return self.kind_values[raw]
        return KIND_SYNONYMS.get(raw.casefold())


_READ_KEYS = {"format", "encoding", "delimiter", "sheet", "header_row"}
_ALIASES = {"text_columns": "text", "id_column": "id", "title_column": "title", "year_column": "year",
            "organisations_column": "organisations", "organizations": "organisations",
            "organizations_sep": "organisations_sep", "kind_col": "kind_column"}


def load_mapping(path: str | Path) -> tuple[ColumnMapping, ReadOptions]:
    """Read a YAML mapping file into a :class:`ColumnMapping` and :class:`ReadOptions`."""
    path = Path(path)
    data = read_yaml_file(path, "mapping")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys (text:, id:, kind:, ...), got {type(data).__name__}")
    return mapping_from_dict(data, source=str(path))


def mapping_from_dict(data: dict[str, Any], source: str = "mapping") -> tuple[ColumnMapping, ReadOptions]:
    """Build a mapping and read options from a plain dict (the parsed YAML)."""
    known = {f.name for f in fields(ColumnMapping)}
    kwargs: dict[str, Any] = {}
    read: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = _ALIASES.get(str(raw_key), str(raw_key))
        if key in _READ_KEYS:
            read[key] = value
        elif key in known:
            kwargs[key] = value
        else:
            close = difflib.get_close_matches(key, sorted(known | _READ_KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{source}: unknown key {raw_key!r}{hint} Known keys: "
                f"{', '.join(sorted(known | _READ_KEYS))}"
            )
    if "text" in kwargs:
        kwargs["text"] = _as_tuple(kwargs["text"], "text")
    for key in ("id", "title", "kind", "kind_column", "year", "organisations"):
        if key in kwargs and kwargs[key] is not None and not isinstance(kwargs[key], str):
            raise ConfigError(f"{source}: {key!r} must be one column name (text), got {kwargs[key]!r}")
    if "kind_values" in kwargs and not isinstance(kwargs["kind_values"], dict):
        raise ConfigError(f"{source}: 'kind_values' must map cell values to kinds, got {kwargs['kind_values']!r}")
    if "passthrough" in kwargs and isinstance(kwargs["passthrough"], list):
        kwargs["passthrough"] = _as_tuple(kwargs["passthrough"], "passthrough")
    header_row = read.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise ConfigError(f"{source}: 'header_row' must be a row number >= 1, got {read['header_row']!r}")
    return ColumnMapping(**kwargs).validate(), ReadOptions(**read)
