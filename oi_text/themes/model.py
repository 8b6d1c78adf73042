"""One call from texts (and vectors) to described, measured themes: :func:`find_themes`.

Boilerplate removal -> tokens (phrases) -> the theme model (UMAP + HDBSCAN, k-means or LDA) ->
terms, representative documents, labels, kind and year mix -> quality figures and a verdict ->
a 2-D map. The result, :class:`ThemeResult`, is plain data that the writers in
:mod:`oi_text.themes.report` and :mod:`oi_text.themes.io` take.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import InputError
from .cluster import (
    EmbeddingThemes,
    HdbscanBackend,
    HdbscanClusterer,
    KMeansClusterer,
    NoReduction,
    UmapReducer,
)
from .lda import LdaThemes
from .prepare import BoilerplateRemover, Tokens
from .quality import (
    Quality,
    label_agreement,
    npmi_per_theme,
    silhouette,
    stability,
    topic_diversity,
    verdict,
)
from .represent import ctfidf_terms, representative_docs, suggest_label, term_label

logger = logging.getLogger(__name__)

Method = Literal["umap-hdbscan", "kmeans", "lda"]
METHODS: tuple[str, ...] = ("umap-hdbscan", "kmeans", "lda")

#: fewer documents than this give no themes worth a verdict
MIN_DOCUMENTS = 20


@dataclass
class Theme:
    id: int
    size: int
    label: str
    terms: list[tuple[str, float]]
    examples: list[int]
    kinds: dict[str, int] = field(default_factory=dict)
    years: dict[int, int] = field(default_factory=dict)
    npmi: float = float("nan")
    stability: float = float("nan")

    @property
    def term_words(self) -> list[str]:
        return [term_label(t) for t, _ in self.terms]


@dataclass
class ThemeSettings:
    """Every choice of a run (written into themes.md so that a run can be repeated)."""

    method: Method = "umap-hdbscan"
    boilerplate: bool = True
    seed: int = 0
    n_components: int = 5
    n_neighbors: int | Literal["auto"] = "auto"
    min_cluster_size: int | Literal["auto"] = "auto"
    hdbscan_backend: HdbscanBackend = "auto"
    max_share: float = 0.5
    k: int | Literal["auto"] = "auto"
    assign_outliers: bool = False
    stability_seeds: int = 5
    stability_docs: int = 5000
    map_docs: int = 20_000
    top_terms: int = 10


@dataclass
class ThemeResult:
    settings: ThemeSettings
    ids: list[str]
    texts: list[str]
    titles: list[str]
    kinds: list[str]
    years: list[int | None]
    labels: np.ndarray
    probability: np.ndarray
    outliers: np.ndarray
    themes: list[Theme]
    quality: Quality
    boilerplate: BoilerplateRemover | None
    mixture: np.ndarray | None = None
    map_index: np.ndarray | None = None
    map_xy: np.ndarray | None = None
    estimator: Any = None
    tokens: Tokens | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    lda_sweep: list[dict] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return self.quality.verdict


def _year(value: Any) -> int | None:
    """A year from a records file's ``year`` cell (int, float, text), or None."""
    try:
        year = int(float(str(value).strip()))
    except (TypeError, ValueError):
        return None
    return year if 1000 <= year <= 9999 else None


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise InputError("themes need a list of texts, not one string")
    texts = ["" if t is None or t != t else str(t) for t in texts]
    filled = sum(1 for t in texts if t.strip())
    if filled == 0:
        raise InputError(f"themes: all {len(texts):,} texts are empty; check --text-col")
    if filled < MIN_DOCUMENTS:
        raise InputError(f"themes need at least {MIN_DOCUMENTS} documents with text, got {filled:,} "
                         f"(of {len(texts):,}); themes from fewer documents say nothing")
    return texts


