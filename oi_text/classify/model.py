"""Classifiers on embeddings: a calibrated logistic regression per ecosystem (one-vs-rest,
multi-label), trained on weak or gold labels.

:class:`CalibratedLogit` is a scikit-learn binary estimator (it passes
``parametrize_with_checks``): logistic regression, then Platt scaling fitted on out-of-fold
decision values, so that scores read as probabilities. :class:`MultiLabelClassifier` holds one
per ecosystem, skips unlabelled entries (``-1``), and keeps per-ecosystem thresholds. All learned
state is plain arrays, saved as safetensors by :mod:`oi_text.persist`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..errors import ModelError


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _platt(decision: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> tuple[float, float]:
    """Fit p = sigmoid(a * d + b) by a 1-D logistic regression on decision values."""
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(decision.reshape(-1, 1), y, sample_weight=weight)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


class CalibratedLogit(ClassifierMixin, BaseEstimator):
    """Binary logistic regression with Platt-calibrated probabilities.

    Parameters
    ----------
    C : float
        Inverse regularisation strength.
    class_weight : "balanced" or None
    cv : int
        Folds for the out-of-fold decision values used to fit the calibration (``0``: calibrate
        on the training decision values).
    max_iter : int
    random_state : int

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(1, 1, (40, 3)), rng.normal(-1, 1, (40, 3))]
    >>> y = np.r_[np.ones(40, int), np.zeros(40, int)]
    >>> clf = CalibratedLogit().fit(X, y)
    >>> bool(clf.predict_proba(X[:1])[0, 1] > 0.5)
    True
    """

    def __init__(self, C: float = 1.0, class_weight: str | None = "balanced", cv: int = 3,
                 max_iter: int = 2000, random_state: int = 0) -> None:
        self.C = C
        self.class_weight = class_weight
        self.cv = cv
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, sample_weight=None):  # type: ignore[no-untyped-def]
        X, y = validate_data(self, X, y, dtype=np.float64)
        target = type_of_target(y, input_name="y")
        if target not in ("binary",):
            if target == "multiclass":
                raise ValueError("Only binary classification is supported; got a multiclass target")
            if len(np.unique(y)) < 2:
                raise ValueError("Classifier can't train when only one class is present.")
            raise ValueError(f"Unknown label type: {target}")
        self.classes_, yi = np.unique(y, return_inverse=True)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        base = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        base.fit(X, y, sample_weight=w)  # original labels, so class_weight dicts keep their keys
        self.coef_ = base.coef_[0].copy()
        self.intercept_ = float(base.intercept_[0])
        self.n_iter_ = base.n_iter_.copy()
        decision = X @ self.coef_ + self.intercept_
        counts = np.bincount(yi, minlength=2)
        if self.cv and counts.min() >= self.cv:
            from sklearn.model_selection import StratifiedKFold

            oof = np.empty(len(yi))
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
            for tr, te in folds.split(X, yi):
                m = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
                m.fit(X[tr], y[tr], sample_weight=None if w is None else w[tr])
                oof[te] = X[te] @ m.coef_[0] + m.intercept_[0]
            decision = oof
        self.platt_ = np.array(_platt(decision, yi, w))
        return self

    def decision_function(self, X):  # type: ignore[no-untyped-def]
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X):  # type: ignore[no-untyped-def]
        d = self.decision_function(X)
        p = _sigmoid(self.platt_[0] * d + self.platt_[1])
        return np.c_[1 - p, p]

    def predict(self, X):  # type: ignore[no-untyped-def]
        positive = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[positive.astype(int)]


class MultiLabelClassifier:
    """One :class:`CalibratedLogit` per ecosystem; labels ``1``/``0``, ``-1`` = unlabelled.

    Ecosystems with too few labelled positives or negatives are left without a classifier
    (``nan`` scores) and listed in :attr:`skipped_`.
    """

    def __init__(self, C: float = 1.0, min_positives: int = 5, min_negatives: int = 5,
                 default_threshold: float = 0.5, random_state: int = 0) -> None:
        self.C = C
        self.min_positives = min_positives
        self.min_negatives = min_negatives
        self.default_threshold = default_threshold
        self.random_state = random_state

    def fit(self, X: np.ndarray, Y: np.ndarray, ecosystems: Sequence[str],
            sample_weight: np.ndarray | None = None) -> MultiLabelClassifier:
        X = np.asarray(X, dtype=np.float32)
        Y = np.asarray(Y)
        if Y.shape != (X.shape[0], len(ecosystems)):
            raise ValueError(f"Y has shape {Y.shape}, expected {(X.shape[0], len(ecosystems))}")
        E, d = len(ecosystems), X.shape[1]
        self.ecosystems_ = list(ecosystems)
        self.coef_ = np.zeros((E, d), dtype=np.float32)
        self.intercept_ = np.zeros(E, dtype=np.float32)
        self.platt_ = np.zeros((E, 2), dtype=np.float32)
        self.fitted_ = np.zeros(E, dtype=bool)
        self.thresholds_ = np.full(E, self.default_threshold, dtype=np.float32)
        self.n_pos_ = np.zeros(E, dtype=np.int64)
        self.n_neg_ = np.zeros(E, dtype=np.int64)
        self.skipped_: dict[str, str] = {}
        for j, eco in enumerate(self.ecosystems_):
            keep = Y[:, j] >= 0
            y = Y[keep, j].astype(int)
            self.n_pos_[j], self.n_neg_[j] = int(y.sum()), int((y == 0).sum())
            if self.n_pos_[j] < self.min_positives or self.n_neg_[j] < self.min_negatives:
                pos, neg = int(self.n_pos_[j]), int(self.n_neg_[j])
                self.skipped_[eco] = f"{pos} positive{'s' * (pos != 1)}, {neg} negative{'s' * (neg != 1)}"
                continue
            w = None if sample_weight is None else sample_weight[keep, j]
            clf = CalibratedLogit(C=self.C, random_state=self.random_state).fit(X[keep], y, sample_weight=w)
            self.coef_[j] = clf.coef_
            self.intercept_[j] = clf.intercept_
            self.platt_[j] = clf.platt_
            self.fitted_[j] = True
        return self

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise ModelError("the classifier is not fitted; call fit() or load a trained model")

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``[n, E]`` calibrated scores; ``nan`` for ecosystems without a classifier."""
        self._check()
        X = np.asarray(X, dtype=np.float32)
        if X.shape[1] != self.coef_.shape[1]:
            raise ModelError(f"embeddings have {X.shape[1]} dimensions; the classifier expects {self.coef_.shape[1]}")
        d = X @ self.coef_.T + self.intercept_
        p = _sigmoid(self.platt_[:, 0] * d + self.platt_[:, 1]).astype(np.float32)
        p[:, ~self.fitted_] = np.nan
        return p

    def predict(self, X: np.ndarray) -> np.ndarray:
        p = self.predict_proba(X)
        return np.nan_to_num(p, nan=0.0) >= self.thresholds_

    def to_arrays(self) -> dict[str, np.ndarray]:
        self._check()
        return {"coef": self.coef_, "intercept": self.intercept_, "platt": self.platt_,
                "fitted": self.fitted_.astype(np.uint8), "thresholds": self.thresholds_,
                "n_pos": self.n_pos_, "n_neg": self.n_neg_}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], ecosystems: Sequence[str]) -> MultiLabelClassifier:
        missing = [k for k in ("coef", "intercept", "platt", "fitted", "thresholds", "n_pos", "n_neg") if k not in arrays]
        if missing:
            raise ModelError(f"the classifier weights lack {', '.join(missing)} (damaged or not an oi_text model); "
                             "copy the whole model directory again, or retrain with 'oi-text train'")
        m = cls()
        m.ecosystems_ = list(ecosystems)
        m.coef_ = arrays["coef"].astype(np.float32)
        m.intercept_ = arrays["intercept"].astype(np.float32)
        m.platt_ = arrays["platt"].astype(np.float32)
        m.fitted_ = arrays["fitted"].astype(bool)
        m.thresholds_ = arrays["thresholds"].astype(np.float32)
        m.n_pos_ = arrays["n_pos"]
        m.n_neg_ = arrays["n_neg"]
        m.skipped_ = {}
        if m.coef_.shape[0] != len(m.ecosystems_):
            raise ModelError(f"model holds {m.coef_.shape[0]} classifiers but the card lists {len(m.ecosystems_)} ecosystems")
        return m


