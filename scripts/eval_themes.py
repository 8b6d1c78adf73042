"""Bottom-up themes against each corpus's own labels: five routes on the same embeddings.

For our sample data and every labelled corpus in ../shared/data (skipped when absent), one
embedding per text (oi_text's default model, disk cache), then:

- ``lda_plain``: gensim LDA on plain word tokens, no boilerplate removal, no word pairs, k by
  the same coherence sweep;
- ``lda``: our LDA (boilerplate removed, word pairs, k by coherence);
- ``kmeans_raw``: k-means on the raw embeddings with k = the number of label classes (the
  study's route, given the true number of classes);
- ``bertopic``: BERTopic 0.17 with its defaults on the same embeddings
  (``BERTopic().fit_transform(texts, embeddings=X)``; its UMAP is unseeded, as a user runs it);
- ``umap_hdbscan``: ours, defaults (outliers kept as outliers); ``umap_hdbscan_assigned``: ours
  with ``assign_outliers=True``.

NMI and ARI count outliers as one group, for every route. k-means and ours run with 3 seeds and
BERTopic 3 times (it is unseeded); the table shows the mean and the range of NMI. LDA runs once. NPMI: mean over themes of their top
10 terms' NPMI on the corpus's own documents. Then the boilerplate stress test: the study's kind
of boilerplate sentences are put into half of the texts (of a seeded sample); NMI of our LDA
and UMAP + HDBSCAN, without boilerplate removal on the clean and on the injected texts (the
drop), and the same with removal (its drop), each the mean over 3 seeds; "recovered" is the
share of the first drop that removal takes away.

Last line per corpus, machine-readable::

    corpus=<name> nmi_lda_plain=<x> nmi_lda=<x> nmi_kmeans_raw=<x> nmi_bertopic=<x> nmi_umap_hdbscan=<x> noise_share=<x>

Usage: ``python scripts/eval_themes.py [--corpora startups_yc,...] [--stress-docs 1000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402

#: the label each corpus's themes are compared with (one per document)
LABELS = {
    "startups_yc": ("industries", lambda v: v.split("|")[0] if isinstance(v, str) and v else None),
    "projects_cordis_h2020_cleantech": ("technology_groups", lambda v: v.split("|")[0].strip() if isinstance(v, str) and v else None),
    "questions_dekamer_nl": ("question_theme_main", lambda v: v if isinstance(v, str) and v else None),
    "projects_structuralfunds_nl": ("fund", lambda v: {"ERDF": "EFRO"}.get(v, v) if isinstance(v, str) and v else None),
}

#: the study's kind of boilerplate (programme and partnership formulas, NL and EN)
BOILERPLATE = [
    "Dit project wordt uitgevoerd als samenwerkingsverband van overheid, bedrijfsleven en kennisinstellingen.",
    "Het project wordt mede mogelijk gemaakt door de topsector en de TKI-toeslag voor publiek-private samenwerking.",
    "This project is carried out as a partnership of government, industry and knowledge institutions.",
    "The project contributes to the mission-driven innovation policy and the societal challenges of the Netherlands.",
]


def corpus_sets(wanted: set[str]):
    """Yield ``(name, records, gold labels)`` for the sample data and each corpus present."""
    import tempfile

    from oi_text.datasets import load_sample

    if not wanted or "sample" in wanted:
        df = load_sample()
        yield "sample", df, [ls[0] if len(ls) else None for ls in df["labels"]]
    if not corpora.available():
        print("\n../shared/data is not present: the real corpora are skipped.")
        return
    work = Path(tempfile.mkdtemp(prefix="oi_eval_themes_"))
    for c in corpora.CORPORA:
        if c.name not in LABELS or (wanted and c.name not in wanted):
            continue
        records = corpora.ingest_corpus(c, work)
        raw = pd.read_csv(c.path, dtype=str, keep_default_na=False).set_index(c.id)
        col, fn = LABELS[c.name]
        gold = [fn(v) for v in raw.loc[records["id"].astype(str), col].tolist()]
        yield c.name, records, gold


def reference_docs(texts: list[str]) -> list[list[str]]:
    """Documents as sets of words and word pairs, the reference every route's NPMI is measured on."""
    from oi_text.themes.prepare import Tokens, content_tokens

    phrased = Tokens().fit(texts).docs
    return [sorted(set(content_tokens(t)) | set(p)) for t, p in zip(texts, phrased)]


