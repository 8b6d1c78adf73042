"""The :class:`Encoder` protocol every embedding backend implements, and shared helpers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError

LongTexts = Literal["truncate", "window"]


@dataclass
class EncodeStats:
    """What an encoder did (cumulative over its ``encode`` calls)."""

    texts: int = 0
    tokens: int = 0  # real (unpadded) tokens fed to the model, specials included
    padded_tokens: int = 0  # tokens the model computed on, padding included
    truncated: int = 0  # texts cut at the model's limit
    windowed: int = 0  # texts split into several windows
    windows: int = 0  # windows in total (one per text that fits)
    batches: int = 0
    oom_splits: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def texts_per_second(self) -> float:
        return self.texts / self.seconds if self.seconds > 0 else float("nan")

    def format(self) -> str:
        pad = (
            f", padding {100 * (1 - self.tokens / self.padded_tokens):.0f}%"
            if self.padded_tokens
            else ""
        )
        return (
            f"{self.texts:,} texts, {self.tokens:,} tokens{pad}, truncated {self.truncated:,}, "
            f"windowed {self.windowed:,}, cache hits {self.cache_hits:,}, "
            f"{self.texts_per_second:,.1f} texts/s"
        )


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors, in input order.

    Attributes
    ----------
    model_id : str
        Identifies model, revision and everything that changes the vectors (pooling, prefix,
        precision); the embedding cache and model cards key on it.
    dim : int
        Vector width.
    """

    model_id: str
    dim: int
    stats: EncodeStats

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        normalize: bool = True,
        show_progress: bool = False,
    ) -> np.ndarray:
        """``[len(texts), dim]`` float32 array, row i for text i."""
        ...


def resolve_device(device: str | None = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when a CUDA device is usable, else ``"cpu"``; validates others."""
    import torch

    device = (device or "auto").strip().lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device {device!r} asked for, but no CUDA device is available here "
                "(torch.cuda.is_available() is False); use --device cpu or auto"
            )
        return device
    raise ConfigError(f"unknown device {device!r}; expected 'auto', 'cpu', 'cuda' or 'cuda:N'")


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class Timer:
    """Adds elapsed wall time to ``stats.seconds``."""

    def __init__(self, stats: EncodeStats):
        self.stats = stats

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stats.seconds += time.perf_counter() - self.t0
