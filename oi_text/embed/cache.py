"""Disk cache of embeddings keyed by (model id, text hash): re-runs and grown corpora only embed
new texts.

The model id (see :attr:`Encoder.model_id`) covers model name and revision (or a fingerprint
of a local directory's weights), pooling, prefix, length limit, long-text handling and
precision, so changing any of them misses the cache instead of returning stale vectors.
Stored in one SQLite file (WAL, one transaction per batch), by default
``<cache_dir>/embeddings.sqlite``.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import cache_dir
from .base import Encoder, EncodeStats

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    model_key TEXT PRIMARY KEY,
    model_id  TEXT NOT NULL,
    dim       INTEGER NOT NULL,
    created   TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS vectors (
    model_key TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vec       BLOB NOT NULL,
    PRIMARY KEY (model_key, text_hash)
) WITHOUT ROWID;
"""


def text_key(text: str) -> str:
    """Hash of the exact text (32 hex digits)."""
    return hashlib.blake2b(text.encode("utf-8", errors="surrogatepass"), digest_size=16).hexdigest()


def model_key(model_id: str) -> str:
    return hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:24]


class EmbeddingCache:
    """SQLite store of float32 vectors per (model id, text hash)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else cache_dir() / "embeddings.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            self._local.conn = conn
        return conn

    def get_many(self, model_id: str, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (missing keys are absent from the result)."""
        mk = model_key(model_id)
        conn = self._conn()
        found: dict[str, np.ndarray] = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), 900):
            part = keys[start : start + 900]
            q = f"SELECT text_hash, vec FROM vectors WHERE model_key=? AND text_hash IN ({','.join('?' * len(part))})"
            for h, blob in conn.execute(q, [mk, *part]):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == dim:
                    found[h] = vec
        return found

    def put_many(self, model_id: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store vectors (one transaction)."""
        mk = model_key(model_id)
        conn = self._conn()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with conn:
            conn.execute("INSERT OR IGNORE INTO models(model_key, model_id, dim) VALUES (?,?,?)",
                         (mk, model_id, int(vectors.shape[1])))
            conn.executemany(
                "INSERT OR REPLACE INTO vectors(model_key, text_hash, vec) VALUES (?,?,?)",
                ((mk, k, v.tobytes()) for k, v in zip(keys, vectors)),
            )

    def count(self, model_id: str | None = None) -> int:
        conn = self._conn()
        if model_id is None:
            return conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        return conn.execute("SELECT COUNT(*) FROM vectors WHERE model_key=?", (model_key(model_id),)).fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class CachedEncoder:
    """Wraps an :class:`Encoder`: texts already in the cache are not embedded again.

    Identical texts within one call are embedded once.
    """

    def __init__(self, encoder: Encoder, cache: EmbeddingCache) -> None:
        self.encoder = encoder
        self.cache = cache

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def stats(self) -> EncodeStats:
        return self.encoder.stats

    def __getattr__(self, name: str):  # token_counts, resolved, ...
        return getattr(self.encoder, name)

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None, normalize: bool = True,
               show_progress: bool = False) -> np.ndarray:
        if not normalize:
            return self.encoder.encode(texts, batch_size=batch_size, normalize=False,
                                       show_progress=show_progress)
        texts = list(texts)
        keys = [text_key(t) for t in texts]
        model_id, dim = self.encoder.model_id, self.encoder.dim
        found = self.cache.get_many(model_id, keys, dim)
        missing_keys = [k for k in dict.fromkeys(keys) if k not in found]
        if missing_keys:
            first = {}
            for t, k in zip(texts, keys):
                first.setdefault(k, t)
            new = self.encoder.encode([first[k] for k in missing_keys], batch_size=batch_size,
                                      normalize=True, show_progress=show_progress)
            self.cache.put_many(model_id, missing_keys, new)
            found.update(zip(missing_keys, new))
        missing_set = set(missing_keys)
        hits = sum(1 for k in keys if k not in missing_set)
        self.encoder.stats.cache_hits += hits
        out = np.empty((len(texts), dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out
