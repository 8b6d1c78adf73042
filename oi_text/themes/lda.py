"""LDA themes (gensim), with k chosen by a coherence sweep and a deterministic mode.

- the dictionary drops words in fewer than ``no_below`` documents or more than ``no_above`` of
  them; word pairs come from :class:`~oi_text.themes.prepare.Tokens` (gensim Phrases);
- the corpus is streamed: :class:`BowCorpus` re-reads the token lists for every pass and refuses
  a one-shot generator (LDA and coherence read it several times);
- ``k="auto"`` fits each k of ``k_grid`` and keeps the one with the highest mean c_npmi
  coherence (c_v is computed and reported beside it); documents that are empty after filtering
  are left out of the fit and of coherence, and get no theme (-1);
- gensim's single-process ``LdaModel`` with a fixed ``random_state``: the same themes in every
  run and process ("publication mode"; LdaMulticore is not deterministic);
- every document gets a mixture over the themes (a document can have several); its theme is
  the largest share.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .._optional import require
from ..errors import InputError

logger = logging.getLogger(__name__)


class BowCorpus:
    """A re-iterable bag-of-words corpus over token lists (gensim's streamed-corpus contract)."""

    def __init__(self, docs: Iterable[list[str]], dictionary) -> None:  # type: ignore[no-untyped-def]
        if isinstance(docs, Iterator):
            raise InputError("LDA reads its corpus several times: pass a list or a re-iterable corpus, "
                             "not a generator")
        self.docs = docs
        self.dictionary = dictionary

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for doc in self.docs:
            yield self.dictionary.doc2bow(doc)

    def __len__(self) -> int:
        return len(self.docs)  # type: ignore[arg-type]


@dataclass
class LdaThemes:
    """LDA topic model as themes (an estimator: ``fit(token_lists)``, ``transform``).

    Parameters
    ----------
    k : int or "auto"
        Number of themes; ``"auto"`` sweeps ``k_grid`` by c_npmi coherence.
    k_grid : sequence of int
        Candidate k (those above a fifth of the documents are skipped).
    passes, iterations : gensim LdaModel settings.
    no_below, no_above : dictionary filtering (documents).
    seed : int
    measure_cv : bool
        Also compute c_v coherence for each k (slower; reported, not used to choose).
    """

    k: int | Literal["auto"] = "auto"
    k_grid: Sequence[int] = (5, 8, 12, 16, 20, 30)
    passes: int = 10
    iterations: int = 100
    no_below: int = 5
    no_above: float = 0.5
    seed: int = 0
    measure_cv: bool = True
    sweep_: list[dict] = field(default_factory=list, init=False, repr=False)

    def fit(self, docs: Sequence[list[str]]) -> LdaThemes:
        corpora = require("gensim.corpora", "LDA themes")
        if isinstance(docs, Iterator):
            raise InputError("LDA reads its corpus several times: pass a list or a re-iterable corpus")
        dictionary = corpora.Dictionary(docs)
        n = len(docs)
        no_below = min(self.no_below, max(1, n // 50))
        dictionary.filter_extremes(no_below=no_below, no_above=self.no_above, keep_n=100_000)
        if len(dictionary) < 2:
            raise InputError(f"LDA: only {len(dictionary)} word(s) occur in at least {no_below} of the {n} "
                             "documents; too few documents or too little text for themes")
        self.dictionary_ = dictionary
        self.kept_ = np.array([len(dictionary.doc2bow(d)) > 0 for d in docs])
        kept_docs = [d for d, k in zip(docs, self.kept_) if k]
        corpus = BowCorpus(kept_docs, dictionary)
        grid = [self.k] if self.k != "auto" else [k for k in self.k_grid if k <= max(2, len(kept_docs) // 5)] or [2]
        best = None
        self.sweep_ = []
        for k in grid:
            model = self._fit_one(corpus, int(k))
            row = {"k": int(k), "c_npmi": self._coherence(model, kept_docs, "c_npmi")}
            if self.measure_cv:
                row["c_v"] = self._coherence(model, kept_docs, "c_v")
            self.sweep_.append(row)
            logger.info("LDA k=%d: c_npmi %.3f", k, row["c_npmi"])
            if best is None or row["c_npmi"] > best[0]:
                best = (row["c_npmi"], int(k), model)
        assert best is not None
        self.k_, self.model_ = best[1], best[2]
        self.mixture_ = self.transform(docs)
        self.labels_ = np.where(self.kept_, self.mixture_.argmax(axis=1), -1).astype(np.int64)
        return self

    def _fit_one(self, corpus: BowCorpus, k: int):  # type: ignore[no-untyped-def]
        models = require("gensim.models", "LDA themes")
        return models.LdaModel(corpus=corpus, id2word=self.dictionary_, num_topics=k, passes=self.passes,
                               iterations=self.iterations, random_state=self.seed, alpha="auto", eta="auto",
                               chunksize=2000, eval_every=None)

    def _coherence(self, model, docs: list[list[str]], measure: str) -> float:  # type: ignore[no-untyped-def]
        models = require("gensim.models", "LDA coherence")
        topics = [[w for w, _ in model.show_topic(t, topn=10)] for t in range(model.num_topics)]
        cm = models.CoherenceModel(topics=topics, texts=docs, dictionary=self.dictionary_, coherence=measure,
                                   topn=10, processes=1)
        values = np.asarray(cm.get_coherence_per_topic(), dtype=np.float64)
        values = values[np.isfinite(values)]
        return float(values.mean()) if len(values) else float("nan")

    def transform(self, docs: Sequence[list[str]]) -> np.ndarray:
        """Theme mixture per document ``[n, k]`` (rows of empty documents are all zero)."""
        if not hasattr(self, "model_"):
            raise RuntimeError("LdaThemes is not fitted yet; call fit(docs) first")
        k = self.model_.num_topics
        out = np.zeros((len(docs), k), dtype=np.float32)
        for i, d in enumerate(docs):
            bow = self.dictionary_.doc2bow(d)
            if not bow:
                continue
            # gensim starts inference from random draws: the same start for every document makes
            # a document's mixture the same whatever else is in the call, in any process
            self.model_.random_state = np.random.RandomState(self.seed)
            for t, p in self.model_.get_document_topics(bow, minimum_probability=0.0):
                out[i, t] = p
        return out

    def top_terms(self, topn: int = 10) -> list[list[tuple[str, float]]]:
        return [self.model_.show_topic(t, topn=topn) for t in range(self.model_.num_topics)]
