"""Weak supervision: keyword evidence becomes noisy labels with confidences.

``classify`` does not import ``keywords``: the caller passes the evidence as arrays (a
:class:`KeywordEvidence`), built from whatever matcher produced it.

Per ecosystem:

- **positive** (label 1): the keyword rule matched. Confidence grows with the number of distinct
  terms (1 term 0.6, 2 terms 0.8, 3+ 0.9) and is lower when an exclusion term also hit.
- **hard negative** (label 0, confidence 0.9): a term hit but an exclusion vetoed it (the
  "AI-powered app" of the study).
- **negative** (label 0, confidence 0.7): no term hit, and the text is not *near* the
  ecosystem: its cosine to the centroid of the positives is below the ``near_quantile``
  quantile of the positives' own cosines.
- **negative from a neighbour** (label 0, confidence 0.7): no term hit, and the keyword rule
  places the text in *another* ecosystem. Such texts are often near (a solar project is near
  hydrogen in embedding space), and they are the most informative negatives: without them the
  classifier never learns where one ecosystem ends and its neighbour begins, and adds the
  neighbour's texts. (Nesting is already in the keywords: a parent's terms include its
  children's, so a child's text matches its parent and is never a negative for it.)
- **unlabelled** (-1): no term hit, no other ecosystem matched, but near the positives; these
  are left for the classifier to decide (they are where keyword search misses texts that use
  other words). At most as many as there are positives (the nearest ones): texts that use
  other words are expected to be a minority, and everything else stays a negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class KeywordEvidence:
    """Keyword evidence for ``n`` texts and ``E`` ecosystems (column order = ``ecosystems``)."""

    ecosystems: list[str]
    n_terms: np.ndarray  # (n, E) distinct include terms that hit
    matched: np.ndarray  # (n, E) the keyword rule's decision
    excluded: np.ndarray  # (n, E) an exclusion term hit

    def __post_init__(self) -> None:
        shape = (self.n_terms.shape[0], len(self.ecosystems))
        for name in ("n_terms", "matched", "excluded"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")

    def keyword_scores(self) -> np.ndarray:
        """A ranking score of the keyword method alone (distinct terms, halved when excluded)."""
        s = self.n_terms.astype(np.float32)
        return np.where(self.excluded, s / 2, s)


@dataclass
class WeakLabels:
    ecosystems: list[str]
    y: np.ndarray  # (n, E) int8: 1, 0, or -1 (unlabelled)
    weight: np.ndarray  # (n, E) float32 confidence, 0 where unlabelled

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            eco: {"positive": int((self.y[:, j] == 1).sum()), "negative": int((self.y[:, j] == 0).sum()),
                  "unlabelled": int((self.y[:, j] == -1).sum())}
            for j, eco in enumerate(self.ecosystems)
        }


def weak_labels(evidence: KeywordEvidence, embeddings: np.ndarray | None = None,
                near_quantile: float = 0.1) -> WeakLabels:
    """Turn keyword evidence (and, for the "near" rule, L2-normalised embeddings) into labels."""
    n, E = evidence.n_terms.shape
    matched_any = evidence.matched.any(axis=1)
    y = np.zeros((n, E), dtype=np.int8)
    w = np.zeros((n, E), dtype=np.float32)
    for j in range(E):
        matched = evidence.matched[:, j]
        hit = evidence.n_terms[:, j] > 0
        excluded = evidence.excluded[:, j]
        conf = np.select([evidence.n_terms[:, j] >= 3, evidence.n_terms[:, j] == 2], [0.9, 0.8], 0.6)
        conf = np.where(excluded, conf - 0.2, conf)
        y[matched, j] = 1
        w[matched, j] = conf[matched]
        vetoed = hit & ~matched
        y[vetoed, j] = 0
        w[vetoed, j] = 0.9
        rest = ~hit
        y[rest, j] = 0
        w[rest, j] = 0.7
        if embeddings is not None and matched.sum() >= 2:
            centroid = embeddings[matched].mean(axis=0)
            centroid /= max(np.linalg.norm(centroid), 1e-12)
            sims = embeddings @ centroid
            cut = np.quantile(sims[matched], near_quantile)
            neighbour = matched_any & ~matched  # placed in another ecosystem: stays a negative
            candidates = np.where(rest & ~neighbour & (sims >= cut))[0]
            near = candidates[np.argsort(-sims[candidates], kind="stable")[: int(matched.sum())]]
            y[near, j] = -1
            w[near, j] = 0.0
    return WeakLabels(list(evidence.ecosystems), y, w)


def labels_matrix(label_lists: Sequence[Sequence[str]], ecosystems: Sequence[str]) -> np.ndarray:
    """Gold labels (a list of ecosystem ids per text) -> ``(n, E)`` int8 0/1 matrix."""
    index = {e: j for j, e in enumerate(ecosystems)}
    Y = np.zeros((len(label_lists), len(ecosystems)), dtype=np.int8)
    for i, labels in enumerate(label_lists):
        for lab in labels:
            j = index.get(lab)
            if j is not None:
                Y[i, j] = 1
    return Y
