"""The ``competence`` command: a few lines per command, each calling a service.

Exit codes (CONTRACT.md): 0 the command did its work, whatever the verdict; 2 bad input or usage,
with the reason on standard error; 1 an internal error (one line; the traceback with ``--debug``).

The root group imports a command's module only when the command is named, so that ``--help``
and ``gap`` start quickly: :data:`COMMANDS` gives each command's module and the first sentence of
its help, which ``--help`` lists. Each group of commands has its module in this package
(``team.py`` holds ``competence team ...``), and what they share is in ``common.py``.

To add a command:

* to a group (``competence team forecast``): write it in the group's module, under
  ``@team.command("forecast")``; nothing else changes;
* of its own (``competence forecast``) or a new group: write it with ``@click.command()`` (or
  ``@click.group()``) in the module it belongs with, or a new one, then run
  ``cog -r src/competence/cli/__init__.py`` to add it to :data:`COMMANDS`.

tests/unit/test_startup.py fails while :data:`COMMANDS` differs from the commands in the modules
(a command missing, or its help changed).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from competence import __version__
from competence.cli.lazy import LazyGroup
from competence.errors import InputError

COMMANDS = {
    # Generated from the commands by cog: run `cog -r src/competence/cli/__init__.py` after adding
    # a command or changing the first sentence of its help.
    # [[[cog
    # import cog
    # from competence.cli.lazy import table, table_source
    # cog.outl(table_source(table()))
    # ]]]
    "assessment": (
        "competence.cli.assessment:assessment",
        "Move an assessment through its workflow: submit, withdraw, review, agree, sign off.",
    ),
    "audit": (
        "competence.cli.audit:audit_",
        "List the audit trail: who changed what, when, old and new values (a PMO lead: the entries "
        "about the people they may see).",
    ),
    "backup": (
        "competence.cli.db:backup",
        "Write a consistent, compressed snapshot of everything, audit trail included.",
    ),
    "check": (
        "competence.cli.serve:check",
        "Check the configuration from the COMPETENCE_* variables with Django's system checks.",
    ),
    "cycle": (
        "competence.cli.cycle:cycle",
        "Manage assessment cycles.",
    ),
    "db": (
        "competence.cli.db:db",
        "Manage the database (COMPETENCE_DATABASE_URL, default: a SQLite file).",
    ),
    "due": (
        "competence.cli.people:due",
        "List who is due or overdue among the people you may see, why and since when.",
    ),
    "export": (
        "competence.cli.db:export",
        "Export people and their assessments.",
    ),
    "framework": (
        "competence.cli.framework:framework",
        "List the competences of APM's framework and its rating scale (`framework list`: every "
        "framework, imported ones too).",
    ),
    "gap": (
        "competence.cli.gap:gap",
        "Show the gaps of FILE against a profile, and the verdict with reasons.",
    ),
    "history": (
        "competence.cli.audit:history",
        "Show a PERSON's assessments in order and the trend per competence.",
    ),
    "import": (
        "competence.cli.db:import_",
        "Import a people file, a ratings file or a JSON export (the header tells which).",
    ),
    "jobs": (
        "competence.cli.jobs:jobs_",
        "The jobs you started (every job, for an admin or the operator).",
    ),
    "person": (
        "competence.cli.people:person",
        "Personal data: a person's own copy, and erasing a person.",
    ),
    "plan": (
        "competence.cli.report:plan",
        "Show PERSON's development plan, with where they stand now on each step.",
    ),
    "profile": (
        "competence.cli.profile:profile",
        "Show one role profile, or compare two.",
    ),
    "profiles": (
        "competence.cli.profile:profiles",
        "List the built-in role profiles (APM's); `profile list` lists the stored ones.",
    ),
    "raters": (
        "competence.cli.raters:raters",
        "A second view (optional 360): ask other raters (a peer, a project manager) for their view "
        "of a person.",
    ),
    "remind": (
        "competence.cli.people:remind",
        "Email everyone whose self-assessment is due (cron-friendly).",
    ),
    "report": (
        "competence.cli.report:report",
        "Reports: PERSON's (email or employee id), a --team's, or --all people's.",
    ),
    "restore": (
        "competence.cli.db:restore",
        "Restore a backup FILE into an empty database (SQLite or PostgreSQL).",
    ),
    "retention": (
        "competence.cli.people:retention",
        "Erase the people who left more than COMPETENCE_RETENTION_MONTHS ago (cron-friendly).",
    ),
    "serve": (
        "competence.cli.serve:serve",
        "Run the web app under a production server, after upgrading the database: gunicorn with "
        "several worker processes, or waitress where gunicorn cannot run (Windows).",
    ),
    "team": (
        "competence.cli.team:team",
        "Plan a team's capability, its calibration and its trend over cycles.",
    ),
    "template": (
        "competence.cli.profile:template",
        "Write the self-assessment workbook to fill in and give to `competence gap`.",
    ),
    "token": (
        "competence.cli.user:token",
        "Manage API tokens for integrations.",
    ),
    "user": (
        "competence.cli.user:user",
        "Manage the users who sign in, and their roles.",
    ),
    "webhooks": (
        "competence.cli.webhooks:webhooks",
        "Manage webhooks: addresses told of events, with a signed POST (see docs/admin.md).",
    ),
    "worker": (
        "competence.cli.serve:worker",
        "Run the jobs the web app queues: large imports, every person's PDF reports, large teams' "
        "reports, and the scheduled reminders (weekly) and retention (daily).",
    ),
    # [[[end]]]
}
"""Each command's name -> (``module:attribute``, the first sentence of its help)."""


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an internal error.")
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    help="Record changes as this user (default: cli:<your login name>).",
)
@click.version_option(__version__, prog_name="competence")
@click.pass_context
def cli(ctx: click.Context, debug: bool, as_user: str | None) -> None:
    """Assess PMO officers and specialists against the APM Competence Framework role profile.

    Source: APM Competence Framework, 3rd edition, role profile for PMO officers and specialists
    (copyright APM; an organisation using it is responsible for its own licence).
    """
    ctx.obj = {"as_user": as_user}


def main(argv: list[str] | None = None) -> int:
    """Run the command and turn every failure into a message and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="competence", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show(file=sys.stderr)
        return 2
    except click.exceptions.Abort:
        from competence.cli.common import err

        err.print("Aborted.")
        return 130
    except BrokenPipeError:  # from emit_json: the reader went away
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except InputError as exc:
        click.echo(exc.report(), err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        from competence.services.database import is_database_error

        if is_database_error(exc):  # a database that cannot be reached is not a bug
            click.echo(f"competence: the database cannot be used: {exc}".strip(), err=True)
            return 2
        if "--debug" in args:
            import traceback

            traceback.print_exc()
        click.echo(
            f"competence: internal error: {type(exc).__name__}: {exc} (run with --debug)", err=True
        )
        return 1
    return 0


def run() -> None:
    sys.exit(main())


def __getattr__(name: str) -> Any:
    """What the commands share (``FILE_ONLY``, ``RULE``, ...), from :mod:`competence.cli.common`,
    loaded on first use."""
    from importlib import import_module

    common = import_module("competence.cli.common")
    try:
        return getattr(common, name)
    except AttributeError:
        raise AttributeError(f"module 'competence.cli' has no attribute {name!r}") from None
