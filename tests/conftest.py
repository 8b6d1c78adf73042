"""Shared fixtures. Tests run offline on CPU; ``../shared/data`` is optional (tests skip)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests using it skip cleanly when it is absent."""
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip("../shared/data is not present beside the checkout")
    return SHARED_DATA


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Rebuilt models and the embedding cache go to a per-session folder, not ~/.cache."""
    import os

    old = os.environ.get("OI_TEXT_CACHE_DIR")
    os.environ["OI_TEXT_CACHE_DIR"] = str(tmp_path_factory.mktemp("oi_text_cache"))
    yield
    if old is None:
        os.environ.pop("OI_TEXT_CACHE_DIR", None)
    else:
        os.environ["OI_TEXT_CACHE_DIR"] = old


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
