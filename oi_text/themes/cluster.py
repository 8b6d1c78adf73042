"""Themes from embeddings: a reducer, a clusterer and the assignment contract.

The parts are small protocols, so any of them can be swapped (BERTopic's idea, without its god
class):

- :class:`Reducer` (``fit_transform``): :class:`UmapReducer` (umap-learn, seeded, cosine,
  5 components by default) or :class:`NoReduction` (the null object);
- :class:`Clusterer` (``fit_predict`` -> labels, -1 = outlier): :class:`HdbscanClusterer`
  (``fast_hdbscan``, ``hdbscan`` or scikit-learn's ``HDBSCAN``) or :class:`KMeansClusterer`.

**The assignment contract** of :class:`EmbeddingThemes`:

1. ``transform`` of a training vector returns exactly its training theme (looked up by the
   vector's bytes: fit and transform never disagree on the training texts).
2. A new vector goes to the theme whose centroid (the normalised mean of its members' normalised
   vectors, in the original embedding space) is most similar by cosine, if that similarity is
   at least the theme's *admission radius* (the 5th percentile of its own members' similarities
   to it); otherwise it is an outlier (-1). With ``assign_outliers=True`` it always goes to the
   most similar centroid. Ties go to the lower theme number. No randomness, no UMAP transform:
   the same vector gets the same theme in any process, chunk by chunk for millions of texts.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from .._optional import require
from ..errors import InputError

logger = logging.getLogger(__name__)

HdbscanBackend = Literal["auto", "fast_hdbscan", "hdbscan", "sklearn"]


@runtime_checkable
class Reducer(Protocol):
    def fit_transform(self, X: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class Clusterer(Protocol):
    def fit_predict(self, X: np.ndarray) -> np.ndarray: ...


@dataclass
class NoReduction:
    """The null reducer: the vectors as they are (k-means on raw embeddings, the study's route)."""

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=np.float32)


@dataclass
class UmapReducer:
    """UMAP (umap-learn) to a few dimensions for density clustering.

    Seeded, so single-threaded inside umap-learn and the same in every process. ``n_neighbors``
    ``"auto"`` is 15, or 30 above 20,000 documents (a larger neighbourhood keeps large corpora
    from splitting into crumbs). ``init`` ``"auto"``: umap-learn's spectral start up to 20,000
    documents, a PCA start above (measured on 100,000 e5 vectors, 2 cores: spectral 239 s and
    4.9 GB peak RSS, PCA 93 s and 1.3 GB).
    """

    def _init(self, n: int, k: int) -> str:
        if n <= k + 2:
            return "random"
        if self.init != "auto":
            return self.init
        return "spectral" if n <= 20_000 else "pca"

    n_components: int = 5
    n_neighbors: int | Literal["auto"] = "auto"
    min_dist: float = 0.0
    init: Literal["auto", "spectral", "pca", "random"] = "auto"
    metric: str = "cosine"
    seed: int = 0
    low_memory: bool = True

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        if not 2 <= self.n_components <= 50:
            raise InputError(f"UMAP n_components must be 2-50, got {self.n_components!r} (5-10 is usual)")
        umap = require("umap", "UMAP in themes")
        n = len(X)
        k = (15 if n <= 20_000 else 30) if self.n_neighbors == "auto" else int(self.n_neighbors)
        k = max(2, min(k, n - 1))
        self.n_neighbors_ = k
        reducer = umap.UMAP(n_components=min(self.n_components, max(2, n - 2)), n_neighbors=k,
                            min_dist=self.min_dist, metric=self.metric, random_state=self.seed,
                            low_memory=self.low_memory, n_jobs=1, init=self._init(n, k))
        return np.asarray(reducer.fit_transform(np.asarray(X, dtype=np.float32)), dtype=np.float32)


def auto_min_cluster_size(n: int) -> int:
    """10 for up to 2,500 documents, then n / 250 up to 500: a theme is at least 0.4% of the
    corpus, so 100,000 documents give themes of 400 or more rather than thousands of crumbs."""
    return int(min(500, max(10, round(n / 250))))


