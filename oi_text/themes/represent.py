"""What a theme is about: class-based TF-IDF terms, representative documents, a short label.

c-TF-IDF (as BERTopic defines it): the documents of a theme are one class; a term's weight in a
class is ``tf * log(1 + A / f)``, with ``tf`` the term's frequency in the class, ``A`` the
average number of words per class and ``f`` the term's frequency over all classes. Frequent-word
damping: ``tf`` is replaced by ``sqrt(tf)``, so that words that are frequent everywhere in a
class do not crowd out the distinctive ones. Terms are words or word pairs (``fuel_cell`` is
shown as "fuel cell").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def ctfidf_terms(docs: Sequence[list[str]], labels: np.ndarray, topn: int = 10,
                 damp: bool = True, min_doc_share: float = 0.05) -> dict[int, list[tuple[str, float]]]:
    """Top ``topn`` terms per theme (outliers, -1, excluded) by c-TF-IDF, among the words found
    in at least ``min_doc_share`` of the theme's documents (and at least 2): a word from one or
    two documents of a large theme does not describe it."""
    labels = np.asarray(labels)
    themes = sorted(int(t) for t in np.unique(labels) if t >= 0)
    counts: dict[int, Counter[str]] = {t: Counter() for t in themes}
    doc_freq: dict[int, Counter[str]] = {t: Counter() for t in themes}
    sizes = Counter(int(t) for t in labels if t >= 0)
    for doc, t in zip(docs, labels):
        if t >= 0:
            counts[int(t)].update(doc)
            doc_freq[int(t)].update(set(doc))
    if not themes:
        return {}
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    avg_words = sum(total.values()) / len(themes) if themes else 0.0
    out: dict[int, list[tuple[str, float]]] = {}
    for t in themes:
        c = counts[t]
        size = max(1, sum(c.values()))
        scored = []
        min_docs = max(2, int(np.ceil(min_doc_share * sizes[t])))
        for w, n in c.items():
            if doc_freq[t][w] < min(min_docs, sizes[t]):  # a word in a handful of a theme's documents
                continue
            tf = n / size
            tf = np.sqrt(tf) if damp else tf
            scored.append((w, float(tf * np.log(1.0 + avg_words / total[w]))))
        scored.sort(key=lambda kv: (-kv[1], kv[0]))
        out[t] = scored[:topn]
    return out


def term_label(term: str) -> str:
    """A term as a person reads it: ``fuel_cell`` -> ``fuel cell``."""
    return term.replace("_", " ")


def suggest_label(terms: Sequence[tuple[str, float]], n: int = 3) -> str:
    """A short label from the top terms: the first ``n`` that are not part of an earlier one
    ("fuel cell" makes "fuel" and "cell" redundant)."""
    picked: list[str] = []
    for term, _ in terms:
        words = set(term.split("_"))
        if any(words <= set(p.split("_")) or set(p.split("_")) <= words for p in picked):
            continue
        picked.append(term)
        if len(picked) == n:
            break
    return " · ".join(term_label(t) for t in picked) or "(no terms)"


def representative_docs(X: np.ndarray | None, labels: np.ndarray, theme: int, n: int = 3,
                        centroid: np.ndarray | None = None, scores: np.ndarray | None = None) -> list[int]:
    """Indices of the ``n`` documents most typical of ``theme``: closest to its centroid (cosine),
    or with the highest ``scores`` (an LDA share) when given."""
    members = np.flatnonzero(np.asarray(labels) == theme)
    if len(members) == 0:
        return []
    if scores is not None:
        order = np.argsort(-scores[members], kind="stable")
        return members[order[:n]].tolist()
    assert X is not None
    V = X[members]
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
    c = V.mean(axis=0) if centroid is None else centroid
    sims = V @ (c / max(float(np.linalg.norm(c)), 1e-12))
    order = np.argsort(-sims, kind="stable")
    return members[order[:n]].tolist()
