"""Keyword expansion: the computer suggests terms, the expert judges their impact.

Two sources of suggestions per ecosystem:

- **word2vec**: a gensim Word2Vec model (with Phrases bigrams, so "groene_waterstof" is one
  token) trained on the user's corpus (optionally plus a background corpus); candidates are the
  nearest neighbours of the ecosystem's seed terms that occur in the vocabulary;
- **embedding**: frequent corpus words and bigrams embedded with the sentence encoder and ranked
  by how much closer they are to the documents the ecosystem's terms match than to the other
  documents (plain similarity would rank common words: single-word embeddings are all alike).

A suggestion must occur in at least two texts and in at most a quarter of them, so generic words
are not offered.

Every suggestion carries its evidence: similarity, how many documents the term would *add*
(documents that contain it and that the current terms miss), and a sample of those documents,
so the expert judges impact, not just the word. Accepted terms go back into the taxonomy with
provenance (source, score, who, when); rejected ones are remembered and not suggested again.
Vectors are saved in word2vec format, never as gensim pickles.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import ConfigError
from ..language import stopwords
from ..text import fold, fold_with_offsets, tokenize
from .matcher import KeywordMatcher
from .taxonomy import Taxonomy

logger = logging.getLogger(__name__)

Source = Literal["word2vec", "embedding"]


@dataclass
class Suggestion:
    """A candidate term with the evidence an expert needs."""

    term: str
    source: Source
    score: float
    docs_added: int
    docs_with_term: int
    examples: list[tuple[str, str]] = field(default_factory=list)  # (record id, snippet)

    def as_dict(self) -> dict[str, Any]:
        return {"term": self.term, "source": self.source, "score": round(self.score, 4),
                "docs_added": self.docs_added, "docs_with_term": self.docs_with_term,
                "examples": [{"id": i, "snippet": s} for i, s in self.examples]}


#: Dutch articles, prepositions and conjunctions: a phrase may hold them ("kunstmatige_intelligentie_in_de_zorg")
#: but not start or end with them ("uit_een_elektrolyser" is no phrase), as gensim's English list
DUTCH_CONNECTOR_WORDS = frozenset(
    "de het een der des den en of maar noch van voor in op met uit aan bij door naar over om te tot "
    "tussen onder zonder tegen binnen buiten na via per".split())


def _sentences(texts: Iterable[str]) -> list[list[str]]:
    return [tokenize(fold(t)) for t in texts]


class TermExpander:
    """Word2Vec with Phrases bigrams over a corpus (deterministic: one worker, fixed seed).

    Parameters
    ----------
    vector_size, window, min_count, epochs : Word2Vec settings
    phrases_threshold : float
        gensim Phrases scoring threshold for joining bigrams (lower joins more).
    seed : int
    """

    def __init__(self, vector_size: int = 100, window: int = 5, min_count: int = 3, epochs: int = 30,
                 phrases_threshold: float = 8.0, seed: int = 1) -> None:
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.epochs = epochs
        self.phrases_threshold = phrases_threshold
        self.seed = seed

    def fit(self, texts: Sequence[str], background: Sequence[str] = ()) -> TermExpander:
        """Train on ``texts`` (and ``background``, e.g. a larger corpus of the same domain)."""
        from gensim.models import Word2Vec
        from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phraser, Phrases

        if isinstance(texts, Iterable) and not isinstance(texts, Sequence):
            raise ConfigError("TermExpander.fit needs a list (it reads the corpus several times), "
                              "not a one-shot generator; pass list(texts)")
        sents = _sentences(list(texts) + list(background))
        connectors = frozenset(ENGLISH_CONNECTOR_WORDS) | DUTCH_CONNECTOR_WORDS
        phrases = Phrases(sents, min_count=self.min_count, threshold=self.phrases_threshold,
                          connector_words=connectors)
        self.phraser_ = Phraser(phrases)
        corpus = [self.phraser_[s] for s in sents]
        self.model_ = Word2Vec(corpus, vector_size=self.vector_size, window=self.window,
                               min_count=self.min_count, epochs=self.epochs, seed=self.seed,
                               workers=1, sg=1)
        self.doc_tokens_ = [set(s) | set(c) for s, c in zip(sents, corpus)][: len(texts)]
        self.counts_ = Counter(tok for c in corpus[: len(texts)] for tok in set(c))
        return self

    @property
    def vectors(self):  # gensim KeyedVectors
        return self.model_.wv

    def save_vectors(self, path: str | Path) -> Path:
        """Word2vec format (binary when the name ends in .bin), never a pickle."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model_.wv.save_word2vec_format(str(path), binary=path.suffix == ".bin")
        return path

    def seeds_in_vocab(self, terms: Sequence[str]) -> list[str]:
        """Vocabulary tokens that correspond to seed terms (words, bigrams, compound prefixes)."""
        vocab = self.model_.wv.key_to_index
        out = []
        for raw in terms:
            t = raw.strip().lstrip("=+").rstrip("*+")
            if t.startswith("re:"):
                continue
            tok = "_".join(tokenize(fold(t)))
            if tok in vocab:
                out.append(tok)
            elif raw.endswith(("*", "+")) and len(tok) >= 4:
                out += [w for w in vocab if w.startswith(tok)][:5]
        return list(dict.fromkeys(out))

    def neighbours(self, seeds: Sequence[str], topn: int = 50) -> list[tuple[str, float]]:
        if not seeds:
            return []
        return self.model_.wv.most_similar(positive=list(seeds), topn=topn)


