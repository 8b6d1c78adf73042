"""Safe, versioned model directories: ``card.json`` + arrays in ``weights.safetensors``.

A model directory never contains a pickle, and loading never unpickles: numbers live in
safetensors (plain tensors), everything else in JSON. The card records the format version, the
oi_text version, the encoder id, the taxonomy hash, thresholds, metrics and a training-data
summary, so a model can be checked against the data it is used with before it is used.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .errors import ModelError

FORMAT_VERSION = 1
CARD = "card.json"
WEIGHTS = "weights.safetensors"


@contextmanager
def atomic_directory(target: str | Path, check_existing: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; when the block succeeds it replaces
    ``target`` (files 0644, folders 0755), when it fails it is removed. ``check_existing`` may
    refuse to replace an existing ``target`` by raising."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        yield tmp
        for p in [tmp, *tmp.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        if target.exists():
            if check_existing is not None:
                check_existing(target)
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _refuse_foreign(directory: Path) -> None:
    if not (directory / CARD).exists() and any(directory.iterdir()):
        raise ModelError(f"{directory} exists and is not an oi_text model directory; choose another --out")


def check_model_out(directory: str | Path) -> None:
    """Refuse, before any work, an output that saving would refuse: a file, or a folder that
    holds something other than an oi_text model (an earlier model is replaced)."""
    directory = Path(directory)
    if directory.is_file():
        raise ModelError(f"{directory} is a file; --out names a model directory")
    if directory.is_dir():
        _refuse_foreign(directory)


def save_model_dir(directory: str | Path, card: dict[str, Any], arrays: dict[str, np.ndarray],
                   extra: Callable[[Path], Any] | None = None) -> Path:
    """Write ``card`` and ``arrays`` to ``directory`` atomically (temp dir, then rename);
    ``extra(folder)`` may write more files (safe formats only) into the folder first."""
    from safetensors.numpy import save_file

    directory = Path(directory)
    full = {
        "format": "oi_text-model",
        "format_version": FORMAT_VERSION,
        "oi_text_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **card,
    }
    with atomic_directory(directory, _refuse_foreign) as tmp:
        if extra is not None:
            extra(tmp)
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(tmp / WEIGHTS))
        (tmp / CARD).write_text(json.dumps(full, indent=2, ensure_ascii=False, default=_json_default),
                                encoding="utf-8")
    return directory


def load_model_dir(directory: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a model directory written by :func:`save_model_dir`."""
    from safetensors.numpy import load_file

    directory = Path(directory)
    card_path = directory / CARD
    if not card_path.exists():
        raise ModelError(f"{directory}: not an oi_text model directory (no {CARD}); train one with 'oi-text train'")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(f"{card_path}: not valid JSON ({exc})") from None
    if card.get("format") != "oi_text-model":
        raise ModelError(f"{card_path}: not an oi_text model card")
    if int(card.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelError(
            f"{directory}: model format version {card['format_version']} is newer than this "
            f"oi_text ({__version__}) reads ({FORMAT_VERSION}); upgrade oi_text"
        )
    weights = directory / WEIGHTS
    if not weights.exists():
        raise ModelError(f"{directory}: {WEIGHTS} is missing (the directory is incomplete); "
                         "copy the whole model directory again, or retrain with 'oi-text train'")
    try:
        arrays = load_file(str(weights))
    except Exception as exc:  # safetensors raises its own error type for a damaged file
        raise ModelError(f"{weights}: damaged ({exc}); copy the whole model directory again, or retrain "
                         "with 'oi-text train'") from None
    return card, arrays


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in a model card")
