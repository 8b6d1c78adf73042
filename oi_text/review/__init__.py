"""The false-positive review queue: a store of decisions, sampling, and estimates with CIs.

- :mod:`~oi_text.review.store`: runs, items, the append-only decision log, audit and learning
  queues (SQLite or PostgreSQL through :mod:`~oi_text.review.db`);
- :mod:`~oi_text.review.estimate`: precision and true counts with 95% confidence intervals, and
  how many more reviews reach a target width.
"""

from .estimate import Estimate, Stratum, estimate, reviews_needed, stratified_precision, wilson
from .store import REASONS, ReviewStore

__all__ = ["REASONS", "Estimate", "ReviewStore", "Stratum", "estimate", "reviews_needed",
           "stratified_precision", "wilson"]
