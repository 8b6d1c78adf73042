"""An unpadded ("packed") forward pass for BERT-family encoders (BERT, RoBERTa, XLM-R).

Hugging Face models take a padded ``[batch, max_len]`` tensor, so every linear layer also
computes on padding. Here the tokens of all texts in a batch are concatenated into one
``[T, hidden]`` matrix: the linear layers (most of the FLOPs) see only real tokens, Q/K/V are
one fused matmul, and attention runs per text, either as variable-length attention over a
jagged nested tensor (``attention="varlen"``; on CUDA in half precision the flash kernel's
variable-length entry point is called directly) or by scattering into a padded block just for
attention (``attention="padded"``). The weights are the Hugging Face model's own (shared, not
copied); results match its forward pass.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Attention = Literal["varlen", "padded"]

_SUPPORTED_TYPES = {"bert", "roberta", "xlm-roberta", "camembert"}
_ROBERTA_LIKE = {"roberta", "xlm-roberta", "camembert"}
_ACTS = {"gelu": lambda x: F.gelu(x), "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
         "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"), "relu": F.relu}


def supports(model: nn.Module) -> bool:
    """True when :class:`PackedEncoder` can run ``model`` (a BERT-family encoder)."""
    cfg = getattr(model, "config", None)
    if cfg is None or getattr(cfg, "model_type", None) not in _SUPPORTED_TYPES:
        return False
    if getattr(cfg, "position_embedding_type", "absolute") != "absolute":
        return False
    if getattr(cfg, "is_decoder", False) or cfg.hidden_act not in _ACTS:
        return False
    return hasattr(model, "embeddings") and hasattr(model, "encoder")


class _Layer(nn.Module):
    def __init__(self, hf_layer: nn.Module):
        super().__init__()
        att = hf_layer.attention
        q, k, v = att.self.query, att.self.key, att.self.value
        self.register_buffer("wqkv", torch.cat([q.weight, k.weight, v.weight]).detach(), persistent=False)
        self.register_buffer("bqkv", torch.cat([q.bias, k.bias, v.bias]).detach(), persistent=False)
        self.out = att.output.dense
        self.ln1 = att.output.LayerNorm
        self.fc1 = hf_layer.intermediate.dense
        self.fc2 = hf_layer.output.dense
        self.ln2 = hf_layer.output.LayerNorm


class PackedEncoder(nn.Module):
    """Unpadded forward pass over a Hugging Face BERT/RoBERTa/XLM-R model's weights.

    Build it after the model is on its device and in its dtype (the fused Q/K/V weights are a
    copy made at construction; every other weight is shared).

    Call with the concatenated token ids ``ids [T]``, position-in-text ``pos [T]``, segment
    index ``seg [T]`` and cumulative lengths ``cu [B+1]``; returns hidden states ``[T, H]``.
    """

    def __init__(self, model: nn.Module, attention: Attention = "varlen"):
        super().__init__()
        if not supports(model):
            raise ValueError(f"{type(model).__name__} is not a supported BERT-family encoder")
        cfg = model.config
        emb = model.embeddings
        self.word = emb.word_embeddings
        self.position = emb.position_embeddings
        self.token_type = emb.token_type_embeddings
        self.ln_emb = emb.LayerNorm
        self.pos_offset = (cfg.pad_token_id + 1) if cfg.model_type in _ROBERTA_LIKE else 0
        self.layers = nn.ModuleList(_Layer(layer) for layer in model.encoder.layer)
        self.heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.act = _ACTS[cfg.hidden_act]
        self.attention = attention
        self._flash = self._probe_flash()

    def _probe_flash(self) -> bool:
        """Try the flash variable-length kernel once on the model's device, dtype and head size
        (it is missing on CPU, in fp32, on GPUs older than Ampere and in some builds)."""
        weight = self.word.weight
        if not weight.is_cuda or weight.dtype not in (torch.float16, torch.bfloat16):
            return False
        try:
            x = torch.zeros(4, self.heads, self.head_dim, device=weight.device, dtype=weight.dtype)
            cu = torch.tensor([0, 4], device=weight.device, dtype=torch.int32)
            torch.ops.aten._flash_attention_forward(x, x, x, cu, cu, 4, 4, 0.0, False, False)
        except (RuntimeError, AttributeError, TypeError):
            return False
        return True

    def _attend(self, q, k, v, cu, seg, pos, max_len, min_len, cu32=None):  # type: ignore[no-untyped-def]
        if cu32 is not None:  # varlen attention with the flash kernel present
            # the flash kernel's own variable-length entry point: [T, heads, d] in and out, no
            # nested-tensor wrapping (whose Python-level dispatch cost more host time per layer
            # than the GPU spent on the layer for short texts)
            return torch.ops.aten._flash_attention_forward(q, k, v, cu32, cu32, max_len, max_len,
                                                           0.0, False, False)[0]
        if self.attention == "varlen":
            # passing the lengths known on the host avoids a device sync per layer; no warning
            # filter here: it would stop torch.compile from tracing the layer loop
            nq, nk, nv = (
                torch.nested.nested_tensor_from_jagged(x.contiguous(), offsets=cu,
                                                       min_seqlen=min_len, max_seqlen=max_len)
                for x in (q, k, v)
            )
            out = F.scaled_dot_product_attention(nq.transpose(1, 2), nk.transpose(1, 2), nv.transpose(1, 2))
            return out.transpose(1, 2).values()
        # padded: scatter into [B, L, heads, d] for attention only
        batch = cu.numel() - 1
        shape = (batch, max_len, self.heads, self.head_dim)
        qp, kp, vp = (x.new_zeros(shape).index_put_((seg, pos), x) for x in (q, k, v))
        lengths = cu[1:] - cu[:-1]
        mask = torch.arange(max_len, device=q.device)[None, :] < lengths[:, None]
        out = F.scaled_dot_product_attention(qp.transpose(1, 2), kp.transpose(1, 2), vp.transpose(1, 2),
                                             attn_mask=mask[:, None, None, :])
        return out.transpose(1, 2)[seg, pos]

    def forward(self, ids: torch.Tensor, pos: torch.Tensor, seg: torch.Tensor, cu: torch.Tensor,
                max_len: int, min_len: int = 1) -> torch.Tensor:
        # the same order of additions as Hugging Face's embeddings (bf16 rounding)
        x = self.word(ids) + self.token_type.weight[0] + self.position(pos + self.pos_offset)
        x = self.ln_emb(x)
        T = x.shape[0]
        cu32 = cu.to(torch.int32) if self.attention == "varlen" and self._flash else None
        for layer in self.layers:
            qkv = F.linear(x, layer.wqkv, layer.bqkv).view(T, 3, self.heads, self.head_dim)
            q, k, v = qkv.unbind(1)
            ctx = self._attend(q, k, v, cu, seg, pos, max_len, min_len, cu32)
            x = layer.ln1(x + layer.out(ctx.reshape(T, -1)))
            x = layer.ln2(x + layer.fc2(self.act(layer.fc1(x))))
        return x


def pool_packed(hidden: torch.Tensor, seg: torch.Tensor, cu: torch.Tensor, mode: str) -> torch.Tensor:
    """Pool ``[T, H]`` hidden states per text -> ``[B, H]`` float32 (mean, cls or max)."""
    batch = cu.numel() - 1
    if mode == "cls":
        return hidden[cu[:-1]].float()
    h = hidden.float()
    if mode == "max":
        out = h.new_full((batch, h.shape[1]), float("-inf"))
        return out.scatter_reduce(0, seg[:, None].expand_as(h), h, reduce="amax")
    sums = h.new_zeros((batch, h.shape[1])).index_add_(0, seg, h)
    lengths = (cu[1:] - cu[:-1]).to(h.dtype)
    if mode == "mean_sqrt_len":
        return sums / lengths.sqrt()[:, None]
    return sums / lengths[:, None]


def pool_padded(hidden: torch.Tensor, mask: torch.Tensor, mode: str) -> torch.Tensor:
    """Pool ``[B, L, H]`` hidden states of padded texts (``mask`` ``[B, L]``, 1 = token) ->
    ``[B, H]`` (mean, cls, max or mean_sqrt_len), as :func:`pool_packed` does for packed ones."""
    if mode == "cls":
        return hidden[:, 0]
    m = mask[..., None].to(hidden.dtype)
    if mode == "max":
        return hidden.masked_fill(m == 0, float("-inf")).amax(1)
    sums = (hidden * m).sum(1)
    return sums / (m.sum(1).sqrt() if mode == "mean_sqrt_len" else m.sum(1))
