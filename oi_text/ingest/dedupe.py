"""Exact and near-duplicate text detection that works in one streaming pass.

Exact duplicates share :func:`oi_text.text.dedupe_key` (case, accents, punctuation and
whitespace ignored). Near duplicates are found with MinHash over word 3-shingles and
locality-sensitive hashing (16 bands of 4 rows): a text is a near duplicate of the first earlier
text whose estimated Jaccard similarity is at least ``threshold`` (default 0.8). Memory is about
1.5 kB per text, so a million rows need about 1.5 GB; switch it off for larger files.
"""

from __future__ import annotations

import zlib

import numpy as np

from ..text import dedupe_key, fold, tokenize

_SHIFT = np.uint64(32)
_MASK32 = np.uint64(0xFFFFFFFF)


class ExactIndex:
    """Remembers the first id seen for every dedupe key."""

    def __init__(self) -> None:
        self._first: dict[str, str] = {}

    def check_and_add(self, record_id: str, text: str | list[str]) -> str | None:
        """Return the id of an earlier identical text, or remember this one and return None.

        ``text`` may also be its ``tokenize(fold(text))`` tokens."""
        key = dedupe_key(text)
        first = self._first.get(key)
        if first is None:
            self._first[key] = record_id
        return first

    def __len__(self) -> int:
        return len(self._first)


class NearDuplicateIndex:
    """Streaming MinHash-LSH index.

    Parameters
    ----------
    threshold : float
        Minimum estimated Jaccard similarity of word 3-shingle sets.
    num_perm, bands : int
        MinHash size and LSH bands (``num_perm`` must be divisible by ``bands``).
    min_words : int
        Texts with fewer words are not checked (too short to tell a near copy from a phrase).
    seed : int
        Seed of the hash functions (results are deterministic).

    Examples
    --------
    >>> idx = NearDuplicateIndex()
    >>> a = "Wij ontwikkelen membranen voor de verwijdering van medicijnresten uit afvalwater in Leeuwarden"
    >>> idx.check_and_add("a", a) is None
    True
    >>> idx.check_and_add("b", a.replace("Leeuwarden", "Leeuwarden.")) is None  # exact dupes are another matter
    False
    """

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 64,
        bands: int = 16,
        min_words: int = 8,
        seed: int = 1,
    ) -> None:
        if num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be divisible by bands ({bands})")
        self.threshold = threshold
        self.bands = bands
        self.rows = num_perm // bands
        self.min_words = min_words
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
        self._buckets: dict[int, int] = {}
        self._sigs: list[np.ndarray] = []
        self._ids: list[str] = []
        self._word_hash: dict[str, int] = {}

    def signature(self, text: str | list[str]) -> np.ndarray | None:
        """MinHash signature of ``text`` or its tokens (``None`` when the text is too short)."""
        tokens = tokenize(fold(text)) if isinstance(text, str) else text
        if len(tokens) < self.min_words:
            return None
        # word hashes, combined into 3-shingle hashes with integer arithmetic (no string joins)
        cache = self._word_hash
        words = np.fromiter(
            (cache[t] if t in cache else cache.setdefault(t, zlib.crc32(t.encode("utf-8")))
             for t in tokens),
            dtype=np.uint64,
            count=len(tokens),
        )
        if len(cache) > 2_000_000:
            cache.clear()
        shingles = np.unique((words[:-2] * np.uint64(1000003) + words[1:-1] * np.uint64(8191) + words[2:]) & _MASK32)
        # multiply-shift hashing: (a*x + b) mod 2**64, top 32 bits
        mixed = (self._a[:, None] * shingles[None, :] + self._b[:, None]) >> _SHIFT
        return mixed.min(axis=1).astype(np.uint32)

    def check_and_add(self, record_id: str, text: str | list[str]) -> str | None:
        """Return the id of an earlier near-identical text, or remember this one and return None.

        ``text`` may also be its ``tokenize(fold(text))`` tokens."""
        sig = self.signature(text)
        if sig is None:
            return None
        band_keys = [
            hash((b, sig[b * self.rows : (b + 1) * self.rows].tobytes())) for b in range(self.bands)
        ]
        seen: set[int] = set()
        for key in band_keys:
            j = self._buckets.get(key)
            if j is None or j in seen:
                continue
            seen.add(j)
            if float(np.mean(self._sigs[j] == sig)) >= self.threshold:
                return self._ids[j]
        n = len(self._ids)
        self._ids.append(record_id)
        self._sigs.append(sig)
        for key in band_keys:
            self._buckets.setdefault(key, n)
        return None

    def __len__(self) -> int:
        return len(self._ids)
