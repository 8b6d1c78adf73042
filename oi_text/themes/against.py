"""Themes held against the taxonomy: which ecosystems each theme's documents are classified in,
which themes no ecosystem covers (candidate ecosystems), and which ecosystems no theme shows.

Takes plain data, the themes per document and a boolean matrix of classify decisions
(documents x ecosystems), so it does not depend on how the decisions were made. The rules
(:data:`COVER_SHARE`, :data:`APPEAR_SHARE`, :data:`MIN_ECOSYSTEM_DOCS`):

- a theme is **covered** by an ecosystem when at least 30% of its documents are classified in
  it; a theme that no ecosystem covers is a **candidate ecosystem**;
- an ecosystem **appears** in a theme when at least 20% of the theme's documents, or at least
  half of the ecosystem's own documents, lie in it; an ecosystem with at least 5 classified
  documents that appears in no theme is **not visible bottom-up in this data** (its documents
  are spread over themes about other things, or are outliers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError

COVER_SHARE = 0.30
APPEAR_SHARE = 0.20
MIN_ECOSYSTEM_DOCS = 5


@dataclass
class ThemeEcosystems:
    theme: int
    size: int
    #: (ecosystem id, documents of the theme classified in it, share of the theme), largest first
    ecosystems: list[tuple[str, int, float]]
    none_share: float  # share of the theme's documents classified in no ecosystem

    @property
    def covered(self) -> bool:
        return bool(self.ecosystems) and self.ecosystems[0][2] >= COVER_SHARE


@dataclass
class TaxonomyView:
    per_theme: list[ThemeEcosystems]
    candidates: list[int]
    #: (ecosystem id, documents classified in it, largest share of them in one theme)
    not_visible: list[tuple[str, int, float]]
    #: ecosystems with at least one document, and how many
    ecosystem_docs: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)

    def name(self, eco: str) -> str:
        label = self.labels.get(eco)
        return f"{eco} ({label})" if label and label.casefold() != eco.casefold() else eco


def hold_against(labels: np.ndarray, predicted: np.ndarray, ecosystems: Sequence[str],
                 ecosystem_labels: dict[str, str] | None = None, top: int = 5) -> TaxonomyView:
    """Compare themes (``labels``, -1 = outlier) with classify decisions ``predicted``."""
    labels = np.asarray(labels)
    P = np.asarray(predicted, dtype=bool)
    if P.ndim != 2 or P.shape[0] != len(labels) or P.shape[1] != len(ecosystems):
        raise InputError(f"hold_against: decisions of shape {P.shape} for {len(labels)} documents and "
                         f"{len(ecosystems)} ecosystems")
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    per = []
    eco_total = P.sum(axis=0)
    in_theme = np.zeros((k, P.shape[1]), dtype=np.int64)
    for t in range(k):
        members = labels == t
        counts = P[members].sum(axis=0)
        in_theme[t] = counts
        size = int(members.sum())
        order = np.argsort(-counts, kind="stable")[:top]
        ecos = [(ecosystems[j], int(counts[j]), counts[j] / size) for j in order if counts[j] > 0]
        none = float((~P[members].any(axis=1)).mean()) if size else 0.0
        per.append(ThemeEcosystems(t, size, ecos, none))
    candidates = [p.theme for p in per if not p.covered]
    not_visible = []
    for j, e in enumerate(ecosystems):
        total = int(eco_total[j])
        if total < MIN_ECOSYSTEM_DOCS:
            continue
        shares_theme = [in_theme[t, j] / max(1, per[t].size) for t in range(k)]
        shares_eco = [in_theme[t, j] / total for t in range(k)]
        appears = any(a >= APPEAR_SHARE or b >= 0.5 for a, b in zip(shares_theme, shares_eco))
        if not appears:
            not_visible.append((e, total, float(max(shares_eco, default=0.0))))
    not_visible.sort(key=lambda r: -r[1])
    docs = {e: int(eco_total[j]) for j, e in enumerate(ecosystems) if eco_total[j] > 0}
    absent = [e for j, e in enumerate(ecosystems) if eco_total[j] == 0]
    return TaxonomyView(per, candidates, not_visible, docs, dict(ecosystem_labels or {}), absent)
