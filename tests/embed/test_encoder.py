"""The transformers backend on a tiny XLM-R built in the test: order, batching, packed vs padded,
truncation/windowing, OOM splitting, pooling config, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from oi_text.embed.hf import TransformersEncoder, resolve_model_dir
from oi_text.errors import ConfigError, ModelError


def _texts(sample_texts, n=40):
    # mixed lengths: whole texts, halves, a few words
    out = []
    for i, t in enumerate(sample_texts[:n]):
        words = t.split()
        out.append(" ".join(words[: 3 + (i * 7) % len(words)]))
    return out


def test_output_order_survives_length_sorting(tiny_model, sample_texts):
    texts = _texts(sample_texts)
    enc = TransformersEncoder(tiny_model, device="cpu", token_budget=300)
    batched = enc.encode(texts)
    assert batched.shape == (len(texts), 64) and batched.dtype == np.float32
    assert enc.stats.batches > 3  # several batches, so sorting really happened
    one_by_one = np.stack([enc.encode([t])[0] for t in texts])
    cos = np.sum(batched * one_by_one, axis=1)
    assert cos.min() > 0.999
    # and a permutation of the input permutes the output
    perm = np.random.default_rng(0).permutation(len(texts))
    again = enc.encode([texts[i] for i in perm])
    assert np.allclose(again, batched[perm], atol=1e-5)


@pytest.mark.parametrize("attention", ["padded", "varlen"])
def test_packed_forward_matches_the_models_own(tiny_model, sample_texts, attention):
    texts = _texts(sample_texts, 24)
    ref = TransformersEncoder(tiny_model, device="cpu", attention="hf").encode(texts)
    enc = TransformersEncoder(tiny_model, device="cpu", attention=attention)
    got = enc.encode(texts)
    assert enc.resolved["attention"] == attention
    assert np.sum(ref * got, axis=1).min() > 0.9999
    assert enc.stats.padded_tokens == enc.stats.tokens  # packed: no padding at all


def test_normalize_false_gives_raw_mean_pooled_vectors(tiny_model, sample_texts):
    enc = TransformersEncoder(tiny_model, device="cpu")
    raw = enc.encode(sample_texts[:5], normalize=False)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)
    unit = enc.encode(sample_texts[:5])
    assert np.allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), unit, atol=1e-5)


def test_truncation_is_counted(tiny_model, sample_texts):
    enc = TransformersEncoder(tiny_model, device="cpu", max_length=32)
    texts = ["kort", *sample_texts[:6]]
    counts = enc.token_counts(texts)
    long = int(np.sum(counts > 32))
    assert long >= 5
    enc.encode(texts)
    assert enc.stats.truncated == long
    assert enc.stats.windowed == 0


def test_windowing_averages_windows_weighted_by_tokens(tiny_model, sample_texts):
    enc = TransformersEncoder(tiny_model, device="cpu", max_length=32, long_texts="window")
    text = sample_texts[0]
    ids = enc.tokenize([text])[0]
    assert len(ids) > 60  # at least three windows of 30 content tokens
    vec = enc.encode([text], normalize=False)[0]
    assert enc.stats.windowed == 1
    assert enc.stats.windows == -(-len(ids) // 30)
    # by hand: pool each window, weight by its content tokens
    parts = [ids[a : a + 30] for a in range(0, len(ids), 30)]
    with torch.inference_mode():
        inputs = [[0, *p, 2] for p in parts]
        pooled = enc._forward(np.concatenate(inputs), np.array([len(x) for x in inputs])).numpy()
    weights = np.array([len(p) for p in parts], dtype=np.float64)
    expected = (pooled * weights[:, None]).sum(0) / weights.sum()
    assert np.allclose(vec, expected, atol=1e-5)


@pytest.mark.parametrize("long_texts", ["truncate", "window"])
def test_packed_inputs_are_the_token_lists_the_model_should_see(tiny_model, sample_texts, long_texts):
    enc = TransformersEncoder(tiny_model, device="cpu", max_length=32, long_texts=long_texts)
    texts = ["", "kort", *sample_texts[:5], "nog een korte tekst"]
    chunk = enc._chunk_of(texts, 100)
    ids, lengths = enc._pack(chunk, np.arange(len(chunk.length)))
    got = [part.tolist() for part in np.split(ids, np.cumsum(lengths)[:-1])]
    expected, owners = [], []
    for i, toks in enumerate(enc.tokenize(texts)):
        parts = [toks[a : a + 30] for a in range(0, len(toks), 30)] or [[]]
        if long_texts == "truncate":
            parts = parts[:1]
        expected += [[0, *part, 2] for part in parts]
        owners += [100 + i] * len(parts)
    assert got == expected
    assert chunk.text.tolist() == owners
    assert got[0] == [0, 2]  # an empty text is still one input: <s></s>


def test_chunks_tokenised_ahead_give_the_same_vectors(tiny_model, sample_texts):
    texts = sample_texts[:600]
    one = TransformersEncoder(tiny_model, device="cpu", max_length=48, long_texts="window").encode(texts)
    enc = TransformersEncoder(tiny_model, device="cpu", max_length=48, long_texts="window")
    enc._load()
    enc._dev_kind, enc._chunk = "cuda", 256  # CUDA's chunking, tokenised ahead in a thread
    assert enc._chunk_starts(len(texts)) == [0, 256, 512][: -(-len(texts) // 256)]
    assert enc._chunk_starts(5000)[:4] == [0, 256, 512, 768]
    enc._chunk = 16384  # the CUDA default: chunks of 1,024 texts, then doubling
    assert enc._chunk_starts(5000) == [0, 1024, 3072]
    assert np.allclose(enc.encode(texts), one, atol=1e-5)
    assert enc.stats.windowed > 0


def test_oom_splits_the_batch_and_retries(tiny_model, sample_texts, monkeypatch):
    texts = _texts(sample_texts, 30)
    enc = TransformersEncoder(tiny_model, device="cpu", token_budget=100_000)
    expected = enc.encode(texts)
    real_forward = enc._forward

    def fragile_forward(ids, lengths):
        if len(lengths) > 4:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_forward(ids, lengths)

    monkeypatch.setattr(enc, "_forward", fragile_forward)
    got = enc.encode(texts)
    assert enc.stats.oom_splits >= 3
    assert np.allclose(got, expected, atol=1e-5)
    assert enc._budget < 100_000  # the budget came down


def test_oom_on_a_single_input_is_a_clear_error(tiny_model, monkeypatch):
    enc = TransformersEncoder(tiny_model, device="cpu")
    enc._load_model()

    def always_oom(ids, lengths):
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(enc, "_forward", always_oom)
    with pytest.raises(ModelError, match="does not fit in GPU memory"):
        enc.encode(["een enkele tekst over waterstof"])


def test_pooling_comes_from_the_sentence_transformers_config(tmp_path, sample_texts):
    from .conftest import build_tiny_xlmr

    cls_model = build_tiny_xlmr(tmp_path / "cls", sample_texts[:100], pooling="cls")
    enc = TransformersEncoder(cls_model, device="cpu")
    v = enc.encode(sample_texts[:3])
    assert enc.resolved["pooling"] == "cls"
    mean = TransformersEncoder(cls_model, device="cpu", pooling="mean").encode(sample_texts[:3])
    assert np.sum(v * mean, axis=1).max() < 0.999


def test_prefix_and_model_id(tiny_model):
    enc = TransformersEncoder(tiny_model, device="cpu", prefix="passage: ")
    assert enc.prepare(["x"]) == ["passage: x"]
    assert "prefix='passage: '" in enc.model_id
    other = TransformersEncoder(tiny_model, device="cpu", max_length=64)
    assert other.model_id != TransformersEncoder(tiny_model, device="cpu").model_id


def test_empty_input_and_bad_input(tiny_model):
    enc = TransformersEncoder(tiny_model, device="cpu")
    assert enc.encode([]).shape == (0, 64)
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        enc.encode(["tekst", 3])


def test_errors_name_what_to_do(tmp_path, tiny_model):
    with pytest.raises(ModelError, match="does not download at run time"):
        resolve_model_dir("some-org/not-downloaded-model")
    # a mistyped local path is reported as a missing directory, not as a bad hub name
    with pytest.raises(ModelError, match=r"model directory \./my-xlmr does not exist"):
        resolve_model_dir("./my-xlmr")
    with pytest.raises(ModelError, match=f"model directory {tmp_path / 'models' / 'xlmr'} does not exist"):
        resolve_model_dir(str(tmp_path / "models" / "xlmr"))
    with pytest.raises(ModelError, match="does not download at run time"):
        resolve_model_dir("not a valid name!")
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file"):
        resolve_model_dir(tmp_path / "weights.bin")
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model_dir(tmp_path)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA device is available"):
            TransformersEncoder(tiny_model, device="cuda").encode(["x"])
    with pytest.raises(ConfigError, match="long_texts must be"):
        TransformersEncoder(tiny_model, device="cpu", long_texts="cut").encode(["x"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="exceeds the model's limit of 128"):
        TransformersEncoder(tiny_model, device="cpu", max_length=1000).encode(["x"])


def test_model_directory_fingerprint_changes_with_weights(tmp_path, tiny_model):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    a = TransformersEncoder(copy, device="cpu").model_id
    cfg = json.loads((copy / "config.json").read_text())
    cfg["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(cfg))
    assert TransformersEncoder(copy, device="cpu").model_id != a


@pytest.mark.gpu
def test_cuda_bf16_matches_cpu_fp32(tiny_model, sample_texts):
    texts = sample_texts[:64]
    cpu = TransformersEncoder(tiny_model, device="cpu").encode(texts)
    enc = TransformersEncoder(tiny_model, device="cuda")
    gpu = enc.encode(texts)
    assert enc.resolved["precision"] in ("bf16", "fp16")
    assert np.sum(cpu * gpu, axis=1).min() > 0.99


@pytest.mark.gpu
def test_cuda_varlen_and_padded_attention_agree(tiny_model, sample_texts):
    texts = sample_texts[:64]
    a = TransformersEncoder(tiny_model, device="cuda", attention="varlen", precision="fp32").encode(texts)
    b = TransformersEncoder(tiny_model, device="cuda", attention="hf", precision="fp32").encode(texts)
    assert np.sum(a * b, axis=1).min() > 0.9999


@pytest.mark.gpu
def test_cuda_flash_varlen_matches_the_models_own_forward(tiny_model, sample_texts):
    texts = sample_texts[:64]
    enc = TransformersEncoder(tiny_model, device="cuda", attention="varlen", precision="bf16")
    a = enc.encode(texts)
    assert enc._packed_module._flash  # the flash kernel's variable-length entry point ran
    b = TransformersEncoder(tiny_model, device="cuda", attention="hf", precision="bf16").encode(texts)
    assert np.sum(a * b, axis=1).min() > 0.999
