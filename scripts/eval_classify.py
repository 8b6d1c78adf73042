"""Evaluate the route from seed keywords to classifier, with zero hand labels, on oi_text's sample
data and on each labelled corpus in ../shared/data (skipped cleanly when absent).

    python scripts/eval_classify.py [--corpus NAME] [--device cpu] [--out-dir eval_out]

For every corpus: ingest it, embed it (disk cache), train on the corpus itself from the
taxonomy's keywords alone (no labels), then compare the model's predictions and keyword-only
matching against the corpus's own labels, mapped onto ecosystems in scripts/corpora.py. An
ecosystem "wins" when the model's F1 beats the keywords'; the acceptance bar is every ecosystem
with at least 30 positives. The last line per corpus is machine-readable:

    corpus=<name> macro_f1_model=<x> macro_f1_keywords=<x> ecosystems=<n>

(macro over the ecosystems with >= 30 positives).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

MIN_SUPPORT = 30


def evaluate_corpus(name: str, texts: list[str], targets: dict[str, tuple[list[str], np.ndarray]],
                    encoder, tax, out_dir: Path | None) -> dict:
    from oi_text.classify.evaluate import plot_pr_curves, prf
    from oi_text.pipeline import train_model

    t0 = time.perf_counter()
    X = encoder.encode(texts, show_progress=sys.stderr.isatty())
    spec = tax.keyword_spec()
    model, weak = train_model(texts, X, spec, encoder_id=encoder.model_id, taxonomy_hash=tax.hash())
    res = model.score(texts, X)
    index = {e: j for j, e in enumerate(model.ecosystems)}
    rows = []
    Yt, Sm, Sk, names = [], [], [], []
    for target, (ecos, y) in targets.items():
        cols = [index[e] for e in ecos]
        pm = res.predicted[:, cols].any(axis=1)
        pk = res.evidence.matched[:, cols].any(axis=1)
        m, k = prf(y, pm), prf(y, pk)
        dropped, added = pk & ~pm, pm & ~pk
        rows.append({"ecosystem": target, "positives": int(y.sum()), "model_precision": m[0], "model_recall": m[1],
                     "model_f1": m[2], "keywords_precision": k[0], "keywords_recall": k[1], "keywords_f1": k[2],
                     "dropped": int(dropped.sum()), "dropped_labelled": int((dropped & y).sum()),
                     "added": int(added.sum()), "added_labelled": int((added & y).sum())})
        Yt.append(y)
        Sm.append(np.nan_to_num(res.score[:, cols], nan=0).max(axis=1))
        Sk.append(res.evidence.keyword_scores()[:, cols].max(axis=1))
        names.append(target)
    table = pd.DataFrame(rows)
    print(f"\n=== {name}: {len(texts):,} texts, trained in {time.perf_counter() - t0:.0f}s with zero hand labels")
    if table.empty:
        flagged_m = res.predicted.any(axis=1)
        flagged_k = res.evidence.matched.any(axis=1)
        print(f"  no ecosystem labels; texts flagged for any ecosystem: model {flagged_m.sum():,}, "
              f"keywords {flagged_k.sum():,}")
        return {"name": name, "table": table, "flagged_model": flagged_m, "flagged_keywords": flagged_k}
    # where the model departs from the keywords: matches it drops, texts it adds, and how many of
    # each the corpus labels as positive (a drop of a labelled text and an addition of an
    # unlabelled one count against the model)
    print(f"  {'ecosystem':<24}{'pos':>6}  {'model P':>8}{'R':>7}{'F1':>7}   {'keywords P':>10}{'R':>7}{'F1':>7}"
          f"   {'dropped (pos)':>13} {'added (pos)':>11}   win")
    for r in table.itertuples():
        win = "yes" if r.model_f1 > r.keywords_f1 else "no"
        flag = "" if r.positives >= MIN_SUPPORT else "   (< 30 positives)"
        print(f"  {r.ecosystem:<24}{r.positives:>6}  {r.model_precision:>8.3f}{r.model_recall:>7.3f}{r.model_f1:>7.3f}"
              f"   {r.keywords_precision:>10.3f}{r.keywords_recall:>7.3f}{r.keywords_f1:>7.3f}"
              f"   {f'{r.dropped} ({r.dropped_labelled})':>13} {f'{r.added} ({r.added_labelled})':>11}   {win}{flag}")
    big = table[table.positives >= MIN_SUPPORT]
    if out_dir is not None:
        d = out_dir / name
        d.mkdir(parents=True, exist_ok=True)
        table.to_csv(d / "evaluation.csv", index=False)
        plot_pr_curves(np.stack(Yt, 1), np.stack(Sm, 1), np.stack(Sk, 1), names, d)
    return {"name": name, "table": table, "big": big}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", action="append", help="only these corpora (sample, startups_yc, ...)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out-dir", type=Path, help="write tables and precision-recall curves here")
    args = ap.parse_args()

    import corpora

    from oi_text.classify.weak import labels_matrix
    from oi_text.datasets import load_sample
    from oi_text.embed import load_encoder
    from oi_text.keywords import load_taxonomy

    tax = load_taxonomy()
    encoder = load_encoder(device=args.device)
    results = []
    wanted = set(args.corpus or [])

    if not wanted or "sample" in wanted:
        df = load_sample()
        ecos = [e for e in tax.ids]
        Y = labels_matrix(df.labels, ecos)
        targets = {e: ([e], Y[:, j].astype(bool)) for j, e in enumerate(ecos) if Y[:, j].sum() > 0}
        results.append(evaluate_corpus("sample", df.text.tolist(), targets, encoder, tax, args.out_dir))

    if not corpora.available():
        print("\n../shared/data is not present: the real corpora are skipped.")
    else:
        work = Path(tempfile.mkdtemp(prefix="oi_eval_"))
        for c in corpora.CORPORA:
            if wanted and c.name not in wanted:
                continue
            records = corpora.ingest_corpus(c, work)
            labels = corpora.label_frame(c, records)
            targets = {t: (ecos, labels[t].to_numpy()) for t, (ecos, _) in c.targets.items()}
            r = evaluate_corpus(c.name, records.text.tolist(), targets, encoder, tax, args.out_dir)
            if c.name == "projects_structuralfunds_nl":
                raw = pd.read_csv(c.path, dtype=str, keep_default_na=False).set_index("id")
                fund = raw.loc[records.id, "fund"].to_numpy()
                for f in ("EFRO", "ERDF", "ESF"):
                    m = fund == f
                    print(f"  {f:<5} {m.sum():>5} projects: flagged by model {r['flagged_model'][m].mean():.1%}, "
                          f"by keywords {r['flagged_keywords'][m].mean():.1%}")
            results.append(r)

    print()
    for r in results:
        big = r.get("big")
        if big is None or big.empty:
            print(f"corpus={r['name']} macro_f1_model=na macro_f1_keywords=na ecosystems=0")
            continue
        wins = int((big.model_f1 > big.keywords_f1).sum())
        print(f"# {r['name']}: model beats keywords on {wins} of {len(big)} ecosystems with >= {MIN_SUPPORT} positives"
              + ("" if wins == len(big) else " (NOT all)"))
        print(f"corpus={r['name']} macro_f1_model={big.model_f1.mean():.3f} "
              f"macro_f1_keywords={big.keywords_f1.mean():.3f} ecosystems={len(big)}")


if __name__ == "__main__":
    main()
