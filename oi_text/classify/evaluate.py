"""Evaluation: per-ecosystem precision/recall/F1 of the model and the keyword-only baseline in one
table, with the model's departures from the keywords (matches dropped, texts added, and how many
of each are gold positives), macro and micro averages, a split by language, and
precision-recall curves (PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd


def prf(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float, int, int, int]:
    """Precision, recall, F1, TP, FP, FN for boolean vectors (0/0 counts as 0)."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    tp = int(np.sum(y_true & y_pred))
    fp = int(np.sum(~y_true & y_pred))
    fn = int(np.sum(y_true & ~y_pred))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, tp, fp, fn


#: where the model departs from the keywords: matches it drops, texts it adds, and how many of
#: each are gold positives (a dropped positive and an added negative count against the model)
DEPARTURES = ("dropped", "dropped_positive", "added", "added_positive")


def evaluation_table(Y: np.ndarray, pred_model: np.ndarray, pred_keywords: np.ndarray,
                     ecosystems: Sequence[str], min_support: int = 1) -> pd.DataFrame:
    """One row per ecosystem with at least ``min_support`` positives, then ``macro`` and
    ``micro`` rows over those ecosystems (the :data:`DEPARTURES` counts are summed in both).

    ``Y`` is boolean, or 1/0 with -1 for unlabelled entries (reviewed labels cover some
    ecosystems of a text only): each ecosystem is scored on its labelled texts."""
    Yi = np.asarray(Y).astype(np.int8)
    labelled = Yi >= 0
    pred_model, pred_keywords = (np.asarray(a, dtype=bool) for a in (pred_model, pred_keywords))
    rows = []
    keep = []
    for j, eco in enumerate(ecosystems):
        lab = labelled[:, j]
        support = int((Yi[lab, j] == 1).sum())
        if support < min_support:
            continue
        keep.append(j)
        y, m, k = Yi[lab, j] == 1, pred_model[lab, j], pred_keywords[lab, j]
        pm, pk = prf(y, m), prf(y, k)
        rows.append({"ecosystem": eco, "positives": support,
                     "model_precision": pm[0], "model_recall": pm[1], "model_f1": pm[2],
                     "keywords_precision": pk[0], "keywords_recall": pk[1], "keywords_f1": pk[2],
                     "dropped": int((k & ~m).sum()), "dropped_positive": int((k & ~m & y).sum()),
                     "added": int((m & ~k).sum()), "added_positive": int((m & ~k & y).sum())})
    df = pd.DataFrame(rows)
    if not rows:
        return df
    totals = {col: int(df[col].sum()) for col in ("positives", *DEPARTURES)}
    macro = {"ecosystem": "macro", **totals}
    for name in ("model", "keywords"):
        for metric in ("precision", "recall", "f1"):
            macro[f"{name}_{metric}"] = float(df[f"{name}_{metric}"].mean())
    micro = {"ecosystem": "micro", **totals}
    lab = labelled[:, keep]
    for name, pred in (("model", pred_model), ("keywords", pred_keywords)):
        p, r, f, *_ = prf(Yi[:, keep][lab] == 1, pred[:, keep][lab])
        micro.update({f"{name}_precision": p, f"{name}_recall": r, f"{name}_f1": f})
    return pd.concat([df, pd.DataFrame([macro, micro])], ignore_index=True)[df.columns]


def by_language(Y: np.ndarray, pred_model: np.ndarray, pred_keywords: np.ndarray,
                languages: Sequence[str], ecosystems: Sequence[str], min_support: int = 1) -> pd.DataFrame:
    """Macro and micro F1 of both methods per language."""
    langs = np.asarray(languages)
    rows = []
    for lang in sorted(set(langs)):
        m = langs == lang
        t = evaluation_table(Y[m], pred_model[m], pred_keywords[m], ecosystems, min_support)
        if t.empty:
            continue
        for avg in ("macro", "micro"):
            r = t[t.ecosystem == avg].iloc[0]
            rows.append({"language": lang, "texts": int(m.sum()), "average": avg,
                         "model_f1": r.model_f1, "keywords_f1": r.keywords_f1})
    return pd.DataFrame(rows)


def format_table(df: pd.DataFrame) -> str:
    """The evaluation table as aligned text: both methods' precision, recall and F1, the model's
    departures from the keywords (``dropped (pos)``: keyword matches it drops, of which gold
    positives; ``added (pos)``: texts it adds, of which gold positives) and ``win`` where the
    model's F1 is higher."""
    if df.empty:
        return "(no ecosystem with enough positives)"
    lines = [f"{'ecosystem':<26}{'pos':>6}  {'model P':>8}{'R':>7}{'F1':>7}   {'keywords P':>10}{'R':>7}{'F1':>7}"
             f"   {'dropped (pos)':>13}{'added (pos)':>13}  win"]
    for r in df.itertuples():
        if r.ecosystem == "macro":
            lines.append("-" * len(lines[0]))
        win = "yes" if r.model_f1 > r.keywords_f1 else "no"
        lines.append(f"{r.ecosystem:<26}{r.positives:>6}  {r.model_precision:>8.3f}{r.model_recall:>7.3f}"
                     f"{r.model_f1:>7.3f}   {r.keywords_precision:>10.3f}{r.keywords_recall:>7.3f}{r.keywords_f1:>7.3f}"
                     f"   {f'{r.dropped} ({r.dropped_positive})':>13}{f'{r.added} ({r.added_positive})':>13}  {win}")
    return "\n".join(lines)


def plot_pr_curves(Y: np.ndarray, scores_model: np.ndarray, scores_keywords: np.ndarray,
                   ecosystems: Sequence[str], out_dir: str | Path, thresholds: np.ndarray | None = None,
                   min_support: int = 1) -> list[Path]:
    """One PNG per ecosystem: the model's precision-recall curve, the keyword method's points,
    and the model's operating point. Returns the files written."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no display needed
    from sklearn.metrics import precision_recall_curve

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    Yi = np.asarray(Y).astype(np.int8)
    for j, eco in enumerate(ecosystems):
        lab = Yi[:, j] >= 0  # -1: unlabelled
        y = Yi[lab, j] == 1
        if y.sum() < min_support or y.all():
            continue
        s = np.nan_to_num(scores_model[lab, j], nan=0.0)
        p, r, _ = precision_recall_curve(y, s)
        fig = Figure(figsize=(4.5, 4))
        ax = fig.subplots()
        ax.plot(r, p, label="model", color="#1f77b4")
        kp, kr, _ = precision_recall_curve(y, scores_keywords[lab, j])
        ax.plot(kr, kp, ".--", label="keywords (by number of terms)", color="#ff7f0e")
        if thresholds is not None:
            pred = s >= thresholds[j]
            pm = prf(y, pred)
            ax.plot([pm[1]], [pm[0]], "o", color="#1f77b4", label=f"model at threshold {thresholds[j]:.2f}")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(f"{eco} ({int(y.sum())} positives)")
        ax.legend(loc="lower left", fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out_dir / f"pr_{eco}.png"
        fig.savefig(path, dpi=100)
        written.append(path)
    return written
