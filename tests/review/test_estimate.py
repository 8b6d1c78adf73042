"""Estimators against simulated ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from oi_text.review.estimate import Stratum, estimate, reviews_needed, stratified_precision, wilson


def test_wilson_matches_the_textbook_values():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(0, 10)[0] == 0 and wilson(10, 10)[1] == pytest.approx(1)
    assert wilson(0, 0) == (0.0, 1.0)


def test_single_stratum_is_close_to_wilson_with_fpc_ignored_for_large_populations():
    p, lo, hi = stratified_precision({"all": Stratum(10**9, 40, 60)})
    assert p == pytest.approx(0.4)
    wl = wilson(40, 100)
    assert (lo, hi) == pytest.approx(wl, abs=0.01)


def _simulate(sizes, precisions, n_total, reps, rng):
    covered = 0
    widths = []
    for _ in range(reps):
        strata, positives = {}, 0
        for h, (size, prec) in enumerate(zip(sizes, precisions)):
            truth = rng.random(size) < prec
            positives += truth.sum()
            n = max(1, round(n_total * size / sum(sizes)))
            idx = rng.choice(size, size=min(n, size), replace=False)
            acc = int(truth[idx].sum())
            strata[f"s{h}"] = Stratum(size, acc, len(idx) - acc)
        true_precision = positives / sum(sizes)
        _, lo, hi = stratified_precision(strata)
        covered += lo <= true_precision <= hi
        widths.append(hi - lo)
    return covered / reps, float(np.mean(widths))


@pytest.mark.parametrize(
    "sizes, precisions, n",
    [
        ([300, 200, 100], [0.95, 0.7, 0.3], 100),
        ([300, 200, 100], [0.95, 0.7, 0.3], 30),
        ([1000], [0.25], 50),  # AI-washing-like: low precision
        ([500, 300], [0.99, 0.9], 40),  # precision near 1
        ([2000, 1000, 500], [0.97, 0.85, 0.4], 300),
    ],
)
def test_ci_covers_the_truth_in_at_least_93_percent_of_1000_audits(sizes, precisions, n):
    coverage, width = _simulate(sizes, precisions, n, 1000, np.random.default_rng(42))
    assert coverage >= 0.93, coverage
    assert width < 0.5


def test_count_and_missed_positives():
    flagged = {"high": Stratum(100, 45, 5), "low": Stratum(100, 10, 40)}
    near = Stratum(50, 5, 20)
    est = estimate(flagged, near)
    assert est.precision == pytest.approx(0.55)
    assert est.flagged == 200 and est.reviewed == 125
    assert est.missed == pytest.approx(10)
    assert est.count == pytest.approx(200 * 0.55 + 10)
    assert est.count_low < est.count < est.count_high
    assert "precision 55.0%" in est.format()
    # before any review there is nothing to estimate: no "precision 0.0%"
    fresh = estimate({"high": Stratum(100), "low": Stratum(100)}, Stratum(50))
    assert fresh.format("ai") == "ai: 200 flagged; not reviewed yet: precision and true count unknown"


def test_planner_asks_for_fewer_reviews_as_they_come_in():
    empty = {"a": Stratum(600), "b": Stratum(400)}
    plan0 = reviews_needed(empty, 0.05)
    assert sum(plan0.values()) > 250  # p=0.5 before any review
    assert plan0["a"] > plan0["b"]  # proportional allocation
    some = {"a": Stratum(600, 95, 5), "b": Stratum(400, 60, 5)}
    assert sum(reviews_needed(some, 0.05).values()) < sum(plan0.values())
    full = {"a": Stratum(10, 9, 1)}
    assert reviews_needed(full, 0.05) == {"a": 0}


def test_a_stratum_reviewed_in_full_does_not_hide_one_never_reviewed():
    # tied scores give a one-item band; reviewing it says nothing about the other 60 items
    strata = {"flagged 0.55": Stratum(1, accepted=1), "flagged 0.80": Stratum(60)}
    p, lo, hi = stratified_precision(strata)
    assert hi - lo > 0.9  # the unseen stratum's full range, not a 100-100% interval
    est = estimate(strata)
    assert not est.done(0.05)
    # once every stratum has reviews and the interval is narrow, it is done
    full = {"flagged 0.55": Stratum(1, accepted=1), "flagged 0.80": Stratum(60, accepted=60)}
    assert estimate(full).done(0.05) and estimate(full).half_width == 0


def test_the_planner_never_says_zero_more_before_the_stop_signal():
    """54 of 200 reviewed, 52 accepted: the planner's normal approximation says the target is
    reached, but the interval is still wider than +/-5 points: at least one more review."""
    from oi_text.review.store import _plan

    flagged = {"flagged": Stratum(200, 52, 2)}
    assert sum(reviews_needed(flagged, 0.05).values()) == 0
    assert not estimate(flagged).done(0.05) and estimate(flagged).half_width > 0.05
    assert _plan(flagged, Stratum(0), 0.05) == {"flagged": 1}


def test_near_miss_reviews_alone_give_no_precision():
    # a second reviewer worked the near-miss band while the first still holds the flagged items:
    # nothing is known of the flagged items' precision, which is not "0% (0-100%)"
    est = estimate({"flagged 0.5-0.9": Stratum(10)}, Stratum(5, 1, 1))
    assert est.reviewed == 2 and est.flagged_reviewed == 0
    assert est.format("ai") == "ai: 10 flagged; not reviewed yet: precision and true count unknown (2 near-miss reviewed)"
    est = estimate({"flagged 0.5-0.9": Stratum(10, 3, 1)}, Stratum(5, 1, 1))
    assert est.flagged_reviewed == 4 and est.format("ai").startswith("ai: precision 75.0%")


def test_a_near_miss_band_reviewed_in_full_adds_no_sampling_error():
    # every flagged and every near-miss item reviewed: the count is known exactly
    est = estimate({"flagged 0.5-0.9": Stratum(63, 42, 21)}, Stratum(19, 11, 8))
    assert est.count == est.count_low == est.count_high == 53
    assert est.format("ai") == ("ai: precision 66.7% (95% CI 66.7%-66.7%), true count 53 (95% CI 53-53, 11 of "
                                "them below the threshold); 63 flagged, 82 reviewed")
    half = estimate({"flagged 0.5-0.9": Stratum(63, 42, 21)}, Stratum(19, 5, 4))
    assert half.count_low < 53 < half.count_high  # half the band reviewed: still uncertain
