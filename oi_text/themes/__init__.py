"""Bottom-up themes: what a corpus is about, found from the texts alone, with an honest verdict.

Two routes, one result type:

- embeddings -> :class:`~oi_text.themes.cluster.UmapReducer` -> HDBSCAN
  (:class:`~oi_text.themes.cluster.HdbscanClusterer`; or k-means), described by class-based
  TF-IDF terms (:mod:`oi_text.themes.represent`);
- tokens -> LDA (:class:`~oi_text.themes.lda.LdaThemes`, k by a coherence sweep).

Both start from texts without their boilerplate (:class:`~oi_text.themes.prepare.BoilerplateRemover`)
and end in :class:`~oi_text.themes.quality.Quality` with a verdict: *distinct*, *weak* or *not
supported by this data*. :func:`~oi_text.themes.against.hold_against` sets the themes beside the
taxonomy's ecosystems.

Typical use::

    from oi_text.themes import find_themes, ThemeSettings
    result = find_themes(texts, vectors=X, settings=ThemeSettings(method="umap-hdbscan"))
    print(result.quality.verdict_line())
"""

from __future__ import annotations

from .against import TaxonomyView, hold_against
from .cluster import EmbeddingThemes, HdbscanClusterer, KMeansClusterer, NoReduction, UmapReducer
from .lda import LdaThemes
from .model import METHODS, MIN_DOCUMENTS, Theme, ThemeResult, ThemeSettings, find_themes
from .prepare import BoilerplateRemover, Tokens
from .quality import VERDICT_THRESHOLDS, Quality

__all__ = [
    "METHODS",
    "MIN_DOCUMENTS",
    "VERDICT_THRESHOLDS",
    "BoilerplateRemover",
    "EmbeddingThemes",
    "HdbscanClusterer",
    "KMeansClusterer",
    "LdaThemes",
    "NoReduction",
    "Quality",
    "TaxonomyView",
    "Theme",
    "ThemeResult",
    "ThemeSettings",
    "Tokens",
    "UmapReducer",
    "find_themes",
    "hold_against",
]
