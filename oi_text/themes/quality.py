"""How good are the themes? Coherence, diversity, separation, stability, agreement with labels,
and one verdict line.

The verdict (thresholds in :data:`VERDICT_THRESHOLDS`, documented in the README):

- **not supported by this data** when there are fewer than 2 themes, or the themes do not come
  back with another seed (mean pairwise ARI between seeds < 0.35), or more than 60% of the
  documents are outliers;
- **distinct** when the themes come back with other seeds (ARI >= 0.65 and each theme finds
  itself again with mean best-match Jaccard >= 0.6), their terms are coherent (mean NPMI >= 0.05)
  and at most 40% of the documents are outliers;
- **weak** otherwise. The verdict names the figures that failed.

Stability is what separates real themes from a pretty map: a clusterer always returns clusters,
but on data without structure another seed returns other ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .cluster import best_match_jaccard

#: the verdict's thresholds (see the module docstring)
VERDICT_THRESHOLDS = {
    "min_themes": 2,
    "unsupported_ari_below": 0.35,
    "unsupported_outliers_above": 0.60,
    "distinct_ari_min": 0.65,
    "distinct_jaccard_min": 0.60,
    "distinct_npmi_min": 0.05,
    "distinct_outliers_max": 0.40,
}


def npmi_per_theme(docs: Sequence[list[str]], top_terms: dict[int, list[str]]) -> dict[int, float]:
    """Mean NPMI of each theme's top terms over document co-occurrence in ``docs``.

    ``NPMI(a, b) = log(p(a,b) / (p(a) p(b))) / -log p(a,b)``, -1 for terms never seen together;
    a theme's value is the mean over its term pairs (terms absent from ``docs`` are skipped).
    """
    from scipy import sparse

    vocab = sorted({w for terms in top_terms.values() for w in terms})
    index = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for r, doc in enumerate(docs):
        for w in set(doc):
            j = index.get(w)
            if j is not None:
                rows.append(r)
                cols.append(j)
    n = max(1, len(docs))
    M = sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(len(docs), len(vocab)))
    co = (M.T @ M).toarray()
    df = np.diag(co)
    out = {}
    for t, terms in top_terms.items():
        ids = [index[w] for w in terms if w in index and df[index[w]] > 0]
        vals = []
        for a, b in combinations(ids, 2):
            pab = co[a, b] / n
            if pab <= 0:
                vals.append(-1.0)
                continue
            if pab >= 1.0:
                vals.append(1.0)
                continue
            pa, pb = df[a] / n, df[b] / n
            vals.append(float(np.log(pab / (pa * pb)) / -np.log(pab)))
        out[t] = float(np.mean(vals)) if vals else float("nan")
    return out


def topic_diversity(top_terms: dict[int, list[str]], topn: int = 25) -> float:
    """Share of unique words among all themes' top ``topn`` terms (1 = no theme repeats another's)."""
    words = [w for terms in top_terms.values() for w in terms[:topn]]
    return len(set(words)) / len(words) if words else float("nan")


def silhouette(X: np.ndarray | None, labels: np.ndarray, max_docs: int = 5000, seed: int = 0) -> float:
    """Silhouette (cosine) of the non-outlier documents, on a seeded sample of ``max_docs``."""
    from sklearn.metrics import silhouette_score

    if X is None:
        return float("nan")
    keep = np.flatnonzero(labels >= 0)
    if len(np.unique(labels[keep])) < 2:
        return float("nan")
    if len(keep) > max_docs:
        keep = np.sort(np.random.default_rng(seed).choice(keep, max_docs, replace=False))
    if len(np.unique(labels[keep])) < 2:
        return float("nan")
    return float(silhouette_score(X[keep], labels[keep], metric="cosine"))


@dataclass
class Stability:
    """Agreement between fits with different seeds."""

    seeds: list[int]
    documents: int
    ari_pairs: list[float]
    jaccard_per_theme: dict[int, float]

    @property
    def ari(self) -> float:
        return float(np.mean(self.ari_pairs)) if self.ari_pairs else float("nan")

    @property
    def jaccard(self) -> float:
        vals = list(self.jaccard_per_theme.values())
        return float(np.mean(vals)) if vals else float("nan")


def stability(fit: Callable[[np.ndarray, int], np.ndarray], reference: np.ndarray, n: int, *,
              seeds: Sequence[int] = (0, 1, 2, 3, 4), max_docs: int = 5000, sample_seed: int = 0,
              reference_is_first_seed: bool = False) -> Stability:
    """Refit on (a seeded sample of at most ``max_docs`` of) the ``n`` documents with each seed.

    ``fit(index, seed)`` returns the labels of the documents ``index`` for ``seed``;
    ``reference`` holds the labels of the main fit for all ``n`` documents. ARI is the mean over
    all pairs of seed runs; per theme of the reference, the mean over seed runs of its best
    Jaccard match. When the whole corpus is used and the main fit used ``seeds[0]``
    (``reference_is_first_seed``), that run is not repeated.
    """
    from sklearn.metrics import adjusted_rand_score

    if n > max_docs:
        index = np.sort(np.random.default_rng(sample_seed).choice(n, max_docs, replace=False))
        reference_is_first_seed = False
    else:
        index = np.arange(n)
    runs = []
    for i, s in enumerate(seeds):
        if i == 0 and reference_is_first_seed:
            runs.append(np.asarray(reference)[index])
        else:
            runs.append(np.asarray(fit(index, int(s))))
    ari = [float(adjusted_rand_score(a, b)) for a, b in combinations(runs, 2)]
    ref = np.asarray(reference)[index]
    others = runs[1:] if reference_is_first_seed else runs
    per = np.mean([best_match_jaccard(ref, o) for o in others], axis=0) if others and (ref >= 0).any() else []
    return Stability(list(map(int, seeds)), len(index), ari, {t: float(v) for t, v in enumerate(per)})


def label_agreement(labels: np.ndarray, gold: Sequence[object]) -> dict[str, float]:
    """NMI and ARI between the themes (outliers as one group) and ``gold`` (missing skipped)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    gold = np.asarray([None if g is None or g != g or str(g).strip() == "" else str(g) for g in gold], dtype=object)
    keep = np.array([g is not None for g in gold])
    if keep.sum() < 2:
        return {"nmi": float("nan"), "ari": float("nan"), "labelled": int(keep.sum())}
    a, b = np.asarray(labels)[keep], gold[keep].astype(str)
    return {"nmi": float(normalized_mutual_info_score(b, a)), "ari": float(adjusted_rand_score(b, a)),
            "labelled": int(keep.sum())}


