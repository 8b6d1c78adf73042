"""Orchestration: the hybrid route of the Dialogic study, from seed keywords to a trained,
explained, multi-label classifier. The only module that joins ``keywords``, ``embed`` and
``classify`` (the stages themselves pass arrays and dicts, not each other's objects).

Scoring (:meth:`EcosystemModel.score`): for ecosystem *e* and text *x*

- ``p`` = the calibrated classifier probability on the embedding of *x*;
- keyword evidence: distinct terms that hit, and exclusion hits;
- the final score blends both: ``score = (1 - w) * p + w * k`` with ``k`` = 1 when the keyword
  rule matched (0.5 when it matched despite an exclusion), 0 otherwise; ``w`` defaults to 0.4.
  So a text the keywords miss needs a confident classifier (p >= 0.83 for the default
  threshold 0.5), a single-term match the classifier finds implausible (p < 0.17) is dropped,
  and a match that survived an exclusion needs p >= 0.5. (``w`` and the threshold were chosen
  among a handful of values on the sample data and the YC and CORDIS corpora; see
  ``scripts/eval_classify.py`` and the README for the numbers.)
- strong keyword evidence is not overturned: when ``STRONG_TERMS`` (2) or more distinct terms
  hit (distinct pieces of evidence, see ``EcosystemMatch.n_terms``) and no exclusion did, ``p``
  counts as at least 0.5 (score >= 0.7, so kept at any threshold up to 0.7). This is the rule that
  lets two distinct terms override an exclusion, applied to the classifier: it may drop a
  text that mentions a term once, not one that names the ecosystem in several ways.
- a text the keyword rule places in *other* ecosystems (a solar project, for hydrogen) is added
  to this one only when the classifier prefers it: where ``p`` for this ecosystem is not above
  the classifier's ``p`` for every ecosystem the keywords chose (one without a classifier
  cannot be outweighed), ``p`` counts half (score <= 0.3). This is the training rule (such texts are negatives) applied at scoring time: the
  classifier may move a text across a border the keywords drew, not merely agree that it lies
  near it. Overlap stays possible: a text the keywords place in two ecosystems keeps both.
- ``predicted`` = ``score >= threshold`` (per ecosystem; tuned for a target precision when gold
  or reviewed labels exist, on cross-fitted scores (:func:`cross_fitted_proba`), else 0.5).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .classify.model import MultiLabelClassifier, choose_threshold
from .classify.weak import KeywordEvidence, WeakLabels, weak_labels
from .errors import ModelError
from .keywords.matcher import KeywordMatcher
from .persist import load_model_dir, save_model_dir

logger = logging.getLogger(__name__)

KEYWORD_WEIGHT = 0.4
#: the id column the commands look for by default (an export without one gets <file>:<row> ids)
DEFAULT_ID_COL = "id"
#: the text column the commands look for by default (an export without one: the usual names)
DEFAULT_TEXT_COL = "text"
DEFAULT_THRESHOLD = 0.5
#: distinct terms (with no exclusion hit) that the classifier cannot overturn
STRONG_TERMS = 2
#: folds of the cross-fitted scores that thresholds are tuned on (see :func:`cross_fitted_proba`)
TUNING_FOLDS = 5
#: labelled positives an ecosystem needs for its threshold to be tuned
TUNING_MIN_POSITIVES = 5
#: what a model card must hold for the model to score (the rest is a record of its training)
MODEL_CARD_KEYS = ("encoder_id", "taxonomy_hash", "ecosystems", "keywords")
#: sub-directory of a model directory holding a fine-tuned head
HEAD_DIR = "head"


def keyword_evidence(matcher: KeywordMatcher, texts: Sequence[str],
                     ecosystems: Sequence[str]) -> tuple[KeywordEvidence, list[dict[str, list[str]]]]:
    """Match ``texts``; return the evidence arrays and, per text, the terms that hit per
    ecosystem (only ecosystems with hits)."""
    index = {e: j for j, e in enumerate(ecosystems)}
    n, E = len(texts), len(ecosystems)
    n_terms = np.zeros((n, E), dtype=np.int16)
    matched = np.zeros((n, E), dtype=bool)
    excluded = np.zeros((n, E), dtype=bool)
    terms: list[dict[str, list[str]]] = []
    for i, text in enumerate(texts):
        row: dict[str, list[str]] = {}
        for eco, m in matcher.match(text).items():
            j = index.get(eco)
            if j is None or not (m.hits or m.excluded_by):
                continue
            n_terms[i, j] = m.n_terms
            matched[i, j] = m.matched
            excluded[i, j] = bool(m.excluded_by)
            row[eco] = m.terms + [f"-{h.term}" for h in m.excluded_by]
        terms.append(row)
    return KeywordEvidence(list(ecosystems), n_terms, matched, excluded), terms


def combine_scores(proba: np.ndarray, evidence: KeywordEvidence, weight: float = KEYWORD_WEIGHT) -> np.ndarray:
    """Blend classifier probabilities with the keyword rule (see the module docstring).
    Ecosystems without a classifier (nan) fall back to the keyword rule alone."""
    matched = evidence.matched
    k = np.where(matched, np.where(evidence.excluded, 0.5, 1.0), 0.0).astype(np.float32)
    strong = (evidence.n_terms >= STRONG_TERMS) & ~evidence.excluded
    p = np.where(strong, np.fmax(proba, 0.5), proba)
    # placed elsewhere by the keywords: the classifier's vote counts half unless it prefers
    # this ecosystem to every one the keywords chose (a chosen ecosystem without a classifier
    # cannot be outweighed: its keyword placement stands, as in training)
    chosen = np.where(matched, np.nan_to_num(proba, nan=1.0), -1.0).max(axis=1, keepdims=True)
    elsewhere = ~matched & matched.any(axis=1, keepdims=True)
    p = np.where(elsewhere & ~(proba > chosen), p / 2, p)
    blended = (1 - weight) * p + weight * k
    return np.where(np.isnan(proba), k, blended).astype(np.float32)


@dataclass
class ScoreResult:
    ecosystems: list[str]
    proba: np.ndarray  # classifier probabilities (n, E), nan without classifier
    score: np.ndarray  # final blended score (n, E)
    predicted: np.ndarray  # (n, E) bool
    evidence: KeywordEvidence
    terms: list[dict[str, list[str]]]


@dataclass
class EcosystemModel:
    """A trained model: classifiers, the keyword spec it was trained with, thresholds, card."""

    ecosystems: list[str]
    classifier: MultiLabelClassifier
    keyword_spec: dict[str, dict[str, list[str]]]
    encoder_id: str
    taxonomy_hash: str
    keyword_weight: float = KEYWORD_WEIGHT
    card: dict[str, Any] = field(default_factory=dict)
    _matcher: KeywordMatcher | None = field(default=None, repr=False)
    #: an optional fine-tuned encoder with a multi-label head (oi_text.classify.finetune); when
    #: present it gives ``p`` instead of the logistic regressions, which stay as the fallback
    #: for ecosystems it has no output for
    head: Any = None

    @property
    def matcher(self) -> KeywordMatcher:
        if self._matcher is None:
            self._matcher = KeywordMatcher(self.keyword_spec)
        return self._matcher

    @property
    def thresholds(self) -> np.ndarray:
        return self.classifier.thresholds_

    def score(self, texts: Sequence[str], X: np.ndarray | None) -> ScoreResult:
        """Score texts (and their embeddings ``X``, rows aligned) for every ecosystem. With a
        fine-tuned head ``X`` may be None (the head reads the texts)."""
        if X is not None and len(texts) != len(X):
            raise ValueError(f"{len(texts)} texts but {len(X)} embeddings")
        evidence, terms = keyword_evidence(self.matcher, texts, self.ecosystems)
        if X is None and self.needs_embeddings:
            raise ValueError("this model scores (some ecosystems) with embeddings: pass X")
        if self.head is not None:
            proba = self.head.predict_proba(texts)
            if X is not None:  # the logistic regressions where the head has no output
                proba = np.where(np.isnan(proba), self.classifier.predict_proba(X), proba)
        else:
            proba = self.classifier.predict_proba(X)
        score = combine_scores(proba, evidence, self.keyword_weight)
        predicted = score >= self.thresholds
        return ScoreResult(self.ecosystems, proba, score, predicted, evidence, terms)

    def tune_thresholds(self, score: np.ndarray, Y: np.ndarray, target_precision: float = 0.8,
                        min_positives: int = 5) -> dict[str, str]:
        """Per ecosystem, the threshold reaching ``target_precision`` on labelled data
        (gold or reviewed); ecosystems with fewer than ``min_positives`` keep theirs."""
        how: dict[str, str] = {}
        for j, eco in enumerate(self.ecosystems):
            labelled = Y[:, j] >= 0
            if not labelled.any():
                how[eco] = f"default {self.thresholds[j]:.2f} (no hand labels for this ecosystem)"
                continue
            if int((Y[labelled, j] == 1).sum()) < min_positives:
                how[eco] = f"default {self.thresholds[j]:.2f} (too few labelled positives)"
                continue
            t, why = choose_threshold(Y[labelled, j] == 1, score[labelled, j], target_precision,
                                      float(self.thresholds[j]))
            self.classifier.thresholds_[j] = t
            how[eco] = f"{t:.3f}: {why}"
        self.card["thresholds"] = {e: float(t) for e, t in zip(self.ecosystems, self.thresholds)}
        self.card["threshold_choice"] = how
        return how

    def save(self, directory: str | Path) -> Path:
        card = {
            **self.card,
            "encoder_id": self.encoder_id,
            "taxonomy_hash": self.taxonomy_hash,
            "ecosystems": self.ecosystems,
            "keyword_weight": self.keyword_weight,
            "thresholds": {e: float(t) for e, t in zip(self.ecosystems, self.thresholds)},
            "keywords": self.keyword_spec,
            "classifier": {"type": "calibrated logistic regression per ecosystem (Platt scaling)",
                           "C": self.classifier.C,
                           "fitted": [e for e, f in zip(self.ecosystems, self.classifier.fitted_) if f]},
        }
        if self.head is None:
            card.pop("finetuned_head", None)
            return save_model_dir(directory, card, self.classifier.to_arrays())
        card["finetuned_head"] = {"directory": HEAD_DIR, "base": str(self.head.base),
                                  "settings": asdict(self.head.settings), "summary": self.head.summary_}
        return save_model_dir(directory, card, self.classifier.to_arrays(),
                              extra=lambda tmp: self.head.save(tmp / HEAD_DIR))

    def check_encoder(self, encoder_id: str, where: Any = "the model") -> None:
        """Refuse an encoder other than the one the model was trained with."""
        _check_encoder(where, self.encoder_id, encoder_id)

    @property
    def needs_embeddings(self) -> bool:
        """Whether :meth:`score` needs ``X``: always without a fine-tuned head; with one, only
        for ecosystems that have a logistic regression but no head output."""
        if self.head is None:
            return True
        return bool((self.classifier.fitted_ & ~self.head.fitted_).any())

    @classmethod
    def load(cls, directory: str | Path, *, encoder_id: str | None = None,
             taxonomy_hash: str | None = None, device: str = "auto") -> EcosystemModel:
        """Load a model directory; refuse it when the encoder or taxonomy does not match.
        ``device`` is where a fine-tuned head (if the model has one) runs."""
        card, arrays = load_model_dir(directory)
        missing = [k for k in MODEL_CARD_KEYS if k not in card]
        if missing:
            raise ModelError(f"{Path(directory) / 'card.json'}: has no {', '.join(map(repr, missing))} (edited or "
                             "damaged); copy the whole model directory again, or retrain with 'oi-text train'")
        if encoder_id is not None:
            _check_encoder(directory, card.get("encoder_id"), encoder_id)
        if taxonomy_hash is not None and card.get("taxonomy_hash") != taxonomy_hash:
            raise ModelError(
                f"{directory}: trained with taxonomy {card.get('taxonomy_hash')!r}, but the taxonomy "
                f"given has hash {taxonomy_hash!r} (its terms or ecosystems changed). Retrain with "
                "'oi-text train', or leave out --taxonomy to use the keywords stored in the model"
            )
        ecosystems = list(card["ecosystems"])
        clf = MultiLabelClassifier.from_arrays(arrays, ecosystems)
        clf.C = card.get("classifier", {}).get("C", 1.0)
        head = None
        if card.get("finetuned_head"):
            from .classify.finetune import FineTunedHead

            head = FineTunedHead.load(Path(directory) / card["finetuned_head"]["directory"], device=device)
            if head.ecosystems != ecosystems:
                raise ModelError(f"{directory}: the fine-tuned head's ecosystems differ from the model's")
        return cls(ecosystems, clf, card["keywords"], card["encoder_id"], card["taxonomy_hash"],
                   float(card.get("keyword_weight", KEYWORD_WEIGHT)), card, head=head)


def _check_encoder(where: Any, trained: str | None, given: str) -> None:
    if trained != given:
        raise ModelError(
            f"{where}: trained on embeddings from {trained!r}, but the encoder in use is {given!r}. "
            "Vectors of different models are not comparable: score with the embedding model and precision "
            "it was trained with (classify and evaluate use it when --embed-model is not given), or retrain"
        )


def train_model(
    texts: Sequence[str],
    X: np.ndarray,
    keyword_spec: dict[str, dict[str, list[str]]],
    *,
    encoder_id: str,
    taxonomy_hash: str,
    gold: np.ndarray | None = None,
    target_precision: float = 0.8,
    C: float = 1.0,
    keyword_weight: float = KEYWORD_WEIGHT,
    near_quantile: float = 0.1,
    head: Any = None,
    show_progress: bool = False,
) -> tuple[EcosystemModel, WeakLabels]:
    """Train from zero hand labels (keyword weak labels), or from ``gold`` where given.

    ``gold`` is an ``(n, E)`` array with 1/0 for labelled and -1 for unlabelled entries; where it
    has labels they replace the weak ones, and thresholds are tuned on them for
    ``target_precision``.

    ``head``: an unfitted :class:`~oi_text.classify.finetune.FineTunedHead` (same ecosystems) to
    fine-tune; it then gives ``p`` where it has an output. It learns from the hand labels
    (``gold``) only, so ecosystems without enough of them keep the logistic regression; without
    ``gold`` it learns the weak labels (it then mostly relearns the keywords). Thresholds are
    tuned on the texts it held out for calibration, not on those it was trained on.
    """
    ecosystems = list(keyword_spec)
    matcher = KeywordMatcher(keyword_spec)
    evidence, _ = keyword_evidence(matcher, texts, ecosystems)
    weak = weak_labels(evidence, X, near_quantile=near_quantile)
    Y, W = weak.y.copy(), weak.weight.copy()
    if gold is not None:
        if gold.shape != Y.shape:
            raise ValueError(f"gold labels have shape {gold.shape}, expected {Y.shape}")
        has = gold >= 0
        Y[has] = gold[has]
        W[has] = 1.0
    clf = MultiLabelClassifier(C=C, default_threshold=DEFAULT_THRESHOLD).fit(X, Y, ecosystems, sample_weight=W)
    summary = weak.summary()
    card = {
        "training": {
            "texts": len(texts),
            "hand_labels": int((gold >= 0).sum()) if gold is not None else 0,  # (text, ecosystem) entries
            "hand_labelled_texts": int((gold >= 0).any(axis=1).sum()) if gold is not None else 0,
            "weak_labels": summary,
            "skipped_ecosystems": clf.skipped_,
            "near_quantile": near_quantile,
        },
        "threshold_choice": {e: f"default {DEFAULT_THRESHOLD} (no labelled data)" for e in ecosystems},
    }
    if head is not None:
        if list(head.ecosystems) != ecosystems:
            raise ValueError("the fine-tuned head must have the taxonomy's ecosystems, in order")
        if gold is not None and (gold >= 0).any():
            head.fit(texts, gold, None, show_progress=show_progress)
        else:
            head.fit(texts, Y, W, show_progress=show_progress)
    model = EcosystemModel(ecosystems, clf, keyword_spec, encoder_id, taxonomy_hash, keyword_weight, card, matcher,
                           head=head)
    if gold is not None and (gold >= 0).any():
        # thresholds are tuned on scores of texts the classifiers did not learn from: on the
        # texts they were trained on, their p is optimistic and the target precision is met on
        # paper only. With a fine-tuned head, only its held-out texts; the logistic regressions
        # (trained on every text) are cross-fitted on those.
        res = model.score(texts, X)
        rows = head.calibration_rows_ if head is not None else np.where((gold >= 0).any(axis=1))[0]
        # only the ecosystems whose thresholds get tuned (enough labelled positives; see
        # tune_thresholds) need the 5 extra fits
        tunable = ((gold[rows] == 1).sum(axis=0) >= TUNING_MIN_POSITIVES) if len(rows) else np.zeros(len(ecosystems), bool)
        lr = clf.fitted_ & (~head.fitted_ if head is not None else True) & tunable
        oof = cross_fitted_proba(X, Y, W, ecosystems, rows, texts, columns=np.where(lr)[0], C=C)
        proba = res.proba[rows].copy()
        proba[:, lr] = np.where(np.isnan(oof[:, lr]), proba[:, lr], oof[:, lr])  # a fold too small to fit
        sub = KeywordEvidence(ecosystems, evidence.n_terms[rows], evidence.matched[rows], evidence.excluded[rows])
        held_out = combine_scores(proba, sub, keyword_weight)
        model.tune_thresholds(held_out, gold[rows], target_precision, min_positives=TUNING_MIN_POSITIVES)
        model.card["threshold_choice_on"] = (
            f"{len(rows)} texts held out from fine-tuning" if head is not None else
            f"cross-fitted scores of {len(rows)} hand-labelled texts ({TUNING_FOLDS} folds)")
        model.card["metrics"] = _card_metrics(gold[rows], held_out >= model.thresholds, sub.matched, ecosystems,
                                              model.card["threshold_choice_on"])
    else:
        # no labels to measure against: what the classifiers changed on the training texts (the
        # keyword evidence is already there, so this costs one matrix product)
        departures = {}
        if X is not None and len(texts):
            if head is None:
                predicted = combine_scores(clf.predict_proba(X), evidence, keyword_weight) >= model.thresholds
                fitted = clf.fitted_
            else:  # the head gives p where it has an output: score as the model will
                predicted = model.score(texts, X).predicted
                fitted = clf.fitted_ | head.fitted_
            kw = evidence.matched
            departures = {e: {"keyword_matches": int(kw[:, j].sum()), "dropped": int((kw[:, j] & ~predicted[:, j]).sum()),
                              "added": int((predicted[:, j] & ~kw[:, j]).sum())}
                          for j, e in enumerate(ecosystems) if fitted[j]}
        model.card["metrics"] = {
            "on": "no hand labels: for precision and recall run 'oi-text evaluate' with labels, or review the "
                  "flagged items ('oi-text review'); below, what the classifiers changed on the training texts",
            "departures_from_keywords": departures,
        }
    return model, weak


def _card_metrics(Y: np.ndarray, predicted: np.ndarray, matched: np.ndarray, ecosystems: Sequence[str],
                  on: str) -> dict[str, Any]:
    """Precision, recall and F1 per ecosystem (and of the keyword rule) on held-out scores of the
    hand-labelled texts, for the model card."""
    from .classify.evaluate import evaluation_table

    # only ecosystems whose scores were held out: those with fewer labelled positives were not
    # cross-fitted (see train_model), so their figures would be in-sample
    table = evaluation_table(Y, predicted, matched, ecosystems, min_support=TUNING_MIN_POSITIVES)
    cols = ["positives", "model_precision", "model_recall", "model_f1", "keywords_precision", "keywords_recall",
            "keywords_f1"]
    return {"on": f"{on}; the thresholds were chosen on these scores, so the figures lean optimistic; "
                  f"ecosystems with at least {TUNING_MIN_POSITIVES} labelled positives",
            "per_ecosystem": {r["ecosystem"]: {c: (round(float(r[c]), 4) if c != "positives" else int(r[c]))
                                                for c in cols} for r in table.to_dict("records")}}


def cross_fitted_proba(
    X: np.ndarray, Y: np.ndarray, W: np.ndarray, ecosystems: Sequence[str], rows: np.ndarray,
    texts: Sequence[str], *, columns: np.ndarray | None = None, folds: int = TUNING_FOLDS,
    C: float = 1.0, seed: int = 0,
) -> np.ndarray:
    """Classifier ``p`` for ``rows`` (``(len(rows), E)``, nan outside ``columns``) from
    classifiers that did not learn from them: ``rows`` are split into ``folds`` (equal texts stay
    together, and a copy of a held-out text outside ``rows`` is held out with it, so a duplicate
    cannot vote for its twin), and each fold is scored by a :class:`MultiLabelClassifier` trained
    on every other row, with the same labels ``Y`` and weights ``W`` (weak labels included). A
    fold classifier needs only 2 positives and 2 negatives (a fold of a rare ecosystem leaves
    few); where it still has none, the entries stay nan.

    Cost: ``folds`` extra fits of the classifiers for ``columns`` (one fit of 8 ecosystems on
    20,000 texts x 384 dimensions takes about 10 s on 2 cores)."""
    rows = np.asarray(rows, dtype=np.int64)
    E = len(ecosystems)
    cols = np.arange(E) if columns is None else np.asarray(columns, dtype=np.int64)
    out = np.full((len(rows), E), np.nan, dtype=np.float32)
    if not len(rows) or not len(cols):
        return out
    _, key = np.unique(np.asarray(texts, dtype=object).astype(str), return_inverse=True)  # one per distinct text
    fold_of_key = np.random.default_rng(seed).permutation(key.max() + 1) % max(2, folds)
    fold = fold_of_key[key[rows]]
    names = [ecosystems[j] for j in cols]
    for k in np.unique(fold):
        held = rows[fold == k]
        train = ~np.isin(key, key[held])  # every copy of a held-out text
        clf = MultiLabelClassifier(C=C, min_positives=2, min_negatives=2).fit(
            X[train], Y[train][:, cols], names, sample_weight=W[train][:, cols])
        out[np.ix_(np.where(fold == k)[0], cols)] = clf.predict_proba(X[held])
    return out


# ---------------------------------------------------------------------------------------------
# files: records in, model directories and scores out


def read_gold(
    *, records: Any, ecosystems: Sequence[str], label_col: str | None = None,
    gold_file: str | Path | None = None, label_sep: str = ";|,", known: Sequence[str] | None = None,
) -> np.ndarray:
    """Gold labels as ``(n, E)``: 1/0 for labelled records, -1 for unlabelled ones.

    From ``label_col`` (ecosystem ids separated by any of ``label_sep``, or a list; an empty
    cell = unlabelled, ``none`` or ``-`` = labelled with none of them) or from ``gold_file``
    (CSV ``id,ecosystem`` in long form: every id in the file is labelled, positive for the
    ecosystems listed with it; a row with an empty ecosystem labels a record with none; ids not
    in the file are unlabelled; or ``id,ecosystem,label`` per entry, as ``oi-text review
    labels`` writes it, where only those entries are labelled).

    Labels speak for the ecosystems they name: a labelled record is a negative for the other
    ecosystems named somewhere in the column or file, and stays unlabelled for ecosystems the
    labels never name (a file about AI and quantum says nothing about hydrogen).

    ``known``: every ecosystem id that exists (the taxonomy's). A label outside it is an error
    with a "did you mean" (a typo would otherwise make the record a negative); a known one the
    model lacks (left out with --ecosystems) is ignored with a warning.
    """
    import re as _re

    from .errors import SchemaError, did_you_mean

    index = {e: j for j, e in enumerate(ecosystems)}
    n = len(records)
    Y = np.full((n, len(ecosystems)), -1, dtype=np.int8)
    ignored: set[str] = set()

    def column(label: str, where: str) -> int | None:
        j = index.get(label)
        if j is None:
            if known is not None and label not in known:
                raise SchemaError(f"{where}: unknown ecosystem {label!r}{did_you_mean(label, [*known])} "
                                  "(labels use the taxonomy's ids)")
            ignored.add(label)
        return j

    named = np.zeros(len(ecosystems), dtype=bool)
    labelled = np.zeros(n, dtype=bool)
    if label_col is not None:
        if label_col not in records.columns:
            raise SchemaError(f"label column {label_col!r} not found; columns: {list(records.columns)}")
        ids = records["id"].astype(str).tolist() if "id" in records.columns else None
        for i, cell in enumerate(records[label_col].tolist()):
            if cell is None or (isinstance(cell, float) and cell != cell):
                continue
            if isinstance(cell, str):
                if not cell.strip():
                    continue
                labels = [x.strip() for x in _re.split("[" + _re.escape(label_sep) + "]", cell) if x.strip()]
            else:
                labels = [str(x) for x in cell]
            labelled[i] = True
            for lab in labels:
                if lab.lower() in ("none", "-"):
                    continue
                j = column(lab, f"label column {label_col!r}, record {i + 1}" + (f" (id {ids[i]!r})" if ids else ""))
                if j is not None:
                    Y[i, j] = 1
                    named[j] = True
    elif gold_file is not None:
        gold = read_gold_csv(gold_file)
        rows = {str(r): i for i, r in enumerate(records["id"].astype(str))}
        absent = sorted({rid for rid in gold["id"] if rid not in rows})
        if absent and len(absent) < gold["id"].nunique():
            logger.warning("%s: %d of its %d ids are not in the records, their labels unused (e.g. %s)",
                           gold_file, len(absent), gold["id"].nunique(), ", ".join(absent[:3]))
        if "label" in gold.columns:
            # per-entry labels (as 'oi-text review labels' writes them): only those entries are labelled
            for k, (rid, eco, lab) in enumerate(zip(gold["id"], gold["ecosystem"], gold["label"])):
                j = column(eco, f"{gold_file}, row {k + 2}") if eco else None
                i = rows.get(rid)
                if i is None or j is None:
                    continue
                Y[i, j] = 1 if str(lab).strip() in ("1", "true", "True", "accept") else 0
            if not (Y >= 0).any():
                raise SchemaError(f"{gold_file}: none of its (id, ecosystem) pairs occur in the records and model")
            return Y
        for k, (rid, eco) in enumerate(zip(gold["id"], gold["ecosystem"])):
            j = column(eco, f"{gold_file}, row {k + 2}") if eco else None
            i = rows.get(rid)
            if i is None:
                continue
            labelled[i] = True
            if j is not None:
                Y[i, j] = 1
                named[j] = True
        if not labelled.any():
            raise SchemaError(f"{gold_file}: none of its ids occur in the records")
    # a labelled record is a negative for the other ecosystems the labels name
    scope = labelled[:, None] & named[None, :]
    Y[scope & (Y < 0)] = 0
    if ignored:
        logger.warning("labels for ecosystems the model does not have (left out with --ecosystems), ignored: %s",
                       sorted(ignored)[:20])
    return Y


def gold_fingerprint(ids: Any, Y: np.ndarray) -> str:
    """A hash of which records carry which hand labels (the labelled entries only), so that
    evaluate can tell when it is given the labels a model was trained on."""
    import hashlib

    keep = np.flatnonzero((Y >= 0).any(axis=1))  # the labelled records only (often a few hundred)
    ids = np.asarray(ids, dtype=object)[keep].astype(str)
    order = np.argsort(ids, kind="stable")
    h = hashlib.sha256()
    for rid, row in zip(ids[order], Y[keep][order].tolist()):
        h.update(f"{rid}\t{row}\n".encode())
    return h.hexdigest()[:16]


def read_gold_csv(path: str | Path) -> Any:
    """A gold CSV with columns id, ecosystem (and label), comma, semicolon or tab separated."""
    import csv

    import pandas as pd

    from .errors import SchemaError

    with open(path, encoding="utf-8-sig", newline="") as f:
        head = f.readline()
    try:
        sep = csv.Sniffer().sniff(head, delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    gold = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8-sig")
    gold.columns = [c.strip() for c in gold.columns]
    if not {"id", "ecosystem"} <= set(gold.columns):
        raise SchemaError(f"{path}: expected columns 'id' and 'ecosystem', found {list(gold.columns)}")
    gold["ecosystem"] = gold["ecosystem"].str.strip()
    return gold


def _guess_text_col(columns: Sequence[str], source: Any) -> str | None:
    """The first usual text-column name among ``columns`` (as ingest guesses), said in a warning."""
    from .ingest.mapping import guess_text_column

    guess = guess_text_column(columns)
    if guess is not None:
        logger.warning("%s: no text column given; using %r (pass --text-col to choose)", Path(str(source)).name, guess)
    return guess


def load_texts(source: str | Path, *, text_col: str = "text", id_col: str | None = "id",
               workdir: str | Path | None = None) -> Any:
    """A records DataFrame from a records file, or from any export via ingest (cleaned)."""
    import tempfile

    from .errors import SchemaError
    from .ingest import ColumnMapping, ingest
    from .records import id_strings, load_records

    source = Path(source)
    if source.suffix.lower() in (".parquet", ".jsonl"):
        try:
            df = load_records(source, required=())
        except Exception:  # noqa: BLE001 - fall back to ingest for anything else
            df = None
        if df is not None and id_col == DEFAULT_ID_COL and id_col not in df.columns:
            id_col = None  # no id column: <file>:<row>, as for any export
        if df is not None and text_col == DEFAULT_TEXT_COL and text_col not in df.columns:
            text_col = _guess_text_col(df.columns, source) or text_col
        if df is not None and text_col in df.columns and (id_col is None or id_col in df.columns):
            # a column already called id (or text) that is not the one chosen keeps its values
            # under id_input (text_input), as ingest does
            clash = {c: f"{c}_input" for c, chosen in (("id", id_col), ("text", text_col))
                     if c in df.columns and chosen != c}
            df = df.rename(columns=clash).rename(columns={text_col: "text", **({id_col: "id"} if id_col else {})})
            if "id" not in df.columns:
                df["id"] = [f"{source.stem}:{i + 1}" for i in range(len(df))]
            if df["id"].isna().any():
                raise SchemaError(f"{source}: id column {id_col!r} has {int(df['id'].isna().sum())} empty cell(s), "
                                  f"e.g. row {int(df['id'].isna().to_numpy().argmax()) + 1}; fill them or pass --id-col")
            df["id"] = id_strings(df["id"].tolist())  # 123.0 -> "123", as ingest writes ids
            df["text"] = df["text"].fillna("").astype(str)
            # blank texts and repeated ids are dropped and reported, as ingest does for a CSV,
            # rather than scored as nothing or scored twice (the other columns, such as a list
            # of labels, are kept as they are)
            blank = (df["text"].str.strip() == "").to_numpy()
            repeated = df["id"].duplicated().to_numpy() & ~blank
            if blank.any() or repeated.any():
                first = int(np.flatnonzero(blank | repeated)[0])
                logger.warning("%s: %d of %d rows not used (empty_text %d, duplicate_id %d; first: row %d, id %s)",
                               source, int((blank | repeated).sum()), len(df), int(blank.sum()), int(repeated.sum()),
                               first + 1, df["id"].iloc[first])
                df = df[~(blank | repeated)]
            if df.empty:
                raise SchemaError(f"{source}: no records with text in column {text_col!r}; check --text-col")
            return df.reset_index(drop=True)
    text_cols: tuple[str, ...] = (text_col,)
    if id_col == DEFAULT_ID_COL or text_col == DEFAULT_TEXT_COL:
        # the default id column is used when the export has one, else ids are <file>:<row>;
        # without this, a missing "id" column also stops the header being found under title rows.
        # Without a "text" column (and no --text-col), ingest takes the first usual name
        # (description, omschrijving, objective, ...) and says which.
        from .ingest import open_table
        from .ingest.mapping import TEXT_COLUMN_GUESSES

        expected = (text_col, *((id_col,) if id_col else ()),
                    *(TEXT_COLUMN_GUESSES if text_col == DEFAULT_TEXT_COL else ()))
        header = list(open_table(source, expected_columns=expected).columns)
        columns = {str(c).casefold() for c in header}
        if id_col == DEFAULT_ID_COL and DEFAULT_ID_COL not in columns:
            logger.info("%s has no %r column: ids are <file name>:<row> (pass --id-col to use a column)",
                        source, DEFAULT_ID_COL)
            id_col = None
        if text_col == DEFAULT_TEXT_COL and DEFAULT_TEXT_COL not in columns:
            guess = _guess_text_col([str(c) for c in header], source)
            if guess is None:
                from .errors import format_columns

                usual = ", ".join(c for c in TEXT_COLUMN_GUESSES[:5] if c != "text")
                raise SchemaError(f"{source}: no 'text' column and none of the usual text columns ({usual}, ...); "
                                  f"pass --text-col NAME. Columns found: {format_columns(header)}")
            text_col = guess
            text_cols = (guess,)
    with tempfile.TemporaryDirectory(prefix="oi_text_", dir=workdir) as tmp:
        out = Path(tmp) / (source.name.split(".")[0] + ".records.parquet")
        summary = ingest(source, ColumnMapping(text=text_cols, id=id_col), out=out, on_error="skip", dedupe="none")
        df = load_records(out)
    if df.empty:
        why = ""
        if summary.issues:  # say what happened to the rows, e.g. unquoted commas in every row
            first = summary.issues[0]
            counts = ", ".join(f"{k} {n}" for k, n in summary.dropped_counts.most_common())
            why = f"; {counts}; row {first.row}: {first.detail}"
        raise SchemaError(f"{source}: no records with text in column {text_col!r} ({summary.rows_read} rows read{why}); "
                          "check --text-col, or 'oi-text ingest --report report.csv' lists what happened to each row")
    if summary.rows_kept < summary.rows_read:
        issues = ", ".join(f"{k} {n}" for k, n in summary.dropped_counts.most_common())
        logger.warning("%s: %d of %d rows not used (%s); 'oi-text ingest %s --report report.csv' lists them "
                       "row by row", source, summary.rows_read - summary.rows_kept, summary.rows_read, issues,
                       source.name)
    return df


@dataclass
class ClassifySummary:
    source: str
    output: str
    records: int = 0
    chunks: int = 0
    chunks_resumed: int = 0
    records_resumed: int = 0
    predicted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def format(self) -> str:
        # the speed of this run: records finished by an earlier run took no time now
        rate = (self.records - self.records_resumed) / self.seconds if self.seconds else float("nan")
        top = sorted(self.predicted.items(), key=lambda kv: -kv[1])
        lines = [
            f"Classified {self.source}",
            f"  records: {self.records:,} in {self.chunks} chunk(s)"
            + (f" ({self.chunks_resumed} resumed from an earlier run)" if self.chunks_resumed else ""),
            "  predicted per ecosystem: " + (", ".join(f"{e} {n:,}" for e, n in top if n) or "none"),
            f"  {rate:,.1f} records/s{' (new records only)' if self.records_resumed else ''} "
            f"({self.seconds:.1f}s); written to {self.output}",
        ]
        return "\n".join(lines)


def _fingerprint_file(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


_SOURCE_KEY = b"oi_text_source"


def _unusable_rows(path: Path, text_col: str, id_col: str) -> dict[str, np.ndarray] | None:
    """Rows of a Parquet records file that cannot be scored: a missing id, a repeated id (after
    its first row), or no text. ``None`` when every row is fine, which is the usual case, found
    column by column without Python objects: the ids are counted by Arrow, the texts are read
    in batches and not kept."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    ids = pc.cast(pq.read_table(path, columns=[id_col]).column(0), "string")
    missing = ids.null_count + (pc.sum(pc.equal(ids, "")).as_py() or 0)
    repeats = len(ids) - pc.count_distinct(ids, mode="only_valid").as_py() - ids.null_count
    blank_parts, any_blank = [], False
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536, columns=[text_col]):
        texts = pc.cast(batch.column(0), "string")
        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(texts), ""), True).to_numpy(zero_copy_only=False)
        any_blank = any_blank or bool(blank.any())
        blank_parts.append(blank)
    if not (missing or repeats or any_blank):
        return None
    import pandas as pd

    id_values = pd.Series(ids.to_numpy(zero_copy_only=False))
    no_id = (id_values.isna() | (id_values == "")).to_numpy()
    no_text = np.concatenate(blank_parts) if blank_parts else np.zeros(0, bool)
    # an id seen before is repeated even when its first row had no text, as ingest counts it
    repeated = id_values.where(~no_id).duplicated().to_numpy() & ~no_id & ~no_text
    return {"missing_id": no_id, "empty_text": no_text & ~no_id, "duplicate_id": repeated}


