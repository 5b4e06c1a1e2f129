"""What the commands share: the consoles and Rich's tables (loaded on first use), the options
several commands take, and who may run what (:func:`needs`, :func:`file_only`)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from competence.domain.contexts import CONTEXTS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table as Table
    from rich.text import Text as Text
else:
    # Rich is loaded by the first command that prints a table: it costs half of a start-up.

    def Table(*args: Any, **kwargs: Any) -> Any:
        from rich.table import Table

        return Table(*args, **kwargs)

    def Text(*args: Any, **kwargs: Any) -> Any:
        from rich.text import Text

        return Text(*args, **kwargs)


def _console(stderr: bool) -> Console:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            """The reader went away (``competence framework | head``): stop quietly."""
            self.quiet = True
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(0)

    return _Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False)


class _LazyConsole:
    """A Rich console made on first use."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            self._console = _console(self._stderr)
        return getattr(self._console, name)


out: Console = _LazyConsole()  # type: ignore[assignment]
err: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]

FC = TypeVar("FC", bound=Callable[..., Any] | click.Command)


def out_option(help: str, required: bool = True) -> Callable[[FC], FC]:
    return click.option(
        "--out", "-o", "out_file", required=required, type=click.Path(path_type=Path), help=help
    )


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
context_option = click.option(
    "--context",
    "-c",
    type=click.Choice(CONTEXTS),
    help="PMO context: project, programme or portfolio.",
)


def emit_json(data: Any) -> None:
    """Write JSON to standard output, untouched by Rich."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


RULE = "__competence_rule__"
FILE_ONLY = "file-only"
"""The rule of a command that reads and writes files only, never anyone's data in the database."""

F = TypeVar("F", bound=Callable[..., Any])


def file_only(f: F) -> F:
    """Mark a command that touches no one's data: it needs no database and no rule."""
    setattr(f, RULE, FILE_ONLY)
    return f


@dataclass(frozen=True)
class Session:
    """Who runs a database command (``--as USER``, or the operator) and whom it is about."""

    as_user: str | None
    user: Any
    subject: Any  # the Person named by the command's subject argument, if any

    @contextmanager
    def acting(self) -> Iterator[str]:
        """Record every change made inside as this command's actor."""
        from competence.services.access import acting

        with acting(self.as_user) as who:
            yield who


def needs(
    rule: str | Callable[[dict[str, Any]], str], subject: str | None = None, tables: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the access policy's rule a command needs (see competence.services.policy).

    Before the command runs, the database is set up and the policy asked whether the user of
    ``--as`` (or the operator) may; ``subject`` names the argument holding the person the rule
    is about; ``rule`` may depend on the command's options, and is :data:`FILE_ONLY` when the
    options ask for files alone (then no database is opened). The command gets a
    :class:`Session` (with no user when it works on files alone).
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def run(**kwargs: Any) -> Any:
            as_user = (click.get_current_context().find_root().obj or {}).get("as_user")
            name = rule(kwargs) if callable(rule) else rule
            if name == FILE_ONLY:
                return f(Session(as_user, None, None), **kwargs)
            from competence.config import COMMAND_LINE_BUSY_SECONDS
            from competence.services import database

            database.ready(need_tables=tables, busy_seconds=COMMAND_LINE_BUSY_SECONDS)
            from competence.services import access

            key = kwargs.get(subject) if subject else None
            user, person = access.authorize(as_user, name, key)
            return f(Session(as_user, user, person), **kwargs)

        setattr(run, RULE, rule)
        return run

    return decorate


def on_files(*values: str | None, version: int | None = None) -> bool:
    """Whether a profile command can answer from files alone: every profile named is one of
    APM's (built in) or a profile file over APM's framework, and no stored version is asked
    for."""
    from competence.data import is_profile_file, load_catalogue, over_builtin

    builtin = load_catalogue().profiles
    return version is None and all(
        v is None or v in builtin or (is_profile_file(v) and over_builtin(v)) for v in values
    )


version_option = click.option(
    "--version", "number", type=click.IntRange(min=1), help="A stored version (default: latest)."
)


def stored_profile_rule(name: str, recorded: bool = False) -> Callable[[dict[str, Any]], str]:
    """Files alone for APM's profiles and profile files, and when there is no database to look
    in; the database (signed in) for any other profile, which may be a stored one (with
    ``recorded``, also for no profile: a workbook may record a stored one)."""

    def rule(options: dict[str, Any]) -> str:
        value = options[name]
        if on_files(value) and not (recorded and value is None):
            return FILE_ONLY
        from competence.services import database

        return "signed-in" if database.in_use() else FILE_ONLY

    return rule


def profile_rule(*names: str) -> Callable[[dict[str, Any]], str]:
    """Files alone for APM's profiles and profile files; the database (signed in) otherwise."""

    def rule(options: dict[str, Any]) -> str:
        values = [options[n] for n in names]
        return FILE_ONLY if on_files(*values, version=options.get("number")) else "signed-in"

    return rule


class ProgressBar:
    """A Rich progress bar on standard error for ``progress(stage, done, total)`` callbacks."""

    def __enter__(self) -> Any:
        from rich.progress import Progress

        self.bar = Progress(console=err, transient=True, disable=not err.is_terminal)
        self.bar.start()
        self.tasks: dict[str, Any] = {}
        return self

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage.capitalize(), total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())