@dataclass
class HdbscanClusterer:
    """HDBSCAN with a choice of implementation (same algorithm, different speed).

    ``backend="auto"`` takes ``hdbscan`` when installed (fastest in ``scripts/bench_themes.py`` on
    100,000 UMAP-reduced vectors, 2 cores: hdbscan 7.5 s, fast_hdbscan 9.1 s, scikit-learn
    30.3 s; a second run 6.8 s, 6.8 s, 28.6 s), else ``fast_hdbscan``, else scikit-learn's. ``min_cluster_size``
    ``"auto"``: :func:`auto_min_cluster_size`. ``min_samples`` defaults to ``min_cluster_size``
    capped at 5 (fewer outliers than HDBSCAN's default). ``max_share``: no theme may hold more
    than this share of the documents (default half): HDBSCAN's excess-of-mass selection
    otherwise sometimes keeps one cluster for most of a corpus (measured on the Dekamer
    questions with 30 UMAP neighbours: 4 themes, one of them nearly everything, NMI 0.03
    instead of 0.37). The price: a group of more than half the documents without inner
    structure is left as outliers (the outlier share shows it); ``max_share=1`` allows it.
    """

    min_cluster_size: int | Literal["auto"] = "auto"
    min_samples: int | None = None
    selection: Literal["eom", "leaf"] = "eom"
    backend: HdbscanBackend = "auto"
    max_share: float = 0.5

    def _backend(self) -> str:
        if self.backend != "auto":
            return self.backend
        import importlib.util

        for name in ("hdbscan", "fast_hdbscan"):
            if importlib.util.find_spec(name) is not None:
                return name
        return "sklearn"

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        mcs = auto_min_cluster_size(n) if self.min_cluster_size == "auto" else int(self.min_cluster_size)
        mcs = max(2, min(mcs, n))
        ms = self.min_samples if self.min_samples is not None else min(mcs, 5)
        mx = max(mcs + 1, int(self.max_share * n)) if self.max_share < 1 else None
        backend = self.backend_ = self._backend()
        self.min_cluster_size_ = mcs
        X = np.ascontiguousarray(X, dtype=np.float64 if backend == "sklearn" else np.float32)
        if backend == "fast_hdbscan":
            mod = require("fast_hdbscan", "HDBSCAN (fast_hdbscan backend)")
            model = mod.HDBSCAN(min_cluster_size=mcs, min_samples=ms, cluster_selection_method=self.selection,
                                reproducible=True, **({"max_cluster_size": mx} if mx else {}))
        elif backend == "hdbscan":
            mod = require("hdbscan", "HDBSCAN (hdbscan backend)")
            model = mod.HDBSCAN(min_cluster_size=mcs, min_samples=ms, cluster_selection_method=self.selection,
                                core_dist_n_jobs=1, **({"max_cluster_size": mx} if mx else {}))
        elif backend == "sklearn":
            from sklearn.cluster import HDBSCAN

            model = HDBSCAN(min_cluster_size=mcs, min_samples=ms, cluster_selection_method=self.selection,
                            copy=True, **({"max_cluster_size": mx} if mx else {}))
        else:
            raise InputError(f"HDBSCAN backend {backend!r} unknown; expected fast_hdbscan, hdbscan or sklearn")
        labels = np.asarray(model.fit_predict(X), dtype=np.int64)
        self.probabilities_ = np.asarray(getattr(model, "probabilities_", np.ones(n)), dtype=np.float32)
        return labels


@dataclass
class KMeansClusterer:
    """k-means (scikit-learn), every document in a theme; ``k="auto"``: sqrt(n / 2), 2-50."""

    k: int | Literal["auto"] = "auto"
    seed: int = 0

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        from sklearn.cluster import KMeans

        n = len(X)
        k = int(min(50, max(2, round(np.sqrt(n / 2))))) if self.k == "auto" else int(self.k)
        k = max(1, min(k, n))
        self.k_ = k
        model = KMeans(n_clusters=k, random_state=self.seed, n_init=4)
        labels = model.fit_predict(np.asarray(X, dtype=np.float32)).astype(np.int64)
        self.probabilities_ = np.ones(n, dtype=np.float32)
        return labels


def vector_key(v: np.ndarray) -> bytes:
    """The identity of one vector (its float32 bytes, hashed): how a training text is known."""
    return hashlib.blake2b(np.ascontiguousarray(v, dtype=np.float32).tobytes(), digest_size=12).digest()


