"""The docs keep up with the command."""

from __future__ import annotations

import click

from competence.cli import cli
from tests.conftest import ROOT


def commands(group: click.Group, prefix: str = "competence") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append(path)
        if isinstance(command, click.Group):
            found += commands(command, path)
    return found


def test_every_command_is_in_the_cli_guide() -> None:
    guide = (ROOT / "docs" / "cli.md").read_text("utf-8")
    missing = [c for c in commands(cli) if f"`{c}" not in guide]
    assert missing == []


def test_every_option_is_in_the_cli_guide() -> None:
    guide = (ROOT / "docs" / "cli.md").read_text("utf-8")
    missing = []
    for path in commands(cli):
        command: click.Command = cli
        for name in path.split()[1:]:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        for param in command.params:
            if isinstance(param, click.Option):
                long = [o for o in param.opts if o.startswith("--")]
                if long and long[0] not in guide:
                    missing.append(f"{path} {long[0]}")
    assert missing == []
