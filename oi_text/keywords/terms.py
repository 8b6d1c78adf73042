"""Keyword term syntax, Dutch-compound aware.

Matching is case- and accent-insensitive on whole words unless a marker says otherwise;
hyphenated words count as separate words ("ai" matches "AI-gedreven"), and a term's own hyphens
match a hyphen or a space ("3d-printing" matches "3D printing").

============================  =====================================================================
``kunstmatige intelligentie``  words or a phrase, whole words only
``quantum*``                   any word starting with the prefix (quantumcomputer, quantumtechnologie)
``waterstof+``                 the word alone, or as the first part of a compound (waterstofproductie)
``+zuivering``                 the word alone, or as the last part of a compound (afvalwaterzuivering)
``+membraan+``                 the word anywhere inside a compound (keramischemembraanfilter);
                               ``+membraan*`` means the same
``=AI``                        case-sensitive whole word (acronyms: ``=ML`` is not "ml")
``re:<regex>``                 a regular expression on the original text (escape hatch)
============================  =====================================================================

Compound handling is explicit per term: plain ``water`` matches only "water", never
"waterstof"; ``waterstof+`` matches "waterstofproductie".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import ConfigError
from ..text import fold

PartKind = Literal["word", "prefix", "head", "tail", "infix", "case"]

_PART_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TokenPattern:
    """How one word of a term matches one word of a text."""

    kind: PartKind
    text: str  # folded, except for "case"

    def matches(self, folded: str, original: str) -> bool:
        k, t = self.kind, self.text
        if k == "word":
            return folded == t
        if k == "case":
            return original == t
        if k == "prefix" or k == "head":
            return folded.startswith(t)
        if k == "tail":
            return folded.endswith(t)
        return t in folded  # infix


@dataclass(frozen=True)
class Term:
    """A parsed keyword term."""

    raw: str
    patterns: tuple[TokenPattern, ...]
    regex: re.Pattern | None = None

    @property
    def is_regex(self) -> bool:
        return self.regex is not None


def split_parts(text: str) -> list[tuple[int, int, str]]:
    """Word parts of ``text`` with their character spans (hyphens and apostrophes split)."""
    return [(m.start(), m.end(), m.group()) for m in _PART_RE.finditer(text)]


def parse_term(raw: object, where: str = "") -> Term:
    """Parse one term; raises :class:`ConfigError` naming ``where`` when it is malformed."""
    if not isinstance(raw, str) or not raw.strip():
        raise ConfigError(f"{where}: a term must be non-empty text, got {raw!r}")
    s = raw.strip()
    if s.startswith("re:"):
        try:
            return Term(raw, (), re.compile(s[3:], re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"{where}: term {raw!r} is not a valid regular expression ({exc})") from None
    if s.startswith("="):
        if any(c in s[1:] for c in "*+"):
            raise ConfigError(
                f"{where}: term {raw!r}: a case-sensitive term ('=') is a whole word or phrase; it "
                "takes no '*' or '+' (write the variants out, or use 're:' for a pattern)"
            )
        words = [w for _, _, w in split_parts(s[1:])]
        if not words:
            raise ConfigError(f"{where}: term {raw!r} has no word after '='")
        return Term(raw, tuple(TokenPattern("case", w) for w in words))
    lead = s.startswith("+")
    trail = s.endswith("+")
    star = s.endswith("*")
    if star and trail:
        raise ConfigError(f"{where}: term {raw!r}: use either '*' or '+' at the end, not both")
    core = s[1 if lead else 0 : len(s) - (1 if (trail or star) else 0)]
    if "*" in core or "+" in core:
        raise ConfigError(
            f"{where}: term {raw!r}: '*' and '+' are only allowed at the start ('+') or end ('*', '+') "
            "of a term; see the term syntax in oi_text/keywords/terms.py"
        )
    words = [fold(w) for _, _, w in split_parts(core)]
    if not words:
        raise ConfigError(f"{where}: term {raw!r} has no letters or digits")
    patterns = [TokenPattern("word", w) for w in words]
    if len(words) == 1 and lead and (trail or star):
        # "+membraan+" and "+membraan*": the word anywhere inside a word
        patterns[0] = TokenPattern("infix", words[0])
    else:
        if lead:
            patterns[0] = TokenPattern("tail", words[0])
        if trail:
            patterns[-1] = TokenPattern("head", words[-1])
        if star:
            patterns[-1] = TokenPattern("prefix", words[-1])
    if any(p.kind in ("prefix", "head", "tail", "infix") and len(p.text) < 3 for p in patterns):
        raise ConfigError(
            f"{where}: term {raw!r}: a prefix or compound part needs at least 3 letters "
            "(it would match far too many words)"
        )
    return Term(raw, tuple(patterns))