def _write_usable_rows(source: Path, target: Path, text_col: str, id_col: str, bad: dict[str, np.ndarray],
                       metadata: dict[bytes, bytes]) -> None:
    """Copy the usable rows' id and text to ``target`` in batches, and say what was left out."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .errors import SchemaError

    n = pq.ParquetFile(source).metadata.num_rows
    drop = np.logical_or.reduce([np.zeros(n, bool), *bad.values()])
    counts = ", ".join(f"{k} {int(v.sum())}" for k, v in bad.items() if v.any())
    if n and drop.all():
        raise SchemaError(f"{source}: no records with text in column {text_col!r} ({n} rows read; {counts}); "
                          "check --text-col and --id-col")
    schema = pa.schema([("id", pa.string()), ("text", pa.string())], metadata=metadata)
    tmp = target.with_name(target.name + ".tmp")
    start = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in pq.ParquetFile(source).iter_batches(batch_size=65_536, columns=[id_col, text_col]):
            keep = pa.array(~drop[start:start + batch.num_rows])
            start += batch.num_rows
            table = pa.table({"id": pc.cast(batch.column(0), "string"), "text": pc.cast(batch.column(1), "string")})
            writer.write_table(table.filter(keep).replace_schema_metadata(metadata))
    os.replace(tmp, target)
    if not drop.any():
        return
    first = int(np.flatnonzero(drop)[0])
    logger.warning("%s: %d of %d rows not used (%s; first: record %d); the others are in %s",
                   source, int(drop.sum()), len(drop), counts, first + 1, target)


def records_for_classify(source: str | Path, out: str | Path, *, text_col: str = "text",
                         id_col: str | None = "id") -> Path:
    """A Parquet records file (columns ``id``, ``text``) for :func:`classify_records`, made from
    any input ``load_texts`` reads, beside ``out`` (``<out stem>.records.parquet``).

    Parquet input with an id and a text in every row and no id twice (as ``oi-text ingest``
    writes it) is used as is; one with rows that cannot be scored has its other rows copied,
    batch by batch, and the left-out rows counted in a warning. Other input is converted through
    ingest, which drops and reports such rows too. A conversion is done once: a rerun on the
    same, unchanged input reuses the converted file (it records the input's fingerprint), so an
    interrupted classify run resumes instead of starting over."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    source, out = Path(source), Path(out)
    target = out.with_name(out.stem + ".records.parquet")
    if target.resolve() == source.resolve():  # never write over the input
        target = out.with_name(out.stem + ".converted.records.parquet")
    stamp = json.dumps({**_fingerprint_file(source), "text_col": text_col, "id_col": id_col}).encode()
    if target.exists():  # converted by an earlier run, from this very input
        try:
            if (pq.read_schema(target).metadata or {}).get(_SOURCE_KEY) == stamp:
                return target
        except (OSError, pa.ArrowInvalid):
            pass
    bad = None
    if source.suffix.lower() == ".parquet":
        try:
            names = set(pq.read_schema(source).names)
        except (OSError, pa.ArrowInvalid):
            names = set()
        guessed = False
        if names and text_col == DEFAULT_TEXT_COL and text_col not in names:
            # no "text" column and no --text-col: the usual name, copied under "text" (streamed)
            guessed = (guess := _guess_text_col(sorted(names), source)) is not None
            text_col = guess or text_col
        if text_col in names and id_col not in names and id_col != DEFAULT_ID_COL and not guessed:
            return source  # a missing --id-col is reported by classify_records
        if text_col in names and id_col in names:
            bad = _unusable_rows(source, text_col, id_col)
            if bad is None and not guessed:
                return source
            bad = bad or {}
    target.parent.mkdir(parents=True, exist_ok=True)
    if bad is not None:  # a large Parquet stays streamed: its usable rows are copied batch by batch
        _write_usable_rows(source, target, text_col, str(id_col), bad, {_SOURCE_KEY: stamp})
        return target
    df = load_texts(source, text_col=text_col, id_col=id_col)
    table = pa.Table.from_pandas(df[["id", "text"]], preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _SOURCE_KEY: stamp})
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return target


