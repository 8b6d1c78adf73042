from __future__ import annotations

import pytest

from oi_text import config
from oi_text._optional import require
from oi_text.errors import ConfigError, MissingDependencyError


def test_precedence_argument_env_file_default(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text('device = "cuda:1"\ntoken_budget = 4096\n', encoding="utf-8")
    monkeypatch.setenv("OI_TEXT_CONFIG", str(cfg))
    monkeypatch.delenv("OI_TEXT_DEVICE", raising=False)
    assert config.resolve_with_source("device") == ("cuda:1", f"config file ({cfg})")
    monkeypatch.setenv("OI_TEXT_DEVICE", "cpu")
    assert config.resolve_with_source("device") == ("cpu", "environment (OI_TEXT_DEVICE)")
    assert config.resolve_with_source("device", "cuda") == ("cuda", "argument")
    assert config.resolve("token_budget") == 4096
    monkeypatch.setenv("OI_TEXT_TOKEN_BUDGET", "8192")
    assert config.resolve("token_budget") == 8192
    assert config.resolve_with_source("model")[1] == "default"


def test_bad_values_are_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("OI_TEXT_EMBED_CACHE", "maybe")
    with pytest.raises(ConfigError, match="OI_TEXT_EMBED_CACHE='maybe': expected true/false"):
        config.resolve("embed_cache")
    cfg = tmp_path / "config.toml"
    cfg.write_text('devise = "cpu"\n', encoding="utf-8")
    monkeypatch.setenv("OI_TEXT_CONFIG", str(cfg))
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) \['devise'\]"):
        config.resolve("device")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        config.resolve("colour")
    # a config file named explicitly must exist (a typo would otherwise mean silent defaults)
    monkeypatch.setenv("OI_TEXT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="nope.toml'.*no such file"):
        config.resolve("device")


def test_missing_optional_dependency_names_the_pip_command(monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *a, **k):
        if name.split(".")[0] == "psycopg":
            raise ImportError("No module named 'psycopg'")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(MissingDependencyError, match=r"needed for the PostgreSQL store\): pip install 'oi-text\[postgres\]'"):
        require("psycopg", "the PostgreSQL store")
    with pytest.raises(MissingDependencyError, match="pip install 'not_a_real_module'"):
        require("not_a_real_module", "testing")