def choose_threshold(y_true: np.ndarray, scores: np.ndarray, target_precision: float = 0.8,
                     default: float = 0.5) -> tuple[float, str]:
    """The lowest threshold whose precision reaches ``target_precision`` (most recall), else
    the most precise one. Returns ``(threshold, how)``.

    Precision above a cut of ``k`` texts with ``tp`` positives is estimated as
    ``(tp + 1) / (k + 2)`` (Laplace's rule: a uniform prior), so a handful of top texts cannot
    claim 100%: 3 of 3 reads as 0.8, 9 of 10 as 0.83. Choosing the lowest of many cuts that
    clear the target favours lucky ones, and on held-out texts the plain ratio missed a 0.8
    target by more than 5 points more often (see the README). A target no cut reaches (1.0
    never is; 0.95 needs a perfect top 18) gets the cut with the highest estimated precision
    (the most recall among equals), so asking for more precision never gives less."""
    y_true = np.asarray(y_true).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    ok = ~np.isnan(scores)
    y_true, scores = y_true[ok], scores[ok]
    if y_true.sum() == 0 or (~y_true).sum() == 0:
        return default, "default (labels have one class only)"
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], y_true[order]
    tp = np.cumsum(y)
    k = np.arange(1, len(y) + 1)
    precision = (tp + 1) / (k + 2)
    recall = tp / y.sum()
    # only cut between distinct scores
    last = np.r_[s[1:] != s[:-1], True]
    cand = np.where(last)[0]
    good = cand[precision[cand] >= target_precision]
    if len(good):
        i = good[np.argmax(recall[good])]
        return float(s[i]), f"precision >= {target_precision:.2f} on labelled data"
    best = precision[cand].max()
    top = cand[precision[cand] >= best - 1e-12]
    i = top[np.argmax(recall[top])]
    return float(s[i]), (f"highest reachable precision {best:.2f} on labelled data "
                         f"(target {target_precision:.2f} not reachable)")
