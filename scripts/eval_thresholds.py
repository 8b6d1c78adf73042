"""Does a threshold tuned for a target precision on hand labels keep that precision on texts it
was not tuned on?

    python scripts/eval_thresholds.py [--target 0.8] [--splits 3] [--corpus NAME] [--device cpu]

For the sample data and each labelled corpus in ../shared/data (skipped cleanly when absent):
take a random half of the texts with their labels as gold, train on that half (``train_model``
with ``gold``: thresholds tuned for ``--target``), then measure precision and recall of the
tuned threshold on the other half. The baseline, measured in the same run on the same model,
is how thresholds were tuned before: on the scores of the very texts the classifier was trained
on, with precision taken as the plain ratio ``tp / k``. Only ecosystems with a single-ecosystem
target and at least 30 positives are used. Per corpus it prints mean held-out precision, the
share of (ecosystem, split) cases more than 5 points under the target, and mean recall;
the last line is machine-readable:

    thresholds target=<t> cases=<n> precision_new=<x> precision_old=<x> under_new=<x> under_old=<x> recall_new=<x> recall_old=<x>
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

MIN_SUPPORT = 30


def plain_ratio_threshold(y: np.ndarray, s: np.ndarray, target: float) -> float:
    """The tuning rule before cross-fitting: lowest cut with ``tp / k >= target``, else F1-best."""
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    tp, k = np.cumsum(y), np.arange(1, len(y) + 1)
    cand = np.where(np.r_[s[1:] != s[:-1], True])[0]
    good = cand[(tp / k)[cand] >= target]
    if len(good):
        return float(s[good[np.argmax(tp[good])]])
    f1 = 2 * tp / (k + y.sum())
    return float(s[cand[np.argmax(f1[cand])]])


def run_corpus(name, texts, X, targets, spec, target, splits):
    from oi_text.pipeline import train_model

    ecos = list(spec)
    index = {e: j for j, e in enumerate(ecos)}
    single = {t: (index[es[0]], y) for t, (es, y) in targets.items() if len(es) == 1 and y.sum() >= MIN_SUPPORT}
    rows = []
    n = len(texts)
    for seed in range(splits):
        perm = np.random.default_rng(seed).permutation(n)
        tr, te = np.sort(perm[: n // 2]), np.sort(perm[n // 2:])
        gold = np.full((n, len(ecos)), -1, dtype=np.int8)
        for j, y in single.values():
            gold[:, j] = y
        train_texts = [texts[i] for i in tr]
        model, _ = train_model(train_texts, X[tr], spec, encoder_id="eval", taxonomy_hash="eval", gold=gold[tr])
        seen = model.score(train_texts, X[tr]).score  # the texts the classifier learned from
        held = model.score([texts[i] for i in te], X[te]).score
        for t, (j, y) in single.items():
            old = plain_ratio_threshold(y[tr], seen[:, j].astype(np.float64), target)
            for how, thr in (("new", float(model.thresholds[j])), ("old", old)):
                pred, yt = held[:, j] >= thr, y[te]
                rows.append({"corpus": name, "target": t, "seed": seed, "how": how,
                             "precision": (pred & yt).sum() / max(pred.sum(), 1), "recall": (pred & yt).sum() / yt.sum()})
    return rows


def summary(df, target):
    g = df.groupby("how")
    return {"cases": int(g.size().iloc[0]), "precision": g.precision.mean(),
            "under": g.precision.apply(lambda p: (p < target - 0.05).mean()), "recall": g.recall.mean()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", type=float, default=0.8)
    ap.add_argument("--splits", type=int, default=3)
    ap.add_argument("--corpus", action="append", help="only these corpora (sample, startups_yc, ...)")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()

    import corpora
    import pandas as pd

    from oi_text.embed import load_encoder
    from oi_text.keywords import load_taxonomy

    spec = load_taxonomy().keyword_spec()
    encoder = load_encoder(device=args.device)
    jobs = [(name, records.text.tolist(), targets)
            for name, records, targets, _ in corpora.evaluation_sets(list(spec), set(args.corpus or []))
            if targets]  # corpora without ecosystem labels have nothing to tune on
    rows = []
    for name, texts, targets in jobs:
        X = encoder.encode(texts, show_progress=sys.stderr.isatty())
        part = run_corpus(name, texts, X, targets, spec, args.target, args.splits)
        if not part:
            continue
        rows += part
        s = summary(pd.DataFrame(part), args.target)
        print(f"{name}: {s['cases']} cases; held-out precision new {s['precision']['new']:.3f} "
              f"old {s['precision']['old']:.3f}; more than 5 points under target new {s['under']['new']:.0%} "
              f"old {s['under']['old']:.0%}; recall new {s['recall']['new']:.3f} old {s['recall']['old']:.3f}")
    if not rows:
        print("no corpus with a single-ecosystem target of >= 30 positives")
        return
    s = summary(pd.DataFrame(rows), args.target)
    print(f"thresholds target={args.target} cases={s['cases']} precision_new={s['precision']['new']:.3f} "
          f"precision_old={s['precision']['old']:.3f} under_new={s['under']['new']:.3f} "
          f"under_old={s['under']['old']:.3f} recall_new={s['recall']['new']:.3f} recall_old={s['recall']['old']:.3f}")


if __name__ == "__main__":
    main()