def _normalise(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norms, 1e-12)


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Theme numbers 0, 1, ... from the largest theme down (ties: first occurrence); -1 stays."""
    labels = np.asarray(labels)
    ids = [t for t in np.unique(labels) if t >= 0]
    first = {t: int(np.argmax(labels == t)) for t in ids}
    order = sorted(ids, key=lambda t: (-int((labels == t).sum()), first[t]))
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping.get(int(t), -1) for t in labels], dtype=np.int64)


@dataclass
class EmbeddingThemes:
    """Themes as clusters of embeddings (an estimator: ``fit``, ``transform``).

    Parameters
    ----------
    reducer : Reducer, optional
        Default :class:`UmapReducer` (seeded with ``seed``).
    clusterer : Clusterer, optional
        Default :class:`HdbscanClusterer`.
    assign_outliers : bool
        Give every outlier the theme of its most similar centroid (also in ``transform``).
    seed : int
        Seed for the default reducer and k-means.
    radius_quantile : float
        Admission radius of a theme for new texts: this quantile of its members' similarity to
        its centroid (default 5%).

    Attributes (after ``fit``)
    --------------------------
    labels_ : theme per training vector (-1 outlier), themes numbered by size
    outliers_ : which training vectors HDBSCAN left out (also when they were then assigned)
    probabilities_ : membership strength from the clusterer (1 for k-means)
    reduced_ : the reduced vectors
    centroids_, radius_ : the assignment rule for new vectors
    """

    reducer: Reducer | None = None
    clusterer: Clusterer | None = None
    assign_outliers: bool = False
    seed: int = 0
    radius_quantile: float = 0.05
    labels_: np.ndarray = field(default=None, init=False, repr=False)  # type: ignore[assignment]

    def fit(self, X: np.ndarray) -> EmbeddingThemes:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or len(X) < 3:
            raise InputError(f"themes need at least 3 vectors in a 2-d array, got shape {X.shape}")
        if not np.isfinite(X).all():
            raise InputError("themes: the vectors hold NaN or infinite values; re-run 'oi-text embed'")
        reducer = self.reducer if self.reducer is not None else UmapReducer(seed=self.seed)
        clusterer = self.clusterer if self.clusterer is not None else HdbscanClusterer()
        self.reducer_, self.clusterer_ = reducer, clusterer
        self.reduced_ = reducer.fit_transform(X)
        raw = np.asarray(clusterer.fit_predict(self.reduced_), dtype=np.int64)
        labels = relabel_by_size(raw)
        self.probabilities_ = np.asarray(getattr(clusterer, "probabilities_", np.ones(len(X))), dtype=np.float32)
        self.outliers_ = labels < 0
        Xn = _normalise(X)
        self.n_themes_ = int(labels.max()) + 1 if (labels >= 0).any() else 0
        self._fit_rule(Xn, labels)
        if self.assign_outliers and self.outliers_.any() and self.n_themes_:
            labels = labels.copy()
            labels[self.outliers_] = self._nearest(Xn[self.outliers_])[0]
        self.labels_ = labels
        self._train = {vector_key(v): int(t) for v, t in zip(X, labels)}
        return self

    def _fit_rule(self, Xn: np.ndarray, labels: np.ndarray) -> None:
        k = self.n_themes_
        dim = Xn.shape[1]
        self.centroids_ = np.zeros((k, dim), dtype=np.float32)
        self.radius_ = np.zeros(k, dtype=np.float32)
        for t in range(k):
            members = Xn[labels == t]
            c = members.mean(axis=0)
            c /= max(float(np.linalg.norm(c)), 1e-12)
            self.centroids_[t] = c
            self.radius_[t] = float(np.quantile(members @ c, self.radius_quantile))

    def _nearest(self, Xn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sims = Xn @ self.centroids_.T
        best = np.argmax(sims, axis=1)  # argmax takes the first of equal values: lower theme wins
        return best.astype(np.int64), sims[np.arange(len(Xn)), best]

    def transform(self, X: np.ndarray, *, chunk_size: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
        """Themes of ``X`` by the assignment contract, and each vector's cosine to its theme's
        centroid (to the nearest centroid for an outlier). Streams in chunks."""
        if self.labels_ is None:
            raise RuntimeError("EmbeddingThemes is not fitted yet; call fit(X) first")
        X = np.asarray(X, dtype=np.float32)
        labels = np.full(len(X), -1, dtype=np.int64)
        sims = np.zeros(len(X), dtype=np.float32)
        if not self.n_themes_:
            return labels, sims
        for start in range(0, len(X), chunk_size):
            part = X[start : start + chunk_size]
            best, sim = self._nearest(_normalise(part))
            admitted = self.assign_outliers | (sim >= self.radius_[best])
            lab = np.where(admitted, best, -1)
            for i, v in enumerate(part):
                known = self._train.get(vector_key(v))
                if known is not None:
                    lab[i] = known
            labels[start : start + chunk_size] = lab
            sims[start : start + chunk_size] = sim
        return labels, sims

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.transform(X)[0]


def best_match_jaccard(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Per theme of ``reference``: the highest Jaccard overlap with any theme of ``other``."""
    out = []
    for t in range(int(reference.max()) + 1 if (reference >= 0).any() else 0):
        a = reference == t
        best = 0.0
        for u in np.unique(other[a]):
            if u < 0:
                continue
            b = other == u
            best = max(best, float((a & b).sum() / (a | b).sum()))
        out.append(best)
    return np.array(out, dtype=np.float64)