def _snippet(text: str, term_tokens: list[str], width: int = 90) -> str:
    pattern = r"\W+".join(re.escape(t) for t in term_tokens)
    folded, offsets = fold_with_offsets(text)
    m = re.search(pattern, folded)
    if not m:
        return text[:width] + ("…" if len(text) > width else "")
    start, end = offsets[m.start()], offsets[m.end() - 1] + 1  # back to the original text
    a = max(0, start - width // 2)
    b = min(len(text), end + width // 2)
    return ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")


def _is_candidate(token: str, stop: set[str]) -> bool:
    parts = token.split("_")
    if any(p in stop for p in (parts[0], parts[-1])):
        return False
    return all(len(p) >= 3 and not p.isdigit() for p in parts)


def suggest(
    taxonomy: Taxonomy,
    ecosystem: str,
    texts: Sequence[str],
    ids: Sequence[str],
    expander: TermExpander,
    *,
    encoder: Any = None,
    doc_vectors: np.ndarray | None = None,
    top: int = 15,
    examples: int = 3,
    candidates: int = 4000,
) -> list[Suggestion]:
    """Suggestions for ``ecosystem`` from both sources, best first, with their evidence.

    ``encoder`` (an :class:`~oi_text.embed.Encoder`) and ``doc_vectors`` (the texts' vectors)
    enable the embedding source; without them only word2vec suggestions are made.
    """
    eco = taxonomy[ecosystem]
    spec = taxonomy.keyword_spec([ecosystem])
    matcher = KeywordMatcher(spec)
    matched = np.array([matcher.match(t)[ecosystem].matched for t in texts])
    stop = stopwords()
    rejected = {fold(t) for t in eco.rejected_terms}

    def covered(token: str) -> bool:
        phrase = token.replace("_", " ")
        return matcher.match(phrase)[ecosystem].n_terms > 0 or fold(phrase) in rejected

    base_rate = max(float(matched.mean()), 1e-9)

    def docs_with(token: str) -> list[int]:
        return [i for i, toks in enumerate(expander.doc_tokens_) if token in toks]

    max_docs = max(2, int(0.25 * len(texts)))

    def associated(with_term: list[int]) -> bool:
        """In at least two texts and at most a quarter of them (a word every text uses is no
        suggestion), and not clearly *less* often alongside the current matches than overall."""
        if not 2 <= len(with_term) <= max_docs:
            return False
        return float(matched[with_term].mean()) / base_rate >= 0.5 or not matched[with_term].any()

    def evidence(token: str, source: Source, score: float, with_term: list[int]) -> Suggestion:
        added = [i for i in with_term if not matched[i]]
        words = token.split("_")
        ex = [(str(ids[i]), _snippet(texts[i], words)) for i in added[:examples]]
        return Suggestion(token.replace("_", " "), source, float(score), len(added), len(with_term), ex)

    out: dict[str, Suggestion] = {}
    seeds = expander.seeds_in_vocab(eco.include_terms)
    w2v: list[Suggestion] = []
    for token, sim in expander.neighbours(seeds, topn=top * 10):
        if len(w2v) >= top:
            break
        if _is_candidate(token, stop) and not covered(token):
            with_term = docs_with(token)
            if associated(with_term):
                w2v.append(evidence(token, "word2vec", sim, with_term))
    out.update({s.term: s for s in w2v})
    emb: list[Suggestion] = []
    if encoder is not None and doc_vectors is not None and 2 <= matched.sum() < len(matched):
        # contrastive: near the ecosystem's texts *and* far from the rest (sentence embeddings
        # of single words are all close to each other, so plain similarity ranks common words)
        def unit(v: np.ndarray) -> np.ndarray:
            return v / max(float(np.linalg.norm(v)), 1e-12)

        inside = unit(doc_vectors[matched].mean(axis=0))
        outside = unit(doc_vectors[~matched].mean(axis=0))
        vocab = [t for t, _ in expander.counts_.most_common() if _is_candidate(t, stop)][:candidates]
        vocab = [t for t in vocab if t.replace("_", " ") not in out]
        if vocab:
            vecs = encoder.encode([t.replace("_", " ") for t in vocab])
            contrast = vecs @ inside - vecs @ outside
            for k in np.argsort(-contrast):
                if len(emb) >= top:
                    break
                token = vocab[k]
                if covered(token):
                    continue
                with_term = docs_with(token)
                if associated(with_term):
                    emb.append(evidence(token, "embedding", float(contrast[k]), with_term))
    # interleave the two sources, each in its own order of score
    merged: list[Suggestion] = []
    for a, b in zip(w2v, emb):
        merged += [a, b]
    merged += w2v[len(emb):] + emb[len(w2v):]
    return merged


def accept_term(taxonomy: Taxonomy, ecosystem: str, suggestion: Suggestion | str, who: str,
                source: str = "manual") -> dict[str, Any]:
    """Add a term to ``keywords.accepted`` of ``ecosystem`` with provenance; returns the entry."""
    from .terms import parse_term

    eco = taxonomy[ecosystem]
    term = suggestion.term if isinstance(suggestion, Suggestion) else suggestion
    parse_term(term, f"ecosystem {ecosystem!r}, accepted term")
    entry: dict[str, Any] = {"term": term, "source": source, "by": who,
                             "at": datetime.now(UTC).isoformat(timespec="seconds")}
    if isinstance(suggestion, Suggestion):
        entry.update(source=suggestion.source, score=round(suggestion.score, 4),
                     docs_added=suggestion.docs_added)
    kw = eco.data.setdefault("keywords", {})
    accepted = kw.setdefault("accepted", [])
    if term not in [a["term"] for a in accepted]:
        accepted.append(entry)
    return entry


def reject_term(taxonomy: Taxonomy, ecosystem: str, suggestion: Suggestion | str, who: str) -> dict[str, Any]:
    """Remember a rejected term so it is not suggested again."""
    eco = taxonomy[ecosystem]
    term = suggestion.term if isinstance(suggestion, Suggestion) else suggestion
    entry = {"term": term, "source": getattr(suggestion, "source", "manual"), "by": who,
             "at": datetime.now(UTC).isoformat(timespec="seconds")}
    rejected = eco.data.setdefault("rejected", [])
    if term not in [r["term"] for r in rejected]:
        rejected.append(entry)
    return entry
