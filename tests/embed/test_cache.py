"""The embedding cache: hits, misses, invalidation when the model changes, the embed command."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from oi_text.cli import main
from oi_text.embed import load_encoder
from oi_text.embed.cache import CachedEncoder, EmbeddingCache
from oi_text.embed.hf import TransformersEncoder
from oi_text.embed.run import load_vectors


def test_hits_misses_and_duplicates(tmp_path, tiny_model, sample_texts):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    enc = CachedEncoder(TransformersEncoder(tiny_model, device="cpu"), cache)
    first = enc.encode(sample_texts[:10])
    assert enc.stats.texts == 10 and enc.stats.cache_hits == 0
    # grown corpus: only the new texts are embedded; a duplicate text is embedded once
    grown = sample_texts[:15] + [sample_texts[12]]
    second = enc.encode(grown)
    assert enc.stats.texts == 15
    assert enc.stats.cache_hits == 10
    assert np.allclose(second[:10], first, atol=1e-6)
    assert np.allclose(second[15], second[12])
    assert cache.count(enc.model_id) == 15


def test_cache_is_invalidated_when_the_model_changes(tmp_path, tiny_model, sample_texts):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    a = CachedEncoder(TransformersEncoder(tiny_model, device="cpu"), cache)
    a.encode(sample_texts[:5])
    b = CachedEncoder(TransformersEncoder(tiny_model, device="cpu", max_length=32), cache)
    b.encode(sample_texts[:5])
    assert b.stats.cache_hits == 0 and b.stats.texts == 5
    c = CachedEncoder(TransformersEncoder(tiny_model, device="cpu", pooling="cls"), cache)
    c.encode(sample_texts[:5])
    assert c.stats.cache_hits == 0
    again = CachedEncoder(TransformersEncoder(tiny_model, device="cpu"), cache)
    again.encode(sample_texts[:5])
    assert again.stats.cache_hits == 5 and again.stats.texts == 0


def test_a_fully_cached_run_does_not_load_the_weights(tmp_path, tiny_model, sample_texts):
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    CachedEncoder(TransformersEncoder(tiny_model, device="cpu"), cache).encode(sample_texts[:4])
    inner = TransformersEncoder(tiny_model, device="cpu")
    CachedEncoder(inner, cache).encode(sample_texts[:4])
    assert inner._model is None


def test_load_encoder_defaults(tmp_path, tiny_model):
    enc = load_encoder(tiny_model, device="cpu", cache=tmp_path / "c.sqlite")
    assert isinstance(enc, CachedEncoder)
    assert enc.encode(["een tekst"]).shape == (1, 64)
    raw = load_encoder(tiny_model, device="cpu", cache=False)
    assert isinstance(raw, TransformersEncoder)


def test_embed_command(tmp_path, tiny_model, sample_texts):
    records = tmp_path / "records.parquet"
    pd.DataFrame({"id": [f"r{i}" for i in range(25)], "text": sample_texts[:25]}).to_parquet(records)
    out = tmp_path / "vectors.parquet"
    args = ["embed", str(records), "--out", str(out), "--model", str(tiny_model), "--device", "cpu"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "texts: 25  (newly embedded 25, cache hits 0)" in res.output
    assert "vectors: 25 x 64" in res.output
    ids, matrix, meta = load_vectors(out)
    assert ids == [f"r{i}" for i in range(25)]
    assert matrix.shape == (25, 64) and np.allclose(np.linalg.norm(matrix, axis=1), 1, atol=1e-5)
    assert meta["dim"] == 64 and "tiny-xlmr" in meta["model_id"]
    res = CliRunner().invoke(main, args)
    assert "newly embedded 0, cache hits 25" in res.output
    _, again, _ = load_vectors(out)
    assert np.allclose(again, matrix)


def test_embed_command_errors(tmp_path, tiny_model):
    records = tmp_path / "r.csv"
    records.write_text("nr,veld7\n1,Waterstof uit wind\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["embed", str(records), "--out", str(tmp_path / "v.parquet"),
                                    "--model", str(tiny_model)])
    assert res.exit_code == 2
    assert "none of the usual text columns" in res.output and "pass --text-col NAME" in res.output
    assert "'veld7'" in res.output and "mapping file" not in res.output
    res = CliRunner().invoke(main, ["embed", str(records), "--out", str(tmp_path / "v.parquet"),
                                    "--model", str(tiny_model), "--text-col", "tekst"])
    assert res.exit_code == 2 and "text column 'tekst' not found" in res.output  # a named column is not guessed
    res = CliRunner().invoke(main, ["embed", str(records), "--out", str(tmp_path / "v.parquet"),
                                    "--model", str(tiny_model), "--id-col", "nr", "--text-col",
                                    "veld7", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    # a Dutch Excel CSV (cp1252, semicolons) with a blank text: read through ingest, the blank
    # row dropped, not embedded as ""
    export = tmp_path / "export.csv"
    export.write_bytes("KvK;Omschrijving\n101;Coöperatie voor groene waterstof\n102;\n103;Qubits à Delft\n".encode("cp1252"))
    res = CliRunner().invoke(main, ["embed", str(export), "--out", str(tmp_path / "w.parquet"), "--model",
                                    str(tiny_model), "--id-col", "KvK", "--text-col", "Omschrijving", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    assert f"Embedded {export}" in res.output and "vectors: 2 x 64" in res.output
    assert load_vectors(tmp_path / "w.parquet")[0] == ["101", "103"]
    res = CliRunner().invoke(main, ["embed", str(records), "--out", str(tmp_path / "v.csv"), "--model", str(tiny_model)])
    assert res.exit_code == 2 and "name it *.parquet" in res.output
