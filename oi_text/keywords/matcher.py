"""Fast keyword matching with explanations: which terms hit where, per ecosystem.

The matcher indexes every term by its first word (exact words in a dict, prefixes and compound
heads/tails by their length), so a text costs a few dictionary lookups per word whatever the
number of terms.

Decision rule (the keyword-only baseline and the source of weak labels): an ecosystem matches a
text when at least one of its terms hits and, if one of its *exclusion* terms also hits, at least
``override`` (default 2) distinct terms hit (distinct pieces of evidence: two terms hitting the
same words count once, see :attr:`EcosystemMatch.n_terms`). "AI-powered app voor sportscholen" (term "ai",
exclusion "app") does not match AI; "deep learning for computer vision, also as an app" does.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..text import fold
from .terms import Term, TokenPattern, parse_term, split_parts

#: {ecosystem: {"include": [term, ...], "exclude": [term, ...]}}
KeywordSpec = Mapping[str, Mapping[str, Sequence[str]]]


@dataclass(frozen=True)
class Hit:
    """One term hitting one span of a text."""

    ecosystem: str
    term: str
    start: int
    end: int
    text: str
    exclude: bool = False


@dataclass
class EcosystemMatch:
    """All hits of one ecosystem in one text, and the decision."""

    ecosystem: str
    hits: list[Hit] = field(default_factory=list)
    excluded_by: list[Hit] = field(default_factory=list)
    override: int = 2

    @property
    def terms(self) -> list[str]:
        """Distinct include terms that hit, in order of first hit."""
        return list(dict.fromkeys(h.term for h in self.hits))

    @property
    def n_terms(self) -> int:
        """Distinct pieces of evidence, not distinct patterns: the hits are grouped into places
        (overlapping spans), each place stands for the set of terms that hit it, and the count
        is the number of different sets, leaving out a set contained in another. So "sensors"
        hit by both ``sensors`` and ``+sensor+`` is one piece, "sensor ... sensors" too (the
        first set is inside the second), and "quantum computer ... quantum sensing" two
        (``quantum*`` hits both, but each adds a term of its own)."""
        places: list[set[str]] = []
        end = -1
        for h in sorted(self.hits, key=lambda h: (h.start, h.end)):
            if h.start < end:
                places[-1].add(h.term)
                end = max(end, h.end)
            else:
                places.append({h.term})
                end = h.end
        distinct = {frozenset(p) for p in places}
        return sum(1 for p in distinct if not any(p < q for q in distinct))

    @property
    def matched(self) -> bool:
        if not self.hits:
            return False
        return not self.excluded_by or self.n_terms >= self.override

    @property
    def score(self) -> float:
        """Distinct terms, plus a little for repeats; halved when an exclusion hits."""
        s = self.n_terms + 0.1 * min(max(len(self.hits) - self.n_terms, 0), 5)
        return s / 2 if self.excluded_by else s

    def explain(self) -> str:
        if not self.hits:
            return f"{self.ecosystem}: no terms"
        parts = [f"{h.term!r}@{h.start}:{h.text!r}" for h in self.hits]
        out = f"{self.ecosystem}: {'MATCH' if self.matched else 'no match'}; hits " + ", ".join(parts)
        if self.excluded_by:
            out += "; excluded by " + ", ".join(f"{h.term!r}@{h.start}:{h.text!r}" for h in self.excluded_by)
        return out


class KeywordMatcher:
    """Match texts against ecosystem keyword lists.

    Parameters
    ----------
    keywords : mapping
        ``{ecosystem: {"include": [terms], "exclude": [terms]}}`` in the syntax of
        :mod:`oi_text.keywords.terms`.
    override : int
        Distinct include terms that outweigh an exclusion hit.

    Examples
    --------
    >>> m = KeywordMatcher({"hydrogen": {"include": ["waterstof+", "electrolys*"]},
    ...                     "water-technology": {"include": ["drinkwater", "+zuivering"]}})
    >>> r = m.match("Waterstofproductie naast de waterzuivering in Delfzijl")
    >>> sorted(e for e, x in r.items() if x.matched)
    ['hydrogen', 'water-technology']
    >>> m.match("Water en waterbeheer")["hydrogen"].matched
    False
    """

    def __init__(self, keywords: KeywordSpec, override: int = 2) -> None:
        self.override = override
        self.ecosystems = list(keywords)
        self._exact: dict[str, list[tuple[int, Term, str, bool]]] = defaultdict(list)
        self._case: dict[str, list[tuple[int, Term, str, bool]]] = defaultdict(list)
        self._starts: dict[int, dict[str, list[tuple[int, Term, str, bool]]]] = defaultdict(lambda: defaultdict(list))
        self._ends: dict[int, dict[str, list[tuple[int, Term, str, bool]]]] = defaultdict(lambda: defaultdict(list))
        self._infix: list[tuple[int, Term, str, bool]] = []
        self._regex: list[tuple[Term, str, bool]] = []
        self.terms: dict[str, dict[str, list[str]]] = {}
        for eco, spec in keywords.items():
            self.terms[eco] = {"include": [], "exclude": []}
            for role in ("include", "exclude"):
                for raw in spec.get(role, []) or []:
                    term = parse_term(raw, f"ecosystem {eco!r}, {role}")
                    self.terms[eco][role].append(term.raw)
                    entry = (0, term, eco, role == "exclude")
                    if term.is_regex:
                        self._regex.append((term, eco, role == "exclude"))
                        continue
                    first: TokenPattern = term.patterns[0]
                    if first.kind == "word":
                        self._exact[first.text].append(entry)
                    elif first.kind == "case":
                        self._case[first.text].append(entry)
                    elif first.kind in ("prefix", "head"):
                        self._starts[len(first.text)][first.text].append(entry)
                    elif first.kind == "tail":
                        self._ends[len(first.text)][first.text].append(entry)
                    else:
                        self._infix.append(entry)
        self._start_lengths = sorted(self._starts)
        self._end_lengths = sorted(self._ends)
        self._infix_re = (
            re.compile("|".join(sorted({re.escape(t.patterns[0].text) for _, t, _, _ in self._infix}, key=len, reverse=True)))
            if self._infix else None
        )

    def _candidates(self, folded: str, original: str) -> Iterable[tuple[int, Term, str, bool]]:
        yield from self._exact.get(folded, ())
        yield from self._case.get(original, ())
        n = len(folded)
        for length in self._start_lengths:
            if length > n:
                break
            yield from self._starts[length].get(folded[:length], ())
        for length in self._end_lengths:
            if length > n:
                break
            yield from self._ends[length].get(folded[n - length :], ())
        if self._infix_re is not None and self._infix_re.search(folded):
            yield from self._infix

    def hits(self, text: str) -> list[Hit]:
        """Every hit (include and exclude) in ``text``, in text order."""
        parts = split_parts(text)
        folded = [fold(p) for _, _, p in parts]
        out: list[Hit] = []
        for i, (start, _end, original) in enumerate(parts):
            for _, term, eco, excl in self._candidates(folded[i], original):
                pats = term.patterns
                if i + len(pats) > len(parts):
                    continue
                if all(p.matches(folded[i + j], parts[i + j][2]) for j, p in enumerate(pats)):
                    end = parts[i + len(pats) - 1][1]
                    out.append(Hit(eco, term.raw, start, end, text[start:end], excl))
        for term, eco, excl in self._regex:
            for m in term.regex.finditer(text):  # type: ignore[union-attr]
                out.append(Hit(eco, term.raw, m.start(), m.end(), m.group(), excl))
        out.sort(key=lambda h: (h.start, h.end))
        return out

    def match(self, text: str) -> dict[str, EcosystemMatch]:
        """Per ecosystem: hits, exclusions and the decision."""
        result = {eco: EcosystemMatch(eco, override=self.override) for eco in self.ecosystems}
        for h in self.hits(text):
            m = result[h.ecosystem]
            (m.excluded_by if h.exclude else m.hits).append(h)
        return result

    def match_many(self, texts: Iterable[str]) -> list[dict[str, EcosystemMatch]]:
        return [self.match(t) for t in texts]
