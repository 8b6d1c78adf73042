"""Evaluate the route from seed keywords to classifier, with zero hand labels, on oi_text's sample
data and on each labelled corpus in ../shared/data (skipped cleanly when absent).

    python scripts/eval_classify.py [--corpus NAME] [--device cpu] [--out-dir eval_out]

Where scripts/data/adjudicated_disagreements.csv (or the file given with --adjudicated, e.g. the
blind adjudicated_disagreements_second_reading.csv) holds a reading of the texts the two methods
decide differently (the corpus's label is then contestable: CORDIS's labels are a keyword
tagger's), a second table scores both against the labels corrected there; the acceptance line
stays on the corpus's own labels.

With ``--out-dir``, per corpus: ``evaluation.csv`` (the table), precision-recall curves (PNG),
and ``disagreements.csv``: every text the model decides differently from the keywords (dropped
or added), with the corpus's label, the model's score, the terms that hit and the start of the
text, to read why the model wins or loses.

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
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

MIN_SUPPORT = 30
#: our reading of texts where the model and the keywords disagree and the corpus's label is
#: contestable (see adjudicated_table)
ADJUDICATED = ROOT / "data" / "adjudicated_disagreements.csv"


def adjudicated_table(name: str, ids: list[str], Y: np.ndarray, pred_m: np.ndarray, pred_k: np.ndarray,
                      names: list[str], path: Path = ADJUDICATED) -> tuple[pd.DataFrame, dict[str, int]] | None:
    """Model vs keywords against the corpus's labels corrected where we read the text.

    Only texts where the two methods decide differently can change which one scores higher, so
    those are the ones read: ``path`` holds one row per (corpus, id, target) with ``belongs``
    (1/0: does the project belong to the ecosystem, by reading it) and ``borderline``
    (1: a judgment call; our reading resolves those in the keywords' favour, the blind second
    reading by its own judgment). Texts both methods agree on keep the corpus's label, so both F1s still carry
    its noise there. Returns the table for the targets with judgments and, per target, the
    disagreements that have none (a changed model meets new ones: they keep the corpus label),
    or None when the corpus has no judgments."""
    from oi_text.classify.evaluate import evaluation_table

    if not path.exists():
        return None
    judged = pd.read_csv(path, dtype={"id": str})
    judged = judged[(judged.corpus == name) & judged.target.isin(names)]
    if judged.empty:
        return None
    row = {i: k for k, i in enumerate(ids)}
    Y2 = Y.copy()
    targets = sorted(set(judged.target), key=names.index)
    have: dict[str, set[str]] = {t: set() for t in targets}
    for r in judged.itertuples():
        if r.id in row:
            Y2[row[r.id], names.index(r.target)] = bool(r.belongs)
            have[r.target].add(r.id)
    cols = [names.index(t) for t in targets]
    unjudged = {t: int(sum(ids[i] not in have[t] for i in np.where(pred_m[:, j] != pred_k[:, j])[0]))
                for t, j in zip(targets, cols)}
    table = evaluation_table(Y2[:, cols], pred_m[:, cols], pred_k[:, cols], targets, min_support=MIN_SUPPORT)
    return table, unjudged


def disagreements(ids: list[str], texts: list[str], Y: np.ndarray, pred_m: np.ndarray, pred_k: np.ndarray,
                  score_m: np.ndarray, names: list[str], cols: list[list[int]], ecosystems: list[str],
                  terms: list[dict[str, list[str]]], snippet: int = 300) -> pd.DataFrame:
    """One row per (text, target) where the model and the keywords decide differently: what
    the model dropped (keywords yes, model no) and added (model yes, keywords no), with the
    corpus's label, the model's score, the terms that hit, and the start of the text. The
    "dropped (pos)" and "added (pos)" columns of the table, one text at a time."""
    rows = []
    for j, t in enumerate(names):
        for i in np.where(pred_m[:, j] != pred_k[:, j])[0]:
            hit = sorted({term for c in cols[j] for term in terms[i].get(ecosystems[c], [])})
            rows.append({"id": ids[i], "target": t, "change": "added" if pred_m[i, j] else "dropped",
                         "label": bool(Y[i, j]), "model_score": round(float(score_m[i, j]), 4),
                         "matched_terms": "; ".join(hit), "text": texts[i][:snippet]})
    cols_out = ["id", "target", "change", "label", "model_score", "matched_terms", "text"]
    return pd.DataFrame(rows, columns=cols_out).sort_values(["target", "change", "model_score"], kind="stable")


def evaluate_corpus(name: str, texts: list[str], targets: dict[str, tuple[list[str], np.ndarray]],
                    encoder, tax, out_dir: Path | None, ids: list[str], adjudicated: Path = ADJUDICATED) -> dict:
    from oi_text.classify.evaluate import evaluation_table, format_table, plot_pr_curves
    from oi_text.pipeline import train_model

    t0 = time.perf_counter()
    X = encoder.encode(texts, show_progress=sys.stderr.isatty())
    spec = tax.keyword_spec()
    model, weak = train_model(texts, X, spec, encoder_id=encoder.model_id, taxonomy_hash=tax.hash())
    res = model.score(texts, X)
    print(f"\n=== {name}: {len(texts):,} texts, trained in {time.perf_counter() - t0:.0f}s with zero hand labels")
    if not targets:
        flagged_m = res.predicted.any(axis=1)
        flagged_k = res.evidence.matched.any(axis=1)
        print(f"  no ecosystem labels; texts flagged for any ecosystem: model {flagged_m.sum():,}, "
              f"keywords {flagged_k.sum():,}")
        return {"name": name, "flagged_model": flagged_m, "flagged_keywords": flagged_k}
    # one column per target: the union of the ecosystems it maps to
    index = {e: j for j, e in enumerate(model.ecosystems)}
    names = list(targets)
    cols = [[index[e] for e in targets[t][0]] for t in names]
    Y = np.stack([targets[t][1] for t in names], axis=1).astype(bool)
    pred_m = np.stack([res.predicted[:, c].any(axis=1) for c in cols], axis=1)
    pred_k = np.stack([res.evidence.matched[:, c].any(axis=1) for c in cols], axis=1)
    big = evaluation_table(Y, pred_m, pred_k, names, min_support=MIN_SUPPORT)  # with macro and micro rows
    print("  " + format_table(big).replace("\n", "\n  "))
    few = [j for j, t in enumerate(names) if 0 < Y[:, j].sum() < MIN_SUPPORT]
    if few:
        rows = evaluation_table(Y[:, few], pred_m[:, few], pred_k[:, few], [names[j] for j in few])
        rows = rows[~rows.ecosystem.isin(["macro", "micro"])]
        print(f"  fewer than {MIN_SUPPORT} positives (not in the acceptance bar):")
        print("  " + "\n  ".join(format_table(rows).splitlines()[1:]))
    big = big[big.ecosystem.isin(names)]
    adj = adjudicated_table(name, ids, Y, pred_m, pred_k, names, path=adjudicated)
    if adj is not None:
        table, unjudged = adj
        print(f"  labels corrected where the two methods disagree, by reading the texts ({adjudicated.name}):")
        print("  " + format_table(table).replace("\n", "\n  "))
        missing = {t: n for t, n in unjudged.items() if n}
        if missing:
            print(f"  disagreements not read yet (they keep the corpus label): {missing}")
    if out_dir is not None:
        d = out_dir / name
        d.mkdir(parents=True, exist_ok=True)
        evaluation_table(Y, pred_m, pred_k, names).to_csv(d / "evaluation.csv", index=False)
        score_m = np.stack([np.nan_to_num(res.score[:, c], nan=0).max(axis=1) for c in cols], axis=1)
        score_k = np.stack([res.evidence.keyword_scores()[:, c].max(axis=1) for c in cols], axis=1)
        plot_pr_curves(Y, score_m, score_k, names, d)
        disagreements(ids, texts, Y, pred_m, pred_k, score_m, names, cols, model.ecosystems,
                      res.terms).to_csv(d / "disagreements.csv", index=False)
    return {"name": name, "big": big}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", action="append", help="only these corpora (sample, startups_yc, ...)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out-dir", type=Path, help="write tables and precision-recall curves here")
    ap.add_argument("--adjudicated", type=Path, default=ADJUDICATED, metavar="CSV",
                    help="judgments of disagreements (corpus,id,target,belongs,...) [%(default)s]")
    args = ap.parse_args()

    import corpora

    from oi_text.embed import load_encoder
    from oi_text.keywords import load_taxonomy

    tax = load_taxonomy()
    encoder = load_encoder(device=args.device)
    results = []
    for name, records, targets, c in corpora.evaluation_sets(list(tax.ids), set(args.corpus or [])):
        r = evaluate_corpus(name, records.text.tolist(), targets, encoder, tax, args.out_dir,
                            ids=records.id.astype(str).tolist(), adjudicated=args.adjudicated)
        if name == "projects_structuralfunds_nl":
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
