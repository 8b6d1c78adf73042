"""Embed a records file into a vectors file (``oi-text embed``), streaming in chunks.

A vectors file is Parquet with columns ``id`` (string) and ``vector`` (fixed-size list of
float32); its schema metadata records the model id and width. Chunks are written as they are
done, to ``<out>.partial`` renamed at the end; with the disk cache on, a run that was cut off
resumes by re-reading what it already embedded from the cache.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SchemaError, format_columns
from ..records import id_strings, iter_record_chunks
from .base import Encoder


@dataclass
class EmbedSummary:
    source: str
    output: str | None
    model_id: str
    dim: int
    texts: int = 0
    embedded: int = 0
    cache_hits: int = 0
    tokens: int = 0
    truncated: int = 0
    windowed: int = 0
    seconds: float = 0.0
    resolved: dict[str, Any] = field(default_factory=dict)

    def format(self) -> str:
        rate = self.texts / self.seconds if self.seconds else float("nan")
        lines = [
            f"Embedded {self.source}",
            f"  model: {self.model_id}",
            f"  texts: {self.texts:,}  (newly embedded {self.embedded:,}, cache hits {self.cache_hits:,})",
            f"  tokens: {self.tokens:,}   truncated: {self.truncated:,}   windowed: {self.windowed:,}",
            f"  vectors: {self.texts:,} x {self.dim}   speed: {rate:,.1f} texts/s ({self.seconds:.1f}s)",
        ]
        if self.resolved:
            r = self.resolved
            lines.append(f"  device: {r.get('device')}  precision: {r.get('precision')}  "
                         f"attention: {r.get('attention')}  token budget: {r.get('token_budget')}")
        if self.output:
            lines.append(f"  written to {self.output}")
        return "\n".join(lines)


def check_vectors_out(out: str | Path) -> Path:
    """A vectors file is Parquet: refuse another name before any work."""
    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise InputError(f"output {str(out)!r}: vectors are written as Parquet; name it *.parquet")
    return out


def embed_records(
    source: str | Path,
    out: str | Path | None,
    encoder: Encoder,
    *,
    id_col: str = "id",
    text_col: str = "text",
    chunk_size: int = 20_000,
    show_progress: bool = False,
) -> EmbedSummary:
    """Embed the ``text_col`` of a records file; write ``id`` + ``vector`` Parquet to ``out``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = Path(source)
    if not source.exists():
        raise InputError(f"input file not found: {str(source)!r}")
    t0 = time.perf_counter()
    stats = encoder.stats
    before = (stats.texts, stats.tokens, stats.truncated, stats.windowed, stats.cache_hits)
    summary = EmbedSummary(str(source), str(out) if out else None, encoder.model_id, encoder.dim)
    writer = None
    tmp = None
    schema = pa.schema(
        [("id", pa.string()), ("vector", pa.list_(pa.float32(), encoder.dim))],
        metadata={b"oi_text": json.dumps({"model_id": encoder.model_id, "dim": encoder.dim}).encode()},
    )
    if out is not None:
        out = check_vectors_out(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".partial")
        writer = pq.ParquetWriter(tmp, schema, compression="zstd")
    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        total = pq.ParquetFile(source).metadata.num_rows if source.suffix.lower() == ".parquet" else None
        bar = tqdm(total=total, unit="texts", desc="embed", mininterval=0.5)
    try:
        for chunk in iter_record_chunks(source, chunk_size=chunk_size):
            missing = [c for c in (id_col, text_col) if c not in chunk.columns]
            if missing:
                raise SchemaError(
                    f"{source}: column(s) {', '.join(map(repr, missing))} not found; found "
                    f"{format_columns(list(chunk.columns))}. Pass --id-col/--text-col, or ingest "
                    "the file first with 'oi-text ingest'"
                )
            texts = ["" if t is None or t != t else str(t) for t in chunk[text_col].tolist()]
            vecs = encoder.encode(texts)
            summary.texts += len(texts)
            if writer is not None:
                flat = pa.array(np.ascontiguousarray(vecs, dtype=np.float32).reshape(-1))
                table = pa.Table.from_arrays(
                    [pa.array(id_strings(chunk[id_col].tolist()), pa.string()),
                     pa.FixedSizeListArray.from_arrays(flat, encoder.dim)],
                    schema=schema,
                )
                writer.write_table(table)
            if bar is not None:
                bar.update(len(texts))
        if writer is not None:
            writer.close()
            writer = None
            os.replace(tmp, out)  # type: ignore[arg-type]
    finally:
        if bar is not None:
            bar.close()
        if writer is not None:
            writer.close()
            if tmp is not None and tmp.exists():
                tmp.unlink()
    summary.embedded = stats.texts - before[0]
    summary.tokens = stats.tokens - before[1]
    summary.truncated = stats.truncated - before[2]
    summary.windowed = stats.windowed - before[3]
    summary.cache_hits = stats.cache_hits - before[4]
    summary.seconds = time.perf_counter() - t0
    summary.resolved = getattr(encoder, "resolved", {}) if hasattr(encoder, "resolved") else {}
    return summary


def load_vectors(path: str | Path) -> tuple[list[str], np.ndarray, dict[str, Any]]:
    """Read a vectors file: ``(ids, matrix [n, dim] float32, metadata)``."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.exists():
        raise InputError(f"vectors file not found: {str(path)!r}; run 'oi-text embed' first")
    table = pq.read_table(path)
    if "vector" not in table.column_names or "id" not in table.column_names:
        raise SchemaError(f"{path}: not a vectors file (columns {table.column_names}; expected id, vector)")
    meta = json.loads((table.schema.metadata or {}).get(b"oi_text", b"{}"))
    col = table.column("vector").combine_chunks()
    dim = col.type.list_size
    matrix = np.asarray(col.values.to_numpy(zero_copy_only=False), dtype=np.float32).reshape(-1, dim)
    return table.column("id").to_pylist(), matrix, meta


def aligned_vectors(path: str | Path, ids: list[str], *, model_id: str | None = None) -> np.ndarray:
    """The vectors of ``path`` in the order of ``ids`` (the records they were embedded from).

    Refuses a vectors file made by another encoder than ``model_id`` (vectors of different
    models are not comparable), and one that lacks some of the ``ids`` (names the first).
    """
    file_ids, matrix, meta = load_vectors(path)
    made_by = meta.get("model_id")
    if model_id is not None and made_by != model_id:
        raise SchemaError(
            f"{path}: vectors from encoder {made_by!r}, but the encoder asked for is {model_id!r}. Vectors "
            "of different models are not comparable: pass the --embed-model that made the file, or leave out "
            "--vectors to embed the texts now"
        )
    where = {i: n for n, i in enumerate(id_strings(file_ids))}
    if len(where) < len(file_ids):
        raise SchemaError(f"{path}: {len(file_ids) - len(where):,} repeated id(s); re-run 'oi-text embed'")
    rows = [where.get(i, -1) for i in ids]
    missing = [i for i, r in zip(ids, rows) if r < 0]
    if missing:
        raise SchemaError(
            f"{path}: no vector for {len(missing):,} of the {len(ids):,} records (first: id {missing[0]!r}); "
            "embed the same records file with 'oi-text embed RECORDS --out VECTORS'"
        )
    return matrix[np.asarray(rows, dtype=np.int64)]
