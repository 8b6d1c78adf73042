"""Estimates from audit reviews: precision with a 95% confidence interval, the true count with an
interval, and how many more reviews reach a target interval width.

Audit samples are stratified (score bands over the flagged items, plus a band of unflagged
items just under the threshold). For flagged strata ``h`` with ``N_h`` items and ``n_h``
reviewed (``a_h`` accepted):

- precision ``p = sum_h W_h p_h`` with ``W_h = N_h / N`` and ``p_h = a_h / n_h``;
- its variance ``sum_h W_h^2 p_h (1 - p_h) / n_h * (1 - n_h / N_h)`` (finite population);
- the 95% interval is a Wilson interval on the Kish effective sample size
  ``n_eff = p (1 - p) / var``; it stays inside [0, 1] and keeps its coverage when precision is
  near 0 or 1 and few items were reviewed (the variance uses ``(a_h + 0.5) / (n_h + 1)`` for
  ``p_h``, so it is close to, not exactly, Wilson for one stratum). When every reviewed item in
  every stratum agrees, ``n_eff`` is the number of reviews.
- strata not reviewed at all are unknown: the interval is widened to their full range (and a
  stratum reviewed in full has no sampling error), so the estimate is only "done" once every
  stratum has audit reviews (:meth:`Estimate.done`).
- true count ``= N * p + M * q`` where ``q`` is the share of positives found among the
  reviewed unflagged items (``M`` of them near the threshold); the interval adds the ends.
  Positives scored below the near-miss band are not estimated (reviewing them all would be
  needed): the count is that of the flagged items and the band, a lower bound for the corpus.

"Unsure" decisions do not count; undone decisions do not count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

Z95 = 1.959963984540054


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (``(0, 1)`` when ``n == 0``).

    >>> tuple(round(x, 3) for x in wilson(8, 10))
    (0.49, 0.943)
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Stratum:
    """Population size and audit tallies of one stratum."""

    size: int
    accepted: int = 0
    rejected: int = 0

    @property
    def reviewed(self) -> int:
        return self.accepted + self.rejected


@dataclass
class Estimate:
    precision: float
    precision_low: float
    precision_high: float
    flagged: int
    reviewed: int
    count: float
    count_low: float
    count_high: float
    missed: float = 0.0
    strata: dict[str, Stratum] = field(default_factory=dict)

    @property
    def half_width(self) -> float:
        return (self.precision_high - self.precision_low) / 2

    @property
    def flagged_reviewed(self) -> int:
        """Audit reviews of flagged items (the near-miss band below the threshold says nothing of
        the flagged items' precision)."""
        return sum(s.reviewed for name, s in self.strata.items() if name != "near-miss")

    def done(self, half_width: float) -> bool:
        """The precision interval is narrow enough and every flagged stratum has audit reviews."""
        flagged = [s for name, s in self.strata.items() if name != "near-miss" and s.size]
        return (self.reviewed > 0 and self.half_width <= half_width
                and all(s.reviewed > 0 for s in flagged))

    def format(self, label: str = "") -> str:
        head = f"{label}: " if label else ""
        if not self.flagged_reviewed:  # nothing to estimate from yet (the interval would be 0-100%)
            near = f" ({self.reviewed:,} near-miss reviewed)" if self.reviewed else ""
            return f"{head}{self.flagged:,} flagged; not reviewed yet: precision and true count unknown{near}"
        below = f", {self.missed:,.0f} of them below the threshold" if self.missed else ""
        return (f"{head}precision {self.precision:.1%} (95% CI {self.precision_low:.1%}-{self.precision_high:.1%}), "
                f"true count {self.count:,.0f} (95% CI {self.count_low:,.0f}-{self.count_high:,.0f}{below}); "
                f"{self.flagged:,} flagged, {self.reviewed:,} reviewed")


def stratified_precision(strata: Mapping[str, Stratum]) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of the share accepted across strata (see the module docstring)."""
    total = sum(s.size for s in strata.values())
    if total == 0:
        return 0.0, 0.0, 1.0
    reviewed = [s for s in strata.values() if s.reviewed > 0]
    if not reviewed:
        return 0.0, 0.0, 1.0
    covered = sum(s.size for s in reviewed)
    p = 0.0
    var = 0.0
    for s in reviewed:
        w = s.size / covered
        ph = s.accepted / s.reviewed
        p += w * ph
        fpc = max(0.0, 1 - s.reviewed / s.size) if s.size else 0.0
        # a small-sample guard: never treat a stratum's proportion as exactly 0 or 1
        ph_var = (s.accepted + 0.5) / (s.reviewed + 1)
        var += w * w * ph_var * (1 - ph_var) / s.reviewed * fpc
    if var <= 0:
        low = high = p  # every reviewed stratum was reviewed in full
    else:
        n_eff = p * (1 - p) / var if 0 < p < 1 else sum(s.reviewed for s in reviewed)
        low, high = wilson(p * n_eff, n_eff)
    # strata never reviewed are unknown: widen to their full range
    unseen = (total - covered) / total
    if unseen > 0:
        low = low * (1 - unseen)
        high = high * (1 - unseen) + unseen
        p = p * (1 - unseen) + 0.5 * unseen
    return p, low, high


def estimate(flagged: Mapping[str, Stratum], near_miss: Stratum | None = None) -> Estimate:
    """Precision of the flagged set and its true count (plus positives missed near the threshold)."""
    p, lo, hi = stratified_precision(flagged)
    n_flagged = sum(s.size for s in flagged.values())
    count, c_lo, c_hi = n_flagged * p, n_flagged * lo, n_flagged * hi
    missed = 0.0
    if near_miss is not None and near_miss.size:
        # the same interval as a flagged stratum's: a band reviewed in full has no sampling error
        q, q_lo, q_hi = stratified_precision({"near-miss": near_miss})
        missed = near_miss.size * q
        count += missed
        c_lo += near_miss.size * q_lo
        c_hi += near_miss.size * q_hi
    reviewed = sum(s.reviewed for s in flagged.values()) + (near_miss.reviewed if near_miss else 0)
    strata = dict(flagged)
    if near_miss is not None:
        strata["near-miss"] = near_miss
    return Estimate(p, lo, hi, n_flagged, reviewed, count, c_lo, c_hi, missed, strata)


def reviews_needed(strata: Mapping[str, Stratum], half_width: float = 0.05,
                   z: float = Z95) -> dict[str, int]:
    """More audit reviews per stratum to reach a 95% CI half-width of ``half_width`` on precision
    (proportional allocation, finite-population corrected, using the current precision estimate
    or 0.5 before any review)."""
    total = sum(s.size for s in strata.values())
    if total == 0:
        return {}
    p, _, _ = stratified_precision(strata)
    if not any(s.reviewed for s in strata.values()):
        p = 0.5
    # Wilson-consistent planning value: keep p away from 0/1
    p = min(max(p, 0.05), 0.95)
    n0 = z * z * p * (1 - p) / (half_width * half_width)
    n = n0 / (1 + n0 / total)
    out = {}
    for name, s in strata.items():
        target = math.ceil(n * s.size / total)
        out[name] = max(0, min(s.size, target) - s.reviewed)
    return out
