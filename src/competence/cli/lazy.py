"""A command group that imports each of its commands only when it is named (Click's "lazily
loading subcommands" pattern), and lists them all in ``--help`` from a table of their names and
helps, without importing any.

The table is derived from the commands themselves by :func:`table` (cog writes it into
``competence/cli/__init__.py``), and a test keeps the two equal.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping, MutableMapping
from gettext import gettext as _
from typing import Any

import click

Table = Mapping[str, tuple[str, str]]
"""A command's name -> (``module:attribute`` of the command, the first sentence of its help)."""
SHARED = ("common", "lazy")
"""The package's modules that hold no command."""


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's commands by name: those of ``table`` imported on first use, and any added."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded:
            if name not in self.table:
                raise KeyError(name)
            module, _, attribute = self.table[name][0].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command), f"{module}:{attribute} is no command"
            self.loaded[name] = command
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("a command cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self.table, *self.loaded}))

    def __len__(self) -> int:
        return len({*self.table, *self.loaded})

    def listed(self, name: str) -> click.Command:
        """The command as ``--help`` lists it: itself once imported, else a stand-in with its
        name and the first sentence of its help, from which Click makes the same short help."""
        if name in self.loaded:
            return self.loaded[name]
        return click.Command(name, help=self.table[name][1])


class LazyGroup(click.Group):
    """A group whose commands come from a :data:`Table`, each imported when it is named."""

    commands: LazyCommands

    def __init__(self, name: str | None = None, *, lazy: Table, **kwargs: Any) -> None:
        super().__init__(name, commands=LazyCommands(lazy), **kwargs)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands' list in ``--help``, from the table: no command is imported."""
        listed = [(name, self.commands.listed(name)) for name in self.list_commands(ctx)]
        listed = [(name, command) for name, command in listed if not command.hidden]
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in listed])


def first_sentence(command: click.Command) -> str:
    """What Click makes a command's short help from, at any width: its help's first sentence."""
    return command.get_short_help_str(limit=10_000)


def table(package: str = "competence.cli") -> dict[str, tuple[str, str]]:
    """The commands of ``package``'s modules that belong to no group of theirs, by name: the
    root group's commands, derived from the code."""
    found: dict[str, tuple[str, str]] = {}
    where = importlib.import_module(package).__path__
    for info in sorted(pkgutil.iter_modules(where), key=lambda i: i.name):
        if info.name in SHARED:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        commands = {
            attribute: value
            for attribute, value in vars(module).items()
            if isinstance(value, click.Command)
        }
        inside = {
            id(sub)
            for value in commands.values()
            if isinstance(value, click.Group)
            for sub in value.commands.values()
        }
        for attribute, command in commands.items():
            if id(command) in inside or command.callback is None:
                continue
            if command.callback.__module__ != module.__name__:
                continue  # imported from another module
            assert command.name is not None
            assert command.name not in found, f"two commands named {command.name!r}"
            found[command.name] = (f"{module.__name__}:{attribute}", first_sentence(command))
    return dict(sorted(found.items()))


def table_source(found: Table) -> str:
    """The table as Python source, formatted as ruff formats it (for cog)."""
    lines = []
    for name, (where, help) in found.items():
        lines.append(f"    {_literal(name)}: (")
        lines.append(f"        {_literal(where)},")
        lines.extend(f"        {part}" for part in _wrapped(help, 100 - 8))
        lines.append("    ),")
    return "\n".join(lines)


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` as string literals on lines of at most ``width`` characters, the last with a
    comma: implicit concatenation, each part but the last ending in a space."""
    import textwrap

    parts = textwrap.wrap(text, width - 3, break_long_words=False, break_on_hyphens=False)
    quoted = [_literal(p + " ") for p in parts[:-1]] + [_literal(parts[-1])]
    quoted[-1] += ","
    return quoted


def _literal(text: str) -> str:
    """A string literal in ruff's style: double quotes, unless the text holds some and no
    single quote."""
    text = text.replace("\\", "\\\\")
    if '"' in text and "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', '\\"') + '"'