def check_scores_out(out: str | Path) -> Path:
    """Scores are Parquet (for millions of rows, and 'oi-text review load') or CSV (for a
    spreadsheet): refuse another name before any work."""
    from .errors import ConfigError

    out = Path(out)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise ConfigError(f"output {str(out)!r}: scores are written as Parquet (*.parquet) or CSV (*.csv)")
    return out


def classify_records(
    source: str | Path,
    model: EcosystemModel,
    encoder: Any,
    out: str | Path,
    *,
    ecosystems: Sequence[str] | None = None,
    chunk_size: int = 2000,
    only_predicted: bool = False,
    show_progress: bool = False,
    text_col: str = "text",
    id_col: str = "id",
    progress_lines: bool = False,
) -> ClassifySummary:
    """Score a records file in chunks, resumably, into long-format Parquet.

    ``show_progress``: a progress bar (for a terminal); ``progress_lines``: a line on stderr per
    finished chunk instead (for a log file).

    One row per (record, ecosystem): ``id, ecosystem, score, predicted, matched_terms`` plus
    ``classifier_score`` and ``keyword_match`` (the two halves of the score). Every finished
    chunk is written to ``<out>.parts/`` at once; a run that is interrupted and started again
    with the same input, model and chunk size skips the chunks already written, so no row is
    lost or duplicated. At the end the parts are merged into ``out``.
    """
    import json
    import shutil
    import time

    import pyarrow as pa
    import pyarrow.parquet as pq

    from .errors import ConfigError, SchemaError
    from .records import id_strings, iter_record_chunks

    t0 = time.perf_counter()
    source, out = Path(source), Path(out)
    check_scores_out(out)
    wanted = list(dict.fromkeys(ecosystems or model.ecosystems))
    bad = [e for e in wanted if e not in model.ecosystems]
    if bad:
        from .errors import did_you_mean

        raise ConfigError(f"ecosystem {bad[0]!r} is not in the model{did_you_mean(bad[0], model.ecosystems)} "
                          f"(it has {len(model.ecosystems)}: {', '.join(model.ecosystems[:8])}"
                          f"{', ...' if len(model.ecosystems) > 8 else ''})")
    cols = [model.ecosystems.index(e) for e in wanted]
    parts = out.with_name(out.name + ".parts")
    manifest = {"input": _fingerprint_file(source), "model_created": model.card.get("created"),
                "encoder_id": model.encoder_id, "taxonomy_hash": model.taxonomy_hash,
                "chunk_size": chunk_size, "ecosystems": wanted, "only_predicted": only_predicted}
    if parts.exists():
        try:
            old = json.loads((parts / "manifest.json").read_text())
        except (OSError, ValueError):
            old = None
        if old != manifest:
            logger.warning("%s holds parts of a different run (input, model or options changed); starting over", parts)
            shutil.rmtree(parts)
    parts.mkdir(parents=True, exist_ok=True)
    (parts / "manifest.json").write_text(json.dumps(manifest, indent=1))
    schema = pa.schema([("id", pa.string()), ("ecosystem", pa.string()), ("score", pa.float32()),
                        ("predicted", pa.bool_()), ("matched_terms", pa.list_(pa.string())),
                        ("classifier_score", pa.float32()), ("keyword_match", pa.bool_())])
    summary = ClassifySummary(str(source), str(out), predicted=dict.fromkeys(wanted, 0))
    bar = None
    total = pq.ParquetFile(source).metadata.num_rows if source.suffix.lower() == ".parquet" else None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit="records", desc="classify", mininterval=0.5)
    try:
        for k, chunk in enumerate(iter_record_chunks(source, chunk_size=chunk_size)):
            part = parts / f"chunk-{k:06d}.parquet"
            summary.chunks += 1
            summary.records += len(chunk)
            if part.exists():
                summary.chunks_resumed += 1
                summary.records_resumed += len(chunk)
                done = pq.read_table(part, columns=["ecosystem", "predicted"]).to_pandas()
                for e, n in done[done.predicted].ecosystem.value_counts().items():
                    summary.predicted[e] += int(n)
                if bar is not None:
                    bar.update(len(chunk))
                continue
            missing = [c for c in (id_col, text_col) if c not in chunk.columns]
            if missing:
                raise SchemaError(f"{source}: column(s) {missing} not found; found {list(chunk.columns)}. "
                                  "Fix the column name in --text-col/--id-col")
            texts = chunk[text_col].fillna("").astype(str).tolist()
            ids = id_strings(chunk[id_col].tolist())
            X = encoder.encode(texts) if model.needs_embeddings else None
            res = model.score(texts, X)
            rows: dict[str, list[Any]] = {name: [] for name in schema.names}
            for i, rid in enumerate(ids):
                for j in cols:
                    pred = bool(res.predicted[i, j])
                    if only_predicted and not pred:
                        continue
                    eco = model.ecosystems[j]
                    rows["id"].append(rid)
                    rows["ecosystem"].append(eco)
                    rows["score"].append(float(res.score[i, j]))
                    rows["predicted"].append(pred)
                    rows["matched_terms"].append(res.terms[i].get(eco, []))
                    p = res.proba[i, j]
                    rows["classifier_score"].append(None if np.isnan(p) else float(p))
                    rows["keyword_match"].append(bool(res.evidence.matched[i, j]))
                    if pred:
                        summary.predicted[eco] += 1
            tmp = part.with_name(part.name + ".tmp")
            pq.write_table(pa.Table.from_pydict(rows, schema=schema), tmp, compression="zstd")
            os.replace(tmp, part)
            if bar is not None:
                bar.update(len(chunk))
            if progress_lines:
                new = summary.records - summary.records_resumed
                print(f"classify: chunk {k + 1} written, {summary.records:,}{f' of {total:,}' if total else ''} "
                      f"records ({new / max(time.perf_counter() - t0, 1e-9):,.1f} records/s)",
                      file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        done = len(list(parts.glob("chunk-*.parquet")))
        logger.warning("interrupted: %d finished chunk(s) are kept in %s; run the same command again to resume "
                       "from there", done, parts)
        raise
    finally:
        if bar is not None:
            bar.close()
    tmp_out = out.with_name(out.name + ".partial")
    chunk_files = [parts / f"chunk-{k:06d}.parquet" for k in range(summary.chunks)]
    if out.suffix.lower() == ".csv":
        # for a spreadsheet: UTF-8 with BOM (Excel reads the accents), terms joined by "; ", and
        # no cell that Excel would run as a formula (terms such as "=AI" or "-using ai" get a
        # leading apostrophe, which 'oi-text review load' takes off again)
        from .records import spreadsheet_safe

        with open(tmp_out, "w", encoding="utf-8-sig", newline="") as f:
            for k, path in enumerate(chunk_files):
                df = pq.read_table(path).to_pandas()
                df["matched_terms"] = df["matched_terms"].map("; ".join)
                spreadsheet_safe(df).to_csv(f, index=False, header=k == 0)
    else:
        with pq.ParquetWriter(tmp_out, schema, compression="zstd") as writer:
            for path in chunk_files:
                writer.write_table(pq.read_table(path))
    os.replace(tmp_out, out)
    shutil.rmtree(parts)
    summary.seconds = time.perf_counter() - t0
    return summary
