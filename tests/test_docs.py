"""Docs that match the code: every setting and every command is in the README."""

from __future__ import annotations

from pathlib import Path

import click

from oi_text.cli import main
from oi_text.config import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "oi-text") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out += _commands(cmd, full)
        else:
            out.append(full)
    return out


def test_every_setting_is_documented():
    for name, setting in SETTINGS.items():
        assert f"`{name}`" in README, name
        assert f"`{setting.env}`" in README, setting.env


def test_every_command_is_documented():
    commands = _commands(main)
    assert "oi-text ingest" in commands and "oi-text embed" in commands
    for command in commands:
        assert f"`{command}`" in README, command


def test_readme_shows_the_two_commands():
    assert "make demo" in README and "make test" in README