def scores(labels: np.ndarray, gold: list, top_terms: dict[int, list[str]], ref: list[list[str]]) -> dict[str, float]:
    from oi_text.text import fold
    from oi_text.themes.quality import label_agreement, npmi_per_theme, topic_diversity

    agree = label_agreement(labels, gold)
    folded = {t: [fold(w).replace(" ", "_") for w in ws[:10]] for t, ws in top_terms.items()}
    npmi = [v for v in npmi_per_theme(ref, folded).values() if v == v]
    return {"nmi": agree["nmi"], "ari": agree["ari"], "npmi": float(np.mean(npmi)) if npmi else float("nan"),
            "diversity": topic_diversity({t: [fold(w) for w in ws] for t, ws in top_terms.items()}),
            "outliers": float(np.mean(np.asarray(labels) < 0)), "themes": len(top_terms)}


def run_lda(texts: list[str], *, plain: bool, seed: int = 0):
    from oi_text.themes.lda import LdaThemes
    from oi_text.themes.prepare import BoilerplateRemover, Tokens, content_tokens

    if plain:
        docs = [content_tokens(t) for t in texts]
    else:
        docs = Tokens().fit(BoilerplateRemover(seed=seed).fit_transform(texts)).docs
    lda = LdaThemes(seed=seed, measure_cv=False).fit(docs)
    return lda.labels_, {t: [w for w, _ in tt] for t, tt in enumerate(lda.top_terms(25))}


def run_ours(texts: list[str], X: np.ndarray, *, assign: bool = False, seed: int = 0):
    from oi_text.themes.cluster import EmbeddingThemes
    from oi_text.themes.prepare import BoilerplateRemover, Tokens
    from oi_text.themes.represent import ctfidf_terms

    est = EmbeddingThemes(assign_outliers=assign, seed=seed).fit(X)
    docs = Tokens().fit(BoilerplateRemover(seed=seed).fit_transform(texts)).docs
    terms = ctfidf_terms(docs, est.labels_, topn=25)
    return est.labels_, {t: [w for w, _ in tt] for t, tt in terms.items()}


def run_kmeans(texts: list[str], X: np.ndarray, k: int, seed: int = 0):
    from oi_text.themes.cluster import EmbeddingThemes, KMeansClusterer, NoReduction
    from oi_text.themes.prepare import Tokens
    from oi_text.themes.represent import ctfidf_terms

    est = EmbeddingThemes(reducer=NoReduction(), clusterer=KMeansClusterer(k=k, seed=seed)).fit(X)
    terms = ctfidf_terms(Tokens().fit(texts).docs, est.labels_, topn=25)
    return est.labels_, {t: [w for w, _ in tt] for t, tt in terms.items()}


def run_bertopic(texts: list[str], X: np.ndarray, seed: int = 0):
    from bertopic import BERTopic

    model = BERTopic()  # its defaults, as a user picks it (its UMAP is unseeded: ``seed`` unused)
    topics, _ = model.fit_transform(texts, embeddings=X)
    labels = np.asarray(topics)
    terms = {t: [w for w, _ in (model.get_topic(t) or [])] for t in sorted(set(labels.tolist())) if t >= 0}
    return labels, terms


