"""The ecosystem taxonomy: ids, labels, focus, players, seed keywords (NL + EN), exclusions,
nesting and overlaps. Stored as YAML (``models/taxonomy/ecosystems.yaml``), validated on load.

Schema (per ecosystem; ``id`` and ``label`` required)::

    - id: water-technology            # lowercase, hyphens; stable
      number: 20                      # Bijlage 1 ID of the Dialogic study, or null
      label: Water technology
      label_nl: Watertechnologie
      focus: ...
      regions: [...]
      players: [...]
      case_study: true
      parent: null                    # id of an ecosystem this one nests in
      overlaps: [delta-technology]
      description: ...
      keywords: {nl: [...], en: [...],
                 accepted: [{term, source, score, by, at, docs_added}]}   # from 'oi-text expand'
      exclude: {nl: [...], en: [...]}
      rejected: [{term, source, by, at}]                                  # never suggested again
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import read_yaml_file
from ..errors import ConfigError, did_you_mean
from .terms import parse_term

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KNOWN_KEYS = {"id", "number", "label", "label_nl", "focus", "regions", "players", "case_study",
               "parent", "overlaps", "description", "keywords", "exclude", "rejected"}
#: the case-study ecosystems of the Dialogic study (Bijlagen 3-10)
CASE_STUDIES = ("ai", "quantum", "nanotechnology", "big-science", "chemistry", "precision-agriculture",
                "water-technology", "regenerative-medicine")


def default_taxonomy_path() -> Path:
    """``models/taxonomy/ecosystems.yaml`` of the oi_text checkout."""
    return Path(__file__).resolve().parents[2] / "models" / "taxonomy" / "ecosystems.yaml"


@dataclass
class Ecosystem:
    id: str
    label: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def include_terms(self) -> list[str]:
        kw = self.data.get("keywords") or {}
        terms = list(kw.get("nl") or []) + list(kw.get("en") or [])
        terms += [a["term"] for a in kw.get("accepted") or []]
        return list(dict.fromkeys(terms))

    @property
    def exclude_terms(self) -> list[str]:
        ex = self.data.get("exclude") or {}
        return list(dict.fromkeys(list(ex.get("nl") or []) + list(ex.get("en") or [])))

    @property
    def rejected_terms(self) -> set[str]:
        return {r["term"] for r in self.data.get("rejected") or []}

    @property
    def parent(self) -> str | None:
        return self.data.get("parent")


@dataclass
class Taxonomy:
    """A validated taxonomy (see the module docstring for the YAML schema)."""

    ecosystems: list[Ecosystem]
    meta: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.ecosystems}

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.ecosystems]

    def __getitem__(self, eco_id: str) -> Ecosystem:
        try:
            return self._by_id[eco_id]
        except KeyError:
            raise ConfigError(f"no ecosystem {eco_id!r} in the taxonomy{did_you_mean(eco_id, self.ids)}") from None

    def __contains__(self, eco_id: object) -> bool:
        return eco_id in self._by_id

    def children(self, eco_id: str) -> list[str]:
        """Ecosystems nested in ``eco_id`` (directly or deeper)."""
        out: list[str] = []
        for e in self.ecosystems:
            cur = e.parent
            while cur is not None:
                if cur == eco_id:
                    out.append(e.id)
                    break
                cur = self[cur].parent
        return out

    def keyword_spec(self, ecosystems: list[str] | None = None,
                     nested: bool = True) -> dict[str, dict[str, list[str]]]:
        """``{id: {"include": [...], "exclude": [...]}}`` for :class:`KeywordMatcher`.

        With ``nested`` (default), an ecosystem's include terms also hold those of the
        ecosystems nested in it: a text about catalysis belongs to chemistry too.
        """
        ids = ecosystems or self.ids
        spec = {}
        for i in ids:
            include = list(self[i].include_terms)
            if nested:
                for child in self.children(i):
                    include += [t for t in self[child].include_terms if t not in include]
            spec[i] = {"include": include, "exclude": self[i].exclude_terms}
        return spec

    def hash(self) -> str:
        """Fingerprint of what changes classification: ids, terms, exclusions, nesting."""
        canon = [{"id": e.id, "include": e.include_terms, "exclude": e.exclude_terms,
                  "parent": e.parent} for e in self.ecosystems]
        return hashlib.sha256(json.dumps(canon, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta, "ecosystems": [copy.deepcopy(e.data) for e in self.ecosystems]}


def _err(source: str, where: str, msg: str) -> ConfigError:
    return ConfigError(f"{source}: {where}: {msg}")


def validate(data: Any, source: str = "taxonomy") -> Taxonomy:
    """Check a parsed taxonomy and build a :class:`Taxonomy`; every error names the place."""
    if not isinstance(data, dict) or not isinstance(data.get("ecosystems"), list):
        raise ConfigError(f"{source}: expected a mapping with an 'ecosystems:' list at the top")
    meta = {k: v for k, v in data.items() if k != "ecosystems"}
    ecos: list[Ecosystem] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data["ecosystems"]):
        where = f"ecosystem #{i + 1}"
        if not isinstance(item, dict):
            raise _err(source, where, f"expected a mapping of keys, got {type(item).__name__}")
        eco_id = item.get("id")
        if not isinstance(eco_id, str) or not ID_RE.match(eco_id):
            raise _err(source, where, f"'id' must be lowercase letters/digits with hyphens (e.g. 'water-technology'), got {eco_id!r}")
        where = f"ecosystem {eco_id!r}"
        if eco_id in seen:
            raise _err(source, where, f"duplicate id (also ecosystem #{seen[eco_id] + 1})")
        seen[eco_id] = i
        unknown = sorted(set(item) - _KNOWN_KEYS)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(_KNOWN_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _err(source, where, f"unknown key(s) {unknown}{hint}; known keys: {', '.join(sorted(_KNOWN_KEYS))}")
        if not isinstance(item.get("label"), str) or not item["label"].strip():
            raise _err(source, where, "'label' is required (text)")
        for key in ("regions", "players", "overlaps"):
            if item.get(key) is not None and not (isinstance(item[key], list) and all(isinstance(x, str) for x in item[key])):
                raise _err(source, where, f"'{key}' must be a list of text, got {item[key]!r}")
        for block in ("keywords", "exclude"):
            value = item.get(block) or {}
            if not isinstance(value, dict):
                raise _err(source, where, f"'{block}' must map languages (nl, en) to lists of terms")
            for lang, terms in value.items():
                if lang == "accepted" and block == "keywords":
                    if not isinstance(terms, list) or not all(isinstance(a, dict) and "term" in a for a in terms):
                        raise _err(source, where, "'keywords.accepted' must be a list of {term: ..., source: ...}")
                    for a in terms:
                        parse_term(a["term"], f"{source}: {where}, keywords.accepted")
                    continue
                if lang not in ("nl", "en"):
                    raise _err(source, where, f"'{block}' has language {lang!r}; use 'nl' and 'en'")
                if not isinstance(terms, list):
                    raise _err(source, where, f"'{block}.{lang}' must be a list of terms, got {type(terms).__name__}")
                dupes = sorted({t for t in terms if terms.count(t) > 1})
                if dupes:
                    raise _err(source, where, f"'{block}.{lang}' lists {dupes} twice")
                for t in terms:
                    parse_term(t, f"{source}: {where}, {block}.{lang}")
        ecos.append(Ecosystem(eco_id, item["label"], item))
    ids = set(seen)
    for e in ecos:
        for ref in [e.data.get("parent")] + list(e.data.get("overlaps") or []):
            if ref is not None and ref not in ids:
                close = difflib.get_close_matches(str(ref), sorted(ids), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise _err(source, f"ecosystem {e.id!r}", f"refers to unknown ecosystem {ref!r}{hint}")
    for e in ecos:  # no nesting cycles
        chain, cur = [e.id], e.parent
        while cur is not None:
            if cur in chain:
                raise _err(source, f"ecosystem {e.id!r}", f"parent chain loops: {' -> '.join(chain + [cur])}")
            chain.append(cur)
            cur = next(x for x in ecos if x.id == cur).parent
    return Taxonomy(ecos, meta)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy YAML (default: the one oi_text ships)."""
    path = Path(path) if path is not None else default_taxonomy_path()
    data = read_yaml_file(path, "taxonomy", "pass --taxonomy PATH")
    tax = validate(data, str(path))
    tax.path = path
    return tax


def save_taxonomy(tax: Taxonomy, path: str | Path | None = None) -> Path:
    """Write the taxonomy back as YAML (atomic replace)."""
    import os

    path = Path(path or tax.path or default_taxonomy_path())
    tmp = path.with_name(path.name + ".tmp")
    header = ("# oi_text ecosystem taxonomy. Edit by hand or with 'oi-text expand'; "
              "validated on load (oi_text/keywords/taxonomy.py).\n")
    tmp.write_text(header + yaml.safe_dump(tax.to_dict(), sort_keys=False, allow_unicode=True, width=100,
                                           default_flow_style=None),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path
