"""Seed keywords -> matches, explanations and suggested terms.

- :mod:`~oi_text.keywords.taxonomy`: the ecosystems and their terms (YAML, validated);
- :mod:`~oi_text.keywords.terms`: the term syntax (Dutch compounds explicit per term);
- :mod:`~oi_text.keywords.matcher`: fast matching with explanations and exclusions;
- :mod:`~oi_text.keywords.expand`: Word2Vec and embedding suggestions with their evidence.
"""

from .matcher import EcosystemMatch, Hit, KeywordMatcher
from .taxonomy import (
    Ecosystem,
    Taxonomy,
    default_taxonomy_path,
    load_taxonomy,
    save_taxonomy,
    validate,
)
from .terms import Term, parse_term

__all__ = [
    "Ecosystem",
    "EcosystemMatch",
    "Hit",
    "KeywordMatcher",
    "Taxonomy",
    "Term",
    "default_taxonomy_path",
    "load_taxonomy",
    "parse_term",
    "save_taxonomy",
    "validate",
]