def stress(name: str, texts: list[str], X: np.ndarray, gold: list, encoder, n_docs: int, seed: int = 0,
           seeds: tuple[int, ...] = (0, 1, 2)) -> list[str]:
    """NMI on clean texts, with boilerplate injected into half of them, and after removal."""
    from oi_text.themes.quality import label_agreement

    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(texts), min(n_docs, len(texts)), replace=False))
    sub = [texts[i] for i in idx]
    g = [gold[i] for i in idx]
    injected = list(sub)
    for i in rng.choice(len(sub), len(sub) // 2, replace=False):
        picks = rng.choice(len(BOILERPLATE), 2, replace=False)
        injected[i] = f"{BOILERPLATE[picks[0]]} {sub[i]} {BOILERPLATE[picks[1]]}"
    lines = []
    from oi_text.themes.cluster import EmbeddingThemes
    from oi_text.themes.lda import LdaThemes
    from oi_text.themes.prepare import BoilerplateRemover, Tokens

    for route in ("lda", "umap_hdbscan"):
        row = {}
        for case, corpus in (("clean", sub), ("injected", injected)):
            for removal in (False, True):
                cleaned = BoilerplateRemover(seed=seed).fit_transform(corpus) if removal else corpus
                nmis = []
                for s in seeds:  # single fits are noisy on small samples: the mean over seeds
                    if route == "lda":
                        labels = LdaThemes(seed=s, measure_cv=False).fit(Tokens().fit(cleaned).docs).labels_
                    else:
                        V = X[idx] if case == "clean" and not removal else encoder.encode(cleaned)
                        labels = EmbeddingThemes(seed=s).fit(V).labels_
                    nmis.append(label_agreement(labels, g)["nmi"])
                row[case, removal] = float(np.mean(nmis))
        drop_without = row["clean", False] - row["injected", False]
        drop_with = row["clean", True] - row["injected", True]
        recovered = 1 - drop_with / drop_without if drop_without > 1e-9 else float("nan")
        lines.append(f"  stress {route:<13} without removal: NMI {row['clean', False]:.3f} -> {row['injected', False]:.3f} "
                     f"(drop {drop_without:+.3f});  with removal: {row['clean', True]:.3f} -> {row['injected', True]:.3f} "
                     f"(drop {drop_with:+.3f});  "
                     + (f"recovered {recovered:.0%} of the drop" if recovered == recovered else "no drop to recover"))
        lines.append(f"stress corpus={name} route={route} nmi_clean={row['clean', False]:.4f} "
                     f"nmi_injected={row['injected', False]:.4f} nmi_clean_removed={row['clean', True]:.4f} "
                     f"nmi_injected_removed={row['injected', True]:.4f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default="", help="comma-separated corpus names [all]")
    ap.add_argument("--stress-docs", type=int, default=1000, help="documents in the stress test sample (0: skip)")
    ap.add_argument("--runs", type=int, default=3,
                    help="seeds for k-means and ours, runs of BERTopic (unseeded, as users run it) [3]; LDA runs once")
    ap.add_argument("--device", default=None)
    ap.add_argument("--no-bertopic", action="store_true", help="leave out BERTopic (when not installed)")
    args = ap.parse_args()

    from oi_text.embed import load_encoder

    encoder = load_encoder(device=args.device)
    wanted = {c.strip() for c in args.corpora.split(",") if c.strip()}
    for name, records, gold in corpus_sets(wanted):
        texts = records["text"].tolist()
        t0 = time.perf_counter()
        X = encoder.encode(texts)
        classes = len({g for g in gold if g is not None})
        print(f"\n== {name}: {len(texts):,} documents, {classes} label classes "
              f"(embedded in {time.perf_counter() - t0:.0f}s, cache included)")
        ref = reference_docs(texts)
        seeds = tuple(range(args.runs))
        routes = {  # route: (function, args, keywords, runs)
            "lda_plain": (run_lda, (texts,), {"plain": True}, (0,)),
            "lda": (run_lda, (texts,), {"plain": False}, (0,)),
            "kmeans_raw": (run_kmeans, (texts, X), {"k": max(2, classes)}, seeds),
            "bertopic": (run_bertopic, (texts, X), {}, seeds),
            "umap_hdbscan": (run_ours, (texts, X), {}, seeds),
            "umap_hdbscan_assigned": (run_ours, (texts, X), {"assign": True}, seeds),
        }
        if args.no_bertopic:
            routes.pop("bertopic")
        results = {}
        print(f"  {'route':<22} {'NMI':>6} {'NMI range':>12} {'ARI':>6} {'NPMI':>7} {'divers.':>7} {'outliers':>8} "
              f"{'themes':>6} {'seconds':>8}  (mean over runs; seconds per run)")
        for route, (fn, fargs, fkw, runs) in routes.items():
            rows = []
            for seed in runs:
                t0 = time.perf_counter()
                labels, terms = fn(*fargs, **fkw, seed=seed)
                r = scores(labels, gold, terms, ref)
                r["seconds"] = time.perf_counter() - t0
                rows.append(r)
            r = {k: float(np.mean([x[k] for x in rows])) for k in rows[0]}
            nmis = [x["nmi"] for x in rows]
            results[route] = r
            spread = f"{min(nmis):.3f}-{max(nmis):.3f}" if len(rows) > 1 else "(1 run)"
            print(f"  {route:<22} {r['nmi']:6.3f} {spread:>12} {r['ari']:6.3f} {r['npmi']:7.3f} {r['diversity']:7.3f} "
                  f"{r['outliers']:8.1%} {r['themes']:6.1f} {r['seconds']:8.1f}", flush=True)
        if args.stress_docs:
            for line in stress(name, texts, X, gold, encoder, args.stress_docs):
                print(line, flush=True)
        nmi = {k: v["nmi"] for k, v in results.items()}
        print(f"corpus={name} nmi_lda_plain={nmi['lda_plain']:.4f} nmi_lda={nmi['lda']:.4f} "
              f"nmi_kmeans_raw={nmi['kmeans_raw']:.4f} nmi_bertopic={nmi.get('bertopic', float('nan')):.4f} "
              f"nmi_umap_hdbscan={nmi['umap_hdbscan']:.4f} noise_share={results['umap_hdbscan']['outliers']:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