@dataclass
class Quality:
    themes: int
    documents: int
    outlier_share: float
    npmi: dict[int, float]
    diversity: float
    silhouette: float
    stability: Stability | None
    labels: dict[str, float] | None = None
    verdict: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def mean_npmi(self) -> float:
        vals = [v for v in self.npmi.values() if v == v]
        return float(np.mean(vals)) if vals else float("nan")

    def verdict_line(self) -> str:
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"verdict: {self.verdict}{why}"

    def table(self) -> list[tuple[str, str]]:
        """The figures as (name, value) rows."""
        f = lambda v: "n/a" if v is None or v != v else f"{v:.3f}"  # noqa: E731
        rows = [("themes", str(self.themes)), ("documents", f"{self.documents:,}"),
                ("outlier share", f"{self.outlier_share:.1%}"), ("mean NPMI (top 10 terms)", f(self.mean_npmi)),
                ("topic diversity (top 25)", f(self.diversity)), ("silhouette (cosine, reduced space)", f(self.silhouette))]
        if self.stability is not None:
            s = self.stability
            rows += [(f"stability: ARI between {len(s.seeds)} seeds ({s.documents:,} docs)", f(s.ari)),
                     ("stability: best-match Jaccard per theme (mean)", f(s.jaccard))]
        if self.labels:
            rows += [(f"NMI vs labels ({self.labels['labelled']:,} labelled)", f(self.labels["nmi"])),
                     ("ARI vs labels", f(self.labels["ari"]))]
        return rows


def verdict(q: Quality, thresholds: dict[str, float] = VERDICT_THRESHOLDS) -> tuple[str, list[str]]:
    """``("distinct" | "weak" | "not supported by this data", reasons)``."""
    t = thresholds
    ari = q.stability.ari if q.stability is not None else float("nan")
    jac = q.stability.jaccard if q.stability is not None else float("nan")
    reasons = []
    if q.themes < t["min_themes"]:
        return "not supported by this data", [f"{q.themes} theme(s) found"]
    if ari == ari and ari < t["unsupported_ari_below"]:
        reasons.append(f"themes change with the seed: ARI {ari:.2f} < {t['unsupported_ari_below']}")
    if q.outlier_share > t["unsupported_outliers_above"]:
        reasons.append(f"{q.outlier_share:.0%} outliers > {t['unsupported_outliers_above']:.0%}")
    if reasons:
        return "not supported by this data", reasons
    if np.isnan(ari):
        reasons.append("stability not measured (no refits with other seeds)")
    elif ari < t["distinct_ari_min"]:
        reasons.append(f"stability ARI {ari:.2f} < {t['distinct_ari_min']}")
    if not np.isnan(jac) and jac < t["distinct_jaccard_min"]:
        reasons.append(f"best-match Jaccard {jac:.2f} < {t['distinct_jaccard_min']}")
    npmi = q.mean_npmi
    if npmi == npmi and npmi < t["distinct_npmi_min"]:
        reasons.append(f"NPMI {npmi:.3f} < {t['distinct_npmi_min']}")
    if q.outlier_share > t["distinct_outliers_max"]:
        reasons.append(f"{q.outlier_share:.0%} outliers > {t['distinct_outliers_max']:.0%}")
    if reasons:
        return "weak", reasons
    return "distinct", [f"ARI {ari:.2f}, Jaccard {jac:.2f}, NPMI {npmi:.3f}, {q.outlier_share:.0%} outliers"]
