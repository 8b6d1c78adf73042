"""Scale of the bottom-up themes: 100,000 documents with precomputed 384-d vectors through UMAP +
HDBSCAN and the whole report, then 1,000,000 documents fitted on a sample and assigned in
streaming chunks. Each measured run is a fresh child process, so its peak RSS is its own.

Documents: the real texts of ../shared/data's corpora and our sample data with their e5-small
vectors (embedded once through the disk cache), repeated with a small seeded jitter on the
vectors (cosine ~0.98 to the original) up to the size asked for. Without ../shared/data, the
sample data alone is repeated.

In the same run, as baselines:
- the three HDBSCAN implementations on the same 100,000 UMAP-reduced vectors (those of our run; how
  ``backend="auto"`` was chosen);
- BERTopic 0.17 with its defaults on the same 100,000 vectors and texts (the peer users would
  pick; ``--no-bertopic`` leaves it out).

Targets (issue 15): 100,000 documents in under 10 minutes and 4 GB peak RSS on a 2-core machine.
Last line, machine-readable::

    bench=themes docs=100000 seconds=<s> peak_rss_mb=<mb> docs_1m=1000000 seconds_1m=<s> peak_rss_1m_mb=<mb> bertopic_seconds=<s> bertopic_peak_rss_mb=<mb>

Usage: ``python scripts/bench_themes.py [--docs 100000] [--big 1000000] [--no-bertopic]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

JITTER = 0.01


def prepare(work: Path) -> None:
    """Base texts + vectors (embedded once, cached) into work/base.npy and work/base.json."""
    import corpora

    from oi_text.datasets import load_sample
    from oi_text.embed import load_encoder

    texts = load_sample()["text"].tolist()
    kinds = ["mixed"] * len(texts)
    if corpora.available():
        for c in corpora.CORPORA:
            if c.name == "abstracts_arxiv_math":
                continue
            r = corpora.ingest_corpus(c, work)
            texts += r["text"].tolist()
            kinds += [c.name.split("_")[0]] * len(r)
    X = load_encoder().encode(texts, show_progress=sys.stderr.isatty())
    np.save(work / "base.npy", X.astype(np.float32))
    (work / "base.json").write_text(json.dumps({"texts": texts, "kinds": kinds}), encoding="utf-8")


def documents(work: Path, n: int, start: int = 0, seed: int = 0):
    """Documents start..start+n: base texts repeated, vectors jittered (seeded per block)."""
    base = np.load(work / "base.npy")
    meta = json.loads((work / "base.json").read_text(encoding="utf-8"))
    m = len(base)
    idx = np.arange(start, start + n) % m
    rng = np.random.default_rng(seed + start)
    X = base[idx] + rng.normal(0, JITTER, size=(n, base.shape[1])).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    texts = [meta["texts"][i] for i in idx]
    kinds = [meta["kinds"][i] for i in idx]
    return texts, X.astype(np.float32), kinds


def child_themes(work: Path, n: int) -> dict:
    from oi_text.themes import ThemeSettings, find_themes
    from oi_text.themes.report import write_outputs

    texts, X, kinds = documents(work, n)
    t0 = time.perf_counter()
    result = find_themes(texts, vectors=X, kinds=kinds, settings=ThemeSettings(),
                         progress=lambda s: print("   ", s, file=sys.stderr, flush=True))
    write_outputs(result, work / "out100k", source=f"{n:,} documents")
    sec = time.perf_counter() - t0
    np.save(work / "reduced.npy", result.estimator.reduced_)  # for the HDBSCAN comparison
    return {"seconds": sec, "steps": {k: round(v, 1) for k, v in result.seconds.items()},
            "themes": len(result.themes), "outliers": result.quality.outlier_share, "verdict": result.quality.verdict}


def child_big(work: Path, n: int, sample: int, chunk: int) -> dict:
    from oi_text.themes import EmbeddingThemes

    t0 = time.perf_counter()
    _, Xs, _ = documents(work, sample, start=0)
    est = EmbeddingThemes().fit(Xs)
    fit_s = time.perf_counter() - t0
    counts = np.zeros(est.n_themes_ + 1, dtype=np.int64)
    t1 = time.perf_counter()
    done = 0
    while done < n:
        m = min(chunk, n - done)
        _, X, _ = documents(work, m, start=done)
        labels, _ = est.transform(X)
        counts += np.bincount(labels + 1, minlength=len(counts))
        done += m
    assign_s = time.perf_counter() - t1
    same = bool((est.transform(Xs)[0] == est.labels_).all())
    return {"seconds": time.perf_counter() - t0, "fit_seconds": fit_s, "assign_seconds": assign_s,
            "themes": est.n_themes_, "outlier_share": float(counts[0] / n), "training_assignment_kept": same}


def child_backends(work: Path, n: int) -> dict:
    from oi_text.themes.cluster import HdbscanClusterer

    Y = np.load(work / "reduced.npy")  # the 5-d UMAP output of the themes run
    out = {}
    for backend in ("fast_hdbscan", "hdbscan", "sklearn"):
        HdbscanClusterer(backend=backend).fit_predict(Y[:2000])  # compile / warm up
        t0 = time.perf_counter()
        labels = HdbscanClusterer(backend=backend).fit_predict(Y)
        out[backend] = {"seconds": time.perf_counter() - t0, "themes": int(labels.max()) + 1,
                        "outliers": float((labels < 0).mean())}
    return out


def child_bertopic(work: Path, n: int) -> dict:
    from bertopic import BERTopic

    texts, X, _ = documents(work, n)
    t0 = time.perf_counter()
    model = BERTopic()
    topics, _ = model.fit_transform(texts, embeddings=X)
    return {"seconds": time.perf_counter() - t0, "themes": len(set(topics)) - (-1 in topics),
            "outliers": float(np.mean(np.asarray(topics) == -1))}


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM of /proc/self/status, which starts afresh at exec (Linux
    keeps ru_maxrss across exec, so a child would report its parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(args: list[str]) -> tuple[dict, float]:
    """Run this script as a child; its result and its peak RSS in MB."""
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"child {args} failed with exit code {proc.returncode}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, float(result.pop("peak_rss_mb"))  # the child's own peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=1_000_000, help="documents assigned in streaming chunks (0: skip)")
    ap.add_argument("--big-sample", type=int, default=50_000, help="documents the big run is fitted on")
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--no-bertopic", action="store_true")
    ap.add_argument("--work", type=Path, help="working folder [a temporary one]")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        work = Path(args.child[1])
        kind, n = args.child[0], int(args.child[2])
        if kind == "prepare":
            prepare(work)
            return
        if kind == "themes":
            out = child_themes(work, n)
        elif kind == "big":
            out = child_big(work, n, int(args.child[3]), int(args.child[4]))
        elif kind == "backends":
            out = child_backends(work, n)
        else:
            out = child_bertopic(work, n)
        out["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(out))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="oi_bench_themes_"))
    work.mkdir(parents=True, exist_ok=True)
    if not (work / "base.npy").exists():
        print("embedding the base texts (once; disk cache) ...", flush=True)
        subprocess.run([sys.executable, __file__, "--child", "prepare", str(work), "0"], check=True)
    base = np.load(work / "base.npy")
    print(f"base: {len(base):,} real texts with {base.shape[1]}-d vectors, repeated with jitter {JITTER}; "
          f"cores: {os.cpu_count()}", flush=True)

    print(f"\n== oi_text themes: {args.docs:,} documents, UMAP + HDBSCAN + terms + quality (5 seeds on 5,000) "
          "+ map + report", flush=True)
    ours, rss = run_child(["--child", "themes", str(work), str(args.docs)])
    print(f"  {ours['seconds']:.1f}s (steps: {ours['steps']}), peak RSS {rss:,.0f} MB; {ours['themes']} themes, "
          f"outliers {ours['outliers']:.1%}, verdict {ours['verdict']}")
    print(f"  target: < 600 s and < 4,096 MB: {'met' if ours['seconds'] < 600 and rss < 4096 else 'NOT met'}")

    print(f"\n== HDBSCAN implementations on {args.docs:,} UMAP-reduced vectors", flush=True)
    backends, _ = run_child(["--child", "backends", str(work), str(args.docs)])
    for name, r in backends.items():
        print(f"  {name:<13} {r['seconds']:7.1f}s  themes {r['themes']:4d}  outliers {r['outliers']:.1%}")

    big = {"seconds": float("nan")}
    big_rss = float("nan")
    if args.big:
        print(f"\n== {args.big:,} documents: fit on {args.big_sample:,}, assign all in chunks of {args.chunk:,}",
              flush=True)
        big, big_rss = run_child(["--child", "big", str(work), str(args.big), str(args.big_sample), str(args.chunk)])
        print(f"  {big['seconds']:.1f}s (fit {big['fit_seconds']:.1f}s, assign {big['assign_seconds']:.1f}s = "
              f"{args.big / big['assign_seconds']:,.0f} docs/s), peak RSS {big_rss:,.0f} MB; {big['themes']} themes, "
              f"outliers {big['outlier_share']:.1%}; training texts keep their theme: {big['training_assignment_kept']}")

    bert = {"seconds": float("nan")}
    bert_rss = float("nan")
    if not args.no_bertopic:
        print(f"\n== baseline: BERTopic 0.17 defaults on the same {args.docs:,} vectors and texts", flush=True)
        bert, bert_rss = run_child(["--child", "bertopic", str(work), str(args.docs)])
        print(f"  {bert['seconds']:.1f}s, peak RSS {bert_rss:,.0f} MB; {bert['themes']} topics, "
              f"outliers {bert['outliers']:.1%} (topic model only: no quality figures, no report)")

    print(f"bench=themes docs={args.docs} seconds={ours['seconds']:.1f} peak_rss_mb={rss:.0f} "
          f"docs_1m={args.big} seconds_1m={big['seconds']:.1f} peak_rss_1m_mb={big_rss:.0f} "
          f"bertopic_seconds={bert['seconds']:.1f} bertopic_peak_rss_mb={bert_rss:.0f}")


if __name__ == "__main__":
    main()
