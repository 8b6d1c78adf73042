"""Weak labels, classifiers on embeddings, thresholds and evaluation.

This stage receives keyword evidence as arrays and embeddings as matrices; it imports neither
``keywords`` nor ``embed`` (orchestration lives in :mod:`oi_text.pipeline`).
"""

from .evaluate import evaluation_table, format_table, plot_pr_curves, prf
from .model import CalibratedLogit, MultiLabelClassifier, choose_threshold
from .weak import KeywordEvidence, WeakLabels, labels_matrix, weak_labels

__all__ = [
    "CalibratedLogit",
    "KeywordEvidence",
    "MultiLabelClassifier",
    "WeakLabels",
    "choose_threshold",
    "evaluation_table",
    "format_table",
    "labels_matrix",
    "plot_pr_curves",
    "prf",
    "weak_labels",
]
