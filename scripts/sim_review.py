"""A scripted review: oi_text's review queue on a labelled corpus from ../shared/data, with the
corpus's own labels acting as the reviewer.

    python scripts/sim_review.py [--corpus startups_yc] [--half-width 0.05] [--sims 1000]

Steps: ingest and embed the corpus, train from the taxonomy's keywords alone (zero hand
labels), classify, load the scores into a review store (SQLite, temporary), then for each
ecosystem that has labels: take audit items one at a time from the store (stratified random),
"review" them with the label, and stop when the 95% CI on precision is +/- half-width. It
reports the reviews needed, the final estimate, and whether the CI covers the true precision
(the labels of every flagged item). Finally it repeats the audit of the first ecosystem 1000
times in memory (same strata, same proportional allocation, other random orders) and reports how
often the final CI covers the truth.

The last line is machine-readable:
``reviews_for_5pp=<n> ci_covers_truth=<true|false> coverage_1000_sims=<x>``
(the reviews summed over ecosystems; coverage for the first ecosystem).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))


def scores_frame(ids, model, result) -> pd.DataFrame:
    rows = []
    for j, eco in enumerate(model.ecosystems):
        for i, rid in enumerate(ids):
            p = result.proba[i, j]
            rows.append((rid, eco, float(result.score[i, j]), bool(result.predicted[i, j]),
                         result.terms[i].get(eco, []), None if np.isnan(p) else float(p),
                         bool(result.evidence.matched[i, j])))
    return pd.DataFrame(rows, columns=["id", "ecosystem", "score", "predicted", "matched_terms",
                                       "classifier_score", "keyword_match"])


def simulate(strata_truth: dict[str, np.ndarray], half_width: float, rng: np.random.Generator,
             near: np.ndarray | None = None) -> tuple[int, float, float, float]:
    """One in-memory audit with the store's policy; returns (reviews, p, low, high)."""
    from oi_text.review.estimate import Stratum, stratified_precision

    names = list(strata_truth)
    order = {h: rng.permutation(len(v)) for h, v in strata_truth.items()}
    taken = dict.fromkeys(names, 0)
    acc = dict.fromkeys(names, 0)
    n = 0
    while True:
        free = [h for h in names if taken[h] < len(strata_truth[h])]
        if not free:
            break
        h = min(free, key=lambda s: taken[s] / len(strata_truth[s]))
        acc[h] += int(strata_truth[h][order[h][taken[h]]])
        taken[h] += 1
        n += 1
        strata = {s: Stratum(len(strata_truth[s]), acc[s], taken[s] - acc[s]) for s in names}
        p, lo, hi = stratified_precision(strata)
        if (hi - lo) / 2 <= half_width:
            return n, p, lo, hi
    strata = {s: Stratum(len(strata_truth[s]), acc[s], taken[s] - acc[s]) for s in names}
    p, lo, hi = stratified_precision(strata)
    return n, p, lo, hi


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="startups_yc")
    ap.add_argument("--half-width", type=float, default=0.05)
    ap.add_argument("--sims", type=int, default=1000)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()

    import corpora

    from oi_text.embed import load_encoder
    from oi_text.keywords import load_taxonomy
    from oi_text.pipeline import train_model
    from oi_text.review.store import ReviewStore

    if not corpora.available():
        print("../shared/data is not present: nothing to simulate.")
        print("reviews_for_5pp=na ci_covers_truth=na coverage_1000_sims=na")
        return
    corpus = next(c for c in corpora.CORPORA if c.name == args.corpus)
    work = Path(tempfile.mkdtemp(prefix="oi_sim_"))
    records = corpora.ingest_corpus(corpus, work)
    labels = corpora.label_frame(corpus, records)
    targets = {t: ecos for t, (ecos, _) in corpus.targets.items() if len(ecos) == 1}
    tax = load_taxonomy()
    encoder = load_encoder(device=args.device)
    texts = records.text.tolist()
    X = encoder.encode(texts, show_progress=sys.stderr.isatty())
    spec = tax.keyword_spec([e[0] for e in targets.values()])
    model, _ = train_model(texts, X, spec, encoder_id=encoder.model_id, taxonomy_hash=tax.hash())
    result = model.score(texts, X)
    ids = records.id.astype(str).tolist()
    scores = scores_frame(ids, model, result)
    store = ReviewStore(work / "review.sqlite")
    store.create_run("sim", scores, dict(zip(ids, texts)),
                     thresholds={e: float(t) for e, t in zip(model.ecosystems, model.thresholds)},
                     model_card={"keywords": spec}, seed=1)
    gold = {(rid, ecos[0]): bool(v) for t, ecos in targets.items() for rid, v in zip(ids, labels[t])}
    print(f"corpus {corpus.name}: {len(texts):,} texts; reviewer = the corpus's own labels; "
          f"target 95% CI +/-{args.half_width:.0%}\n")
    total, all_cover, first = 0, True, None
    for ecos in targets.values():
        eco = ecos[0]
        flagged = scores[(scores.ecosystem == eco) & scores.predicted]
        if len(flagged) < 20:
            print(f"  {eco:<22} {len(flagged):>5} flagged: too few to audit, skipped")
            continue
        truth = float(np.mean([gold[(r, eco)] for r in flagged.id]))
        n = 0
        while True:
            item = store.next_item("sim", eco, "reviewer-bot")
            if item is None:
                break
            kind = "accept" if gold[(item["record_id"], eco)] else "reject"
            store.decide(item["id"], kind, "reviewer-bot", event_id=uuid.uuid4().hex)
            n += 1
            est = store.estimate("sim", eco)
            flagged_reviewed = sum(s.reviewed for k, s in est.strata.items() if k != "near-miss")
            if flagged_reviewed and est.half_width <= args.half_width:
                break
        est = store.estimate("sim", eco)
        covers = est.precision_low <= truth <= est.precision_high
        all_cover &= covers
        total += n
        print(f"  {eco:<22} {len(flagged):>5} flagged; {n:>4} audit reviews -> precision {est.precision:.1%} "
              f"(95% CI {est.precision_low:.1%}-{est.precision_high:.1%}); true precision {truth:.1%}; "
              f"covered: {covers}; count {est.count:,.0f} ({est.count_low:,.0f}-{est.count_high:,.0f})")
        if first is None:
            first = eco
    coverage = float("nan")
    if first is not None:
        # the same audit, many times, in memory: how often does the final CI cover the truth?
        items = store.db.query("SELECT record_id, stratum FROM items WHERE ecosystem = ? AND stratum IS NOT NULL "
                               "AND stratum != 'near-miss'", (first,))
        strata: dict[str, list[bool]] = {}
        for it in items:
            strata.setdefault(it["stratum"], []).append(gold[(it["record_id"], first)])
        arrays = {k: np.array(v) for k, v in strata.items()}
        truth = float(np.mean(np.concatenate(list(arrays.values()))))
        rng = np.random.default_rng(2024)
        hits, ns = 0, []
        for _ in range(args.sims):
            n, _, lo, hi = simulate(arrays, args.half_width, rng)
            hits += lo <= truth <= hi
            ns.append(n)
        coverage = hits / args.sims
        print(f"\n  {first}: {args.sims} simulated audits: CI covered the true precision in {coverage:.1%}; "
              f"reviews needed median {int(np.median(ns))} (5-95%: {int(np.percentile(ns, 5))}-{int(np.percentile(ns, 95))})")
    print(f"reviews_for_5pp={total} ci_covers_truth={str(all_cover).lower()} coverage_1000_sims={coverage:.3f}")


if __name__ == "__main__":
    main()