def find_themes(
    texts: Sequence[str],
    *,
    vectors: np.ndarray | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    ids: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    years: Sequence[Any] | None = None,
    gold: Sequence[Any] | None = None,
    settings: ThemeSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> ThemeResult:
    """Themes of ``texts`` with their description, quality and verdict.

    Parameters
    ----------
    texts : the documents (cleaned records' texts).
    vectors : embeddings of ``texts`` (one row each, same order); else ``embed`` is called on the
        boilerplate-free texts (for the embedding methods; LDA needs none).
    ids, titles, kinds, years : record metadata for the report (optional).
    gold : a label per document for NMI/ARI (optional; blank = unlabelled).
    settings : :class:`ThemeSettings`.
    progress : called with a short line at each step (the CLI prints it).
    """
    s = settings or ThemeSettings()
    if s.method not in METHODS:
        raise InputError(f"themes method {s.method!r} unknown; expected one of {', '.join(METHODS)}")
    say = progress or (lambda msg: logger.info(msg))
    texts = _check_texts(texts)
    n = len(texts)
    ids = [str(i) for i in ids] if ids is not None else [str(i + 1) for i in range(n)]
    titles = ["" if t is None or t != t else str(t) for t in titles] if titles is not None else [""] * n
    kinds = ["" if k is None or k != k else str(k) for k in kinds] if kinds is not None else [""] * n
    years_ = [_year(y) for y in (years if years is not None else [None] * n)]
    for name, seq in (("ids", ids), ("titles", titles), ("kinds", kinds), ("years", years_)):
        if len(seq) != n:
            raise InputError(f"themes: {len(seq)} {name} for {n} texts")
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()

    bp = None
    clean = texts
    if s.boilerplate:
        bp = BoilerplateRemover(seed=s.seed)
        clean = bp.fit_transform(texts)
        say(f"boilerplate: {len(bp.report_)} recurring passage(s) cut"
            + (f", most often {bp.report_[0].text[:60]!r} ({bp.report_[0].documents:,} docs)" if bp.report_ else ""))
    seconds["prepare"] = time.perf_counter() - t0

    X = None
    if s.method != "lda":
        if vectors is None:
            if embed is None:
                raise InputError(f"themes method {s.method!r} needs vectors or an encoder")
            t1 = time.perf_counter()
            say(f"embedding {n:,} texts ...")
            vectors = embed(clean)
            seconds["embed"] = time.perf_counter() - t1
        X = np.asarray(vectors, dtype=np.float32)
        if X.ndim != 2 or len(X) != n:
            raise InputError(f"themes: vectors of shape {X.shape} for {n:,} texts; one row per text expected")

    t1 = time.perf_counter()
    mixture = None
    space = None
    lda_sweep: list[dict] = []
    if s.method == "lda":
        tokens = Tokens().fit(clean)
        say("LDA: sweeping k by coherence ..." if s.k == "auto" else f"LDA with k={s.k} ...")
        est: Any = LdaThemes(k=s.k, seed=s.seed).fit(tokens.docs)
        mixture = est.mixture_
        labels = est.labels_
        probability = np.where(labels >= 0, mixture.max(axis=1), 0.0).astype(np.float32)
        outliers = labels < 0
        lda_sweep = est.sweep_
        terms = {t: [(w, float(p)) for w, p in tt] for t, tt in enumerate(est.top_terms(s.top_terms))}

        def refit(index: np.ndarray, seed: int) -> np.ndarray:
            return LdaThemes(k=est.k_, seed=seed, measure_cv=False).fit([tokens.docs[i] for i in index]).labels_
    else:
        def make(seed: int) -> EmbeddingThemes:
            if s.method == "kmeans":
                return EmbeddingThemes(reducer=NoReduction(), clusterer=KMeansClusterer(k=s.k, seed=seed),
                                       assign_outliers=s.assign_outliers, seed=seed)
            return EmbeddingThemes(
                reducer=UmapReducer(n_components=s.n_components, n_neighbors=s.n_neighbors, seed=seed),
                clusterer=HdbscanClusterer(min_cluster_size=s.min_cluster_size, backend=s.hdbscan_backend,
                                           max_share=s.max_share),
                assign_outliers=s.assign_outliers, seed=seed)

        say(f"{s.method}: fitting on {n:,} vectors ...")
        est = make(s.seed).fit(X)
        labels = est.labels_
        outliers = est.outliers_
        probability = est.probabilities_
        space = est.reduced_
        # tokens after the fit, so that their memory and UMAP's do not add up
        tokens = Tokens().fit(clean)
        terms = ctfidf_terms(tokens.docs, labels, topn=max(s.top_terms, 25))

        def refit(index: np.ndarray, seed: int) -> np.ndarray:
            return make(seed).fit(X[index]).labels_
    seconds["fit"] = time.perf_counter() - t1

    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    t1 = time.perf_counter()
    top = {t: [w for w, _ in terms.get(t, [])[: s.top_terms]] for t in range(k)}
    npmi = npmi_per_theme(tokens.docs, top)
    diversity = topic_diversity({t: [w for w, _ in terms.get(t, [])] for t in range(k)})
    sil = silhouette(space, labels, seed=s.seed) if space is not None else float("nan")
    stab = None
    if s.stability_seeds >= 2 and k >= 1:
        say(f"stability: refitting with {s.stability_seeds} seeds on up to {s.stability_docs:,} documents ...")
        stab = stability(refit, labels, n, seeds=[s.seed + i for i in range(s.stability_seeds)],
                         max_docs=s.stability_docs, sample_seed=s.seed, reference_is_first_seed=True)
    q = Quality(themes=k, documents=n, outlier_share=float(np.mean(labels < 0)), npmi=npmi,
                diversity=diversity, silhouette=sil, stability=stab,
                labels=label_agreement(labels, gold) if gold is not None else None)
    q.verdict, q.reasons = verdict(q)
    seconds["quality"] = time.perf_counter() - t1

    themes = []
    for t in range(k):
        members = np.flatnonzero(labels == t)
        if mixture is not None:
            examples = representative_docs(None, labels, t, scores=mixture[:, t])
        else:
            examples = representative_docs(X, labels, t, centroid=est.centroids_[t])
        years_t = Counter(years_[i] for i in members if years_[i] is not None)
        themes.append(Theme(
            id=t, size=len(members), label=suggest_label(terms.get(t, [])), terms=terms.get(t, [])[: s.top_terms],
            examples=examples, kinds=dict(Counter(kinds[i] or "unknown" for i in members).most_common()),
            years=dict(sorted(years_t.items())), npmi=npmi.get(t, float("nan")),
            stability=stab.jaccard_per_theme.get(t, float("nan")) if stab else float("nan")))

    t1 = time.perf_counter()
    map_index, map_xy = _map(X if X is not None else (np.sqrt(mixture) if mixture is not None else None),
                             s, n, cosine=X is not None)
    seconds["map"] = time.perf_counter() - t1
    seconds["total"] = time.perf_counter() - t0
    return ThemeResult(s, ids, texts, titles, kinds, years_, labels, probability, outliers, themes, q, bp,
                       mixture=mixture, map_index=map_index, map_xy=map_xy, estimator=est, tokens=tokens,
                       seconds=seconds, lda_sweep=lda_sweep)


def _map(space: np.ndarray | None, s: ThemeSettings, n: int, cosine: bool) -> tuple[np.ndarray, np.ndarray]:
    """2-D coordinates for the map, of at most ``map_docs`` documents (a seeded sample): UMAP to
    2-D from the embeddings (cosine), or for LDA from the square roots of the theme mixtures
    (euclidean, i.e. Hellinger distance)."""
    index = np.arange(n)
    if n > s.map_docs:
        index = np.sort(np.random.default_rng(s.seed).choice(n, s.map_docs, replace=False))
    if space is None:
        return index, np.zeros((len(index), 2), dtype=np.float32)
    sub = np.asarray(space, dtype=np.float32)[index]
    if sub.shape[1] == 2:
        return index, sub
    xy = UmapReducer(n_components=2, n_neighbors=15, min_dist=0.1, metric="cosine" if cosine else "euclidean",
                     seed=s.seed).fit_transform(sub)
    return index, xy
