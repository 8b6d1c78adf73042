"""Fine-tune the encoder end to end with a multi-label head (optional; practical on a GPU).

When labels suffice (gold labels, or reviewed ones from ``oi-text review labels``), training the
whole encoder usually beats a logistic regression on frozen embeddings. :class:`FineTunedHead`
plays the classifier's part in :class:`oi_text.pipeline.EcosystemModel`: ``fit`` on labels
``1``/``0``/``-1`` (unlabelled) with per-entry weights, ``predict_proba`` -> ``(n, E)``
calibrated probabilities (``nan`` for ecosystems it could not learn), and a safe directory
format (safetensors + JSON, no pickle).

Training: the encoder's own tokenisation (prefix, normalisation) and pooling, a linear layer to
one logit per ecosystem, binary cross-entropy on the labelled entries only (weighted by the
labels' confidences and balanced per ecosystem, as the logistic regression is), AdamW with a
linear warm-up and decay, bf16 autocast on CUDA. A held-out share of the texts
(``calibration_fraction``) is not trained on: Platt scaling per ecosystem on its logits makes
the outputs read as probabilities, so the pipeline's blend and thresholds keep their meaning.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError, ModelError
from .model import _platt, _sigmoid

logger = logging.getLogger(__name__)

#: files of the base model directory that are weights (the fine-tuned ones replace them) or
#: that ``save_pretrained`` writes itself; everything else (tokenizer files of any kind,
#: sentence-transformers metadata) is copied so the saved encoder is a complete model directory
_NOT_COPIED_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".onnx", ".ckpt", ".gguf")
_NOT_COPIED = ("config.json", "model.safetensors.index.json", "pytorch_model.bin.index.json", "generation_config.json",
               "oi_text_card.json")  # the last: provenance of the base weights, not of these
#: held-out labels an ecosystem needs (of each class) for its Platt calibration
MIN_CALIBRATION = 3


@dataclass
class FineTuneSettings:
    """Settings of :class:`FineTunedHead` (defaults suit an e5-small or XLM-R-base encoder)."""

    epochs: int = 3
    learning_rate: float = 3e-5  # encoder
    head_learning_rate: float = 1e-3
    batch_size: int = 16
    max_length: int = 256  # tokens per text, specials included (at most the model's limit)
    weight_decay: float = 0.01
    warmup: float = 0.1  # share of the steps
    calibration_fraction: float = 0.2  # texts held out for Platt scaling
    min_positives: int = 5  # per ecosystem, else no head output (nan: keyword fallback)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.max_length < 8:
            raise ConfigError("fine-tuning needs epochs >= 1, batch_size >= 1 and max_length >= 8")
        if not 0 <= self.calibration_fraction < 1:
            raise ConfigError(f"calibration_fraction must be in [0, 1), got {self.calibration_fraction}")


class FineTunedHead:
    """An encoder fine-tuned with a linear multi-label head.

    Parameters
    ----------
    base : str or Path
        The encoder to start from: ``"e5-small"`` (the offline default), a local model
        directory or a cached Hugging Face name (never downloaded).
    ecosystems : sequence of str
        One output per ecosystem, in this order.
    settings : FineTuneSettings, optional
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"``.
    prefix, pooling : str
        As for :class:`~oi_text.embed.hf.TransformersEncoder` (``"auto"``: the model's own);
        pass the encoder's resolved values to tokenise and pool exactly as it does.

    Examples
    --------
    ::

        head = FineTunedHead("e5-small", ["ai", "quantum"]).fit(texts, Y)   # Y: 1 / 0 / -1
        head.predict_proba(["Supergeleidende qubits voor een kwantumcomputer"])
    """

    def __init__(self, base: str | Path = "e5-small", ecosystems: Sequence[str] = (),
                 settings: FineTuneSettings | None = None, device: str = "auto",
                 prefix: str = "auto", pooling: str = "auto") -> None:
        self.base = base
        self.prefix = prefix
        self.pooling = pooling
        self.ecosystems = list(ecosystems)
        self.settings = settings or FineTuneSettings()
        self.device = device
        self._net: Any = None
        self._encoder: Any = None  # TransformersEncoder, for tokenisation only
        self.fitted_ = np.zeros(len(self.ecosystems), dtype=bool)
        self.platt_ = np.tile(np.array([1.0, 0.0]), (len(self.ecosystems), 1))
        self.summary_: dict[str, Any] = {}
        self.calibration_rows_ = np.zeros(0, dtype=np.int64)  # held out from training (for thresholds)

    # -----------------------------------------------------------------------------------------
    # set-up

    def _tokenizer(self, directory: str | Path, prefix: str = "auto", pooling: str = "auto") -> None:
        from ..embed.hf import TransformersEncoder

        self._encoder = TransformersEncoder(directory, device="cpu", prefix=prefix, pooling=pooling)
        info = self._encoder.resolved
        self._dir = Path(info["directory"])
        self._prefix, self._pooling = info["prefix"], info["pooling"]
        self._max_length = min(self.settings.max_length, int(info["max_length"]))

    def _inputs(self, texts: Sequence[str]) -> list[list[int]]:
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise TypeError(f"texts[{bad}] is {type(texts[bad]).__name__}, expected str")
        L = self._max_length
        return [ids if len(ids) <= L else ids[: L - 1] + ids[-1:] for ids in self._encoder.model_inputs(texts)]

    def _build(self, encoder_dir: Path, head_state: dict[str, Any] | None = None) -> None:
        import torch
        from transformers import AutoModel

        from ..embed.base import resolve_device

        self._device = resolve_device(self.device)
        # fp32 master weights whatever the checkpoint's dtype (updates at lr 3e-5 vanish in bf16/fp16)
        model = AutoModel.from_pretrained(encoder_dir, local_files_only=True, dtype=torch.float32)
        hidden = int(model.config.hidden_size)
        head = torch.nn.Linear(hidden, max(len(self.ecosystems), 1))
        if head_state is not None:
            head.load_state_dict(head_state)
        else:
            torch.nn.init.normal_(head.weight, std=0.02)
            torch.nn.init.zeros_(head.bias)
        self._net = torch.nn.ModuleDict({"encoder": model, "head": head}).to(self._device)
        self._pad = int(model.config.pad_token_id or 0)

    def _logits(self, batch: list[list[int]]):  # -> torch.Tensor [B, E] (float32)
        import torch

        from ..embed.packed import pool_padded

        longest = max(len(s) for s in batch)
        ids = torch.full((len(batch), longest), self._pad, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for r, s in enumerate(batch):
            ids[r, : len(s)] = torch.tensor(s)
            mask[r, : len(s)] = 1
        ids, mask = ids.to(self._device), mask.to(self._device)
        # bf16 autocast where the GPU has it (no loss scaling needed); fp32 elsewhere
        bf16 = self._device.startswith("cuda") and torch.cuda.is_bf16_supported()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            hidden = self._net["encoder"](input_ids=ids, attention_mask=mask).last_hidden_state
        return self._net["head"](pool_padded(hidden.float(), mask, self._pooling))

    # -----------------------------------------------------------------------------------------
    # training and prediction

    def fit(self, texts: Sequence[str], Y: np.ndarray, sample_weight: np.ndarray | None = None,
            show_progress: bool = False) -> FineTunedHead:
        """Fine-tune on ``Y`` (``(n, E)``: 1, 0, or -1 = unlabelled) with optional weights."""
        import torch

        s = self.settings
        texts = list(texts)
        Y = np.asarray(Y)
        if Y.shape != (len(texts), len(self.ecosystems)):
            raise ValueError(f"labels have shape {Y.shape}, expected {(len(texts), len(self.ecosystems))}")
        W = np.ones(Y.shape, dtype=np.float32) if sample_weight is None else np.asarray(sample_weight, np.float32).copy()
        W[Y < 0] = 0.0
        labelled = np.where((Y >= 0).any(axis=1))[0]
        if len(labelled) < 2:
            raise ConfigError("fine-tuning needs labelled texts; none were given")
        rng = np.random.default_rng(s.seed)
        torch.manual_seed(s.seed)
        order = rng.permutation(labelled)
        n_cal = int(round(len(order) * s.calibration_fraction))
        cal, train = np.sort(order[:n_cal]), order[n_cal:]
        self.calibration_rows_ = cal

        pos = ((Y[train] == 1) & (W[train] > 0)).sum(axis=0)
        neg = ((Y[train] == 0) & (W[train] > 0)).sum(axis=0)
        self.fitted_ = (pos >= s.min_positives) & (neg >= s.min_positives)
        if not self.fitted_.any():
            raise ConfigError(
                f"no ecosystem has {s.min_positives} labelled positives and negatives among the "
                f"{len(train)} training texts; fine-tuning needs more labels (review more items, or "
                "train the default classifier instead)"
            )
        # balanced: per ecosystem, positives and negatives carry equal total weight
        Yt = (Y == 1).astype(np.float32)
        Wt = W.copy()
        for j in np.where(self.fitted_)[0]:
            wp, wn = W[train][Y[train, j] == 1, j].sum(), W[train][Y[train, j] == 0, j].sum()
            Wt[:, j] = np.where(Y[:, j] == 1, W[:, j] * (wp + wn) / (2 * wp), W[:, j] * (wp + wn) / (2 * wn))
        Wt[:, ~self.fitted_] = 0.0

        self._tokenizer(self.base, self.prefix, self.pooling)
        self._build(self._dir)
        ids = self._inputs(texts)
        net = self._net
        params = [{"params": net["encoder"].parameters(), "lr": s.learning_rate},
                  {"params": net["head"].parameters(), "lr": s.head_learning_rate}]
        opt = torch.optim.AdamW(params, weight_decay=s.weight_decay)
        steps = s.epochs * int(np.ceil(len(train) / s.batch_size))
        warm = max(1, int(steps * s.warmup))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / max(1, steps - warm))))
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=steps, unit="steps", desc="fine-tune", mininterval=0.5)
        losses: list[float] = []
        net.train()
        try:
            for _ in range(s.epochs):
                for b in np.array_split(rng.permutation(train), int(np.ceil(len(train) / s.batch_size))):
                    logits = self._logits([ids[i] for i in b])
                    y = torch.from_numpy(Yt[b]).to(logits.device)
                    w = torch.from_numpy(Wt[b]).to(logits.device)
                    loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none") * w).sum()
                    loss = loss / w.sum().clamp_min(1e-6)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                    opt.step()
                    sched.step()
                    losses.append(float(loss.detach()))
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        finally:
            if bar is not None:
                bar.close()
        net.eval()

        # calibration on the held-out texts; the raw sigmoid where they hold too few of a class,
        # or where the fit would reverse the ranking (a slope <= 0 from a handful of labels)
        self.platt_ = np.tile(np.array([1.0, 0.0]), (len(self.ecosystems), 1))
        calibrated = np.zeros(len(self.ecosystems), dtype=bool)
        if len(cal):
            raw = self._raw_logits([texts[i] for i in cal])
            for j in np.where(self.fitted_)[0]:
                has = (Y[cal, j] >= 0) & (W[cal, j] > 0)
                y = Y[cal][has, j].astype(int)
                if min(int(y.sum()), int((1 - y).sum())) < MIN_CALIBRATION:
                    continue
                a, b = _platt(raw[has, j], y, W[cal][has, j])
                if a > 0:
                    self.platt_[j] = (a, b)
                    calibrated[j] = True
        self.summary_ = {"texts": len(texts), "trained_on": len(train), "calibrated_on": len(cal),
                         "steps": steps, "final_loss": float(np.mean(losses[-20:])) if losses else None,
                         "calibrated": [e for e, c in zip(self.ecosystems, calibrated) if c],
                         "fitted": [e for e, f in zip(self.ecosystems, self.fitted_) if f]}
        return self

    def _raw_logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        import torch

        if self._net is None:
            raise ModelError("the fine-tuned head is not trained or loaded")
        ids = self._inputs(texts)
        out = np.zeros((len(ids), len(self.ecosystems)), dtype=np.float32)
        order = np.argsort([len(x) for x in ids], kind="stable")  # little padding
        with torch.inference_mode():
            for a in range(0, len(order), batch_size):
                b = order[a : a + batch_size]
                out[b] = self._logits([ids[i] for i in b]).cpu().numpy()
        return out

    def predict_proba(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Calibrated probabilities ``(n, E)``; ``nan`` for ecosystems without enough labels."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.ecosystems)), dtype=np.float32)
        raw = self._raw_logits(texts, batch_size)
        p = _sigmoid(raw * self.platt_[:, 0] + self.platt_[:, 1]).astype(np.float32)
        p[:, ~self.fitted_] = np.nan
        return p

    # -----------------------------------------------------------------------------------------
    # files

    def save(self, directory: str | Path) -> Path:
        """Write ``encoder/`` (a complete model directory, safetensors), ``head.safetensors`` and
        ``head.json`` to ``directory``."""
        from safetensors.numpy import save_file

        if self._net is None:
            raise ModelError("nothing to save: the fine-tuned head is not trained")
        directory = Path(directory)
        enc_dir = directory / "encoder"
        self._net["encoder"].save_pretrained(enc_dir, safe_serialization=True)
        for src in self._dir.iterdir():
            if src.is_file() and src.name not in _NOT_COPIED and not src.name.endswith(_NOT_COPIED_SUFFIXES):
                shutil.copy2(src, enc_dir / src.name)
        if (self._dir / "1_Pooling").is_dir():  # sentence-transformers pooling config
            shutil.copytree(self._dir / "1_Pooling", enc_dir / "1_Pooling", dirs_exist_ok=True)
        head = self._net["head"]
        save_file({"weight": head.weight.detach().float().cpu().numpy(),
                   "bias": head.bias.detach().float().cpu().numpy(),
                   "platt": self.platt_.astype(np.float64), "fitted": self.fitted_.astype(np.int8)},
                  str(directory / "head.safetensors"))
        info = {"base": str(self.base), "ecosystems": self.ecosystems, "settings": asdict(self.settings),
                "prefix": self._prefix, "pooling": self._pooling, "max_length": self._max_length,
                "summary": self.summary_}
        (directory / "head.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path, device: str = "auto") -> FineTunedHead:
        """Read a directory written by :meth:`save`."""
        import torch
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        directory = Path(directory)
        try:
            info = json.loads((directory / "head.json").read_text(encoding="utf-8"))
            arrays = load_file(str(directory / "head.safetensors"))
            self = cls(info["base"], info["ecosystems"], FineTuneSettings(**info["settings"]), device,
                       info["prefix"], info["pooling"])
            missing = {"weight", "bias", "platt", "fitted"} - set(arrays)
            if missing:
                raise KeyError(f"arrays {sorted(missing)}")
        except (OSError, ValueError, KeyError, TypeError, SafetensorError) as exc:
            raise ModelError(f"{directory}: not a readable fine-tuned head ({type(exc).__name__}: {exc}); "
                             "retrain with 'oi-text train --finetune'") from None
        self._tokenizer(directory / "encoder", self.prefix, self.pooling)
        self._max_length = int(info["max_length"])
        self._build(directory / "encoder", {"weight": torch.from_numpy(arrays["weight"]),
                                           "bias": torch.from_numpy(arrays["bias"])})
        self._net.eval()
        self.platt_ = arrays["platt"]
        self.fitted_ = arrays["fitted"].astype(bool)
        self.summary_ = info.get("summary", {})
        return self
