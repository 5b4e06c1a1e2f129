"""The ``competence`` command: a few lines per command, each calling a service.

Exit codes (CONTRACT.md): 0 the command did its work, whatever the verdict; 2 bad input or usage,
with the reason on standard error; 1 an internal error (one line; the traceback with ``--debug``).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from competence import __version__
from competence.domain.analysis import GAP, MET, TOP_UP, Verdict
from competence.domain.framework import CONTEXTS
from competence.errors import InputError, writing


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (``competence framework | head``): stop quietly."""
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0)


out = _Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

STYLE = {MET: "green", TOP_UP: "yellow", GAP: "red"}


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.group(invoke_without_command=True)
@json_option
@click.pass_context
def framework(ctx: click.Context, as_json: bool) -> None:
    """List the 29 competences of the framework and its rating scale."""
    if ctx.invoked_subcommand is not None:
        return
    from competence.services.catalogue import framework_data

    data = framework_data()
    if as_json:
        emit_json(data)
        return
    table = Table(title=data["title"], title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    table.add_column("Slug", style="dim")
    for c in data["competences"]:
        table.add_row(str(c["number"]), c["name"], c["slug"])
    out.print(table)
    levels = Table(title="Rating scale", title_justify="left")
    for name in ("Level", "Knowledge", "Application"):
        levels.add_column(name)
    for lv in data["levels"]:
        mark = "" if lv["from_source"] else " *"
        levels.add_row(f"{lv['level']} {lv['name']}{mark}", lv["knowledge"], lv["application"])
    out.print(levels)
    out.print("* not in the role profile: our own wording for level 0.", style="dim")
    out.print(f"Source: {data['attribution']['source']}. {data['attribution']['notice']}")


@cli.command()
@json_option
def profiles(as_json: bool) -> None:
    """List the role profiles."""
    from competence.services.catalogue import profiles_data

    data = profiles_data()
    if as_json:
        emit_json(data)
        return
    table = Table()
    table.add_column("Profile")
    table.add_column("Name")
    table.add_column("Builds on")
    for p in data:
        table.add_row(p["id"], p["name"], p["builds_on"] or "")
    out.print(table)


@cli.group()
def profile() -> None:
    """Show one role profile, or compare two."""


@profile.command("show")
@click.argument("profile_id", metavar="PROFILE")
@context_option
@json_option
def profile_show(profile_id: str, context: str | None, as_json: bool) -> None:
    """Show a PROFILE's target for each competence and where it applies.

    PROFILE is pmo-officer or pmo-specialist.
    """
    from competence.services.catalogue import profile_data

    data = profile_data(profile_id, context)
    if as_json:
        emit_json(data)
        return
    where = f" in the {context} context" if context else ""
    table = Table(title=f"{data['name']}{where}", title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    table.add_column("Knowledge", justify="center")
    table.add_column("Application", justify="center")
    table.add_column("Applies in")
    for r in data["requirements"]:
        applies = r["qualifier"] or "all contexts"
        if not r["applicable"]:
            applies += " (not here)"
        table.add_row(
            str(r["number"]),
            r["name"],
            str(r["knowledge"]),
            str(r["application"]),
            applies,
            style="" if r["applicable"] else "dim",
        )
    out.print(table)
    if data["rule"]:
        rule = data["rule"]
        names = {r["number"]: r["name"] for r in data["requirements"]}
        out.print(Text(rule["statement"], style="italic"))
        out.print(
            f"Rule: the {rule['base_profile']} profile in the same context; "
            + " and ".join(names[n] for n in rule["required"])
            + f" at this profile's rating; and at least {rule['at_least']} of: "
            + ", ".join(names[n] for n in rule["deciding"])
            + "."
        )


@profile.command("diff")
@click.argument("first", metavar="FROM")
@click.argument("second", metavar="TO")
@json_option
def profile_diff(first: str, second: str, as_json: bool) -> None:
    """Show which requirements rise from profile FROM to profile TO, and by how much."""
    from competence.services.catalogue import profile_diff_data

    data = profile_diff_data(first, second)
    if as_json:
        emit_json(data)
        return
    table = Table(title=f"{first} → {second}", title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    table.add_column(first, justify="center")
    table.add_column(second, justify="center")
    table.add_column("Rise")
    for ch in data["changes"]:
        a, b = ch[first], ch[second]
        rise = ", ".join(f"{axis} {v:+d}" for axis, v in ch["rise"].items() if v)
        if ch["contexts"][first] != ch["contexts"][second]:
            rise = (rise + "; " if rise else "") + (
                f"applies in {', '.join(ch['contexts'][second]) or 'no context'} "
                f"(was {', '.join(ch['contexts'][first]) or 'none'})"
            )
        table.add_row(
            str(ch["number"]),
            ch["name"],
            f"{a['knowledge']}/{a['application']}" if a else "-",
            f"{b['knowledge']}/{b['application']}" if b else "-",
            rise,
        )
    out.print(table)
    out.print(f"{len(data['changes'])} requirements differ.")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--profile", "-p", "profile_id", help="Profile to assess against (default: the workbook's)."
)
@context_option
@json_option
def gap(file: Path, profile_id: str | None, context: str | None, as_json: bool) -> None:
    """Show the gaps of FILE against a profile, and the verdict with reasons.

    FILE is a .csv, .json or the .xlsx template. One person, or each person when the file has a
    person column. A CSV or JSON file needs --profile and --context; the template records both.
    The verdict does not change the exit code: 0 whenever the analysis ran.
    """
    from competence.services.analysis import analyse_file

    analysis = analyse_file(file, profile_id, context)
    if as_json:
        emit_json(analysis.as_data())
        return
    for i, verdict in enumerate(analysis.verdicts):
        if i:
            out.rule()
        _print_verdict(verdict)


def _cell(actual: int | None, target: int | None) -> str:
    shown = "–" if actual is None else str(actual)
    return shown if target is None else f"{shown} / {target}"


def _print_verdict(v: Verdict) -> None:
    who = f"{v.person}: " if v.person else ""
    title = Text(f"{who}{v.profile.name}, {v.context} context")
    table = Table(title=title, title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    table.add_column("Knowledge", justify="center")
    table.add_column("Application", justify="center")
    table.add_column("Result")
    for r in v.competences:
        t = r.target
        k = _cell(r.rating.knowledge, t.knowledge if t else None)
        a = _cell(r.rating.application, t.application if t else None)
        if not r.applicable:
            table.add_row(
                str(r.competence.number), r.competence.name, k, a, "does not apply", style="dim"
            )
            continue
        assert r.label is not None
        result = r.label if r.met else f"{r.label} ({r.shortfall} short)"
        table.add_row(
            str(r.competence.number), r.competence.name, k, a, Text(result, style=STYLE[r.label])
        )
    out.print(table)
    out.print("Actual / target; – is not rated (counts as 0).", style="dim")
    headline, *reasons = v.reasons
    out.print(
        Text(
            ("✔ " if v.meets_profile else "✘ ") + headline,
            style="bold green" if v.meets_profile else "bold red",
        )
    )
    for reason in reasons:
        out.print(f"  • {reason}")
    if v.closest_specialisms:
        closest = ", ".join(
            f"{d.competence.name} ({d.levels_short} short)" for d in v.closest_specialisms[:3]
        )
        out.print(f"Closest specialisms: {closest}")


@cli.command()
@out_option("Where to write the .xlsx file.")
@click.option(
    "--profile",
    "-p",
    "profile_id",
    default="pmo-officer",
    show_default=True,
    help="Profile the targets come from.",
)
@context_option
def template(out_file: Path, profile_id: str, context: str | None) -> None:
    """Write the self-assessment workbook to fill in and give to `competence gap`.

    With --context it lists the competences that apply there; without, all 29 and where each
    applies.
    """
    from competence.data import load_catalogue
    from competence.formats.template import write_template

    if out_file.suffix.lower() != ".xlsx":
        raise InputError(f"--out: {out_file}: the template is a workbook; name it *.xlsx")
    with writing(out_file, "--out"):
        rows = write_template(load_catalogue(), profile_id, context, out_file)
    click.echo(f"Wrote {out_file} ({rows} competences to rate).", err=True)


# -- the database ------------------------------------------------------------------------------


def database(need_tables: bool = True) -> None:
    """Set Django up; unless upgrading, insist that the database is up to date."""
    from competence.store import setup

    setup()
    if not need_tables:
        return
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise InputError(
            f"the database at {_database_name()} needs upgrading: run `competence db upgrade`"
        )


def _database_name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def require(ctx: click.Context, rule: str, person: str | None = None) -> None:
    """With ``--as USER`` the access policy decides, as it does for that user on the web.

    Without it, whoever runs the command on a machine that can open the database acts with full
    rights, as an administrator does (the audit trail records them as ``cli:<login name>``).
    """
    as_user = (ctx.find_root().obj or {}).get("as_user")
    if not as_user:
        return
    from django.contrib.auth.models import User

    from competence.services import policy
    from competence.services.records import find_person

    user = User.objects.filter(username=as_user, is_active=True).first()
    if user is None:
        raise InputError(f"--as: no active user {as_user!r}")
    subject = find_person(person) if person else None
    allowed = {
        "admin": lambda: policy.role(user) == policy.ADMIN,
        "view": lambda: subject is not None and policy.can_view_person(user, subject),
        "own": lambda: (
            subject is not None
            and (subject.user_id == user.pk or policy.role(user) == policy.ADMIN)
        ),
        "review": lambda: subject is not None and policy.can_review(user, subject),
    }[rule]()
    if not allowed:
        raise InputError(f"--as {as_user}: not allowed ({policy.role(user)}); nothing was done")


def actor(ctx: click.Context) -> Any:
    from competence.services.records import cli_actor
    from competence.store import audit

    return audit.acting_as(cli_actor((ctx.find_root().obj or {}).get("as_user")))


@cli.group()
def db() -> None:
    """Manage the database (COMPETENCE_DATABASE_URL, default: a SQLite file)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database tables; running it again changes nothing."""
    database(need_tables=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from competence.services.records import current_framework
    from competence.store import audit

    with audit.acting_as("system"):
        fw = current_framework()
    click.echo(f"Database {_database_name()} is up to date (framework {fw}).", err=True)


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the whole file and report; write nothing.")
@click.option(
    "--cycle",
    help="Cycle for ratings (default: the file's cycle column, else the open cycle, else a new "
    "one named after today).",
)
@click.option(
    "--kind",
    type=click.Choice(["self", "assessor", "agreed"]),
    help="Kind of assessment the ratings form (default: the file's kind column, else self).",
)
@json_option
@click.pass_context
def import_(
    ctx: click.Context,
    file: Path,
    dry_run: bool,
    cycle: str | None,
    kind: str | None,
    as_json: bool,
) -> None:
    """Import a people file, a ratings file or a JSON export (the header tells which).

    All or nothing: one bad row anywhere and nothing is written; every bad row is listed.
    """
    database()
    require(ctx, "admin")
    from competence.services.transfer import import_file

    with actor(ctx), ProgressBar() as progress:
        report = import_file(file, cycle=cycle, kind=kind, dry_run=dry_run, progress=progress)
    if as_json:
        emit_json(report.as_dict())
        return
    done = "Checked (dry run, nothing written)" if dry_run else "Imported"
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    out.print(f"{done} {report.kind} file {file}: {counts}.")


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


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    required=True,
    help="csv or xlsx: people and ratings; json: everything.",
)
@click.option("--team", help="Only this team and its sub-teams (write Department / Team).")
@click.option("--history", is_flag=True, help="csv, xlsx: every assessment, not only the latest.")
@out_option("File to write (default: standard output; required for xlsx).", required=False)
@click.pass_context
def export(
    ctx: click.Context, fmt: str, team: str | None, history: bool, out_file: Path | None
) -> None:
    """Export people and their assessments."""
    database()
    require(ctx, "admin")
    from competence.services import transfer

    if fmt == "xlsx" and out_file is None:
        raise InputError("--out: an xlsx export needs a file name")
    with writing(out_file, "--out"):
        if fmt == "json":
            if out_file is None:
                count = transfer.write_export_json(sys.stdout, team)
            else:
                with out_file.open("w", encoding="utf-8") as f:
                    count = transfer.write_export_json(f, team)
            what = "people"
        elif fmt == "csv":
            rows = transfer.export_rows(team, history)
            if out_file is None:
                count = transfer.write_csv(rows, sys.stdout)
            else:
                with out_file.open("w", encoding="utf-8", newline="") as f:
                    count = transfer.write_csv(rows, f)
            what = "ratings"
        else:
            assert out_file is not None
            count = transfer.write_xlsx(transfer.export_rows(team, history), out_file)
            what = "ratings"
    if out_file is not None:
        click.echo(f"Wrote {out_file} ({count} {what}).", err=True)


@cli.command("audit")
@click.option("--person", help="Only entries about this person (email or employee id).")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="The most recent N entries.",
)
@json_option
@click.pass_context
def audit_(ctx: click.Context, person: str | None, limit: int, as_json: bool) -> None:
    """List the audit trail: who changed what, when, old and new values."""
    database()
    require(ctx, "admin")
    from competence.services.records import find_person
    from competence.store.models import AuditEntry

    entries = AuditEntry.objects.order_by("-at", "-id")
    if person:
        entries = entries.filter(person=str(find_person(person).pk))
    rows = list(entries[:limit])[::-1]
    data: list[dict[str, Any]] = [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "model": e.model,
            "object_id": e.object_id,
            "summary": e.summary,
            "old": e.old,
            "new": e.new,
        }
        for e in rows
    ]
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("When", "Who", "What", "Summary"):
        table.add_column(name)
    for e in data:
        table.add_row(
            e["at"][:19].replace("T", " "), e["actor"], f"{e['action']} {e['model']}", e["summary"]
        )
    out.print(table)


@cli.command()
@click.argument("person")
@json_option
@click.pass_context
def history(ctx: click.Context, person: str, as_json: bool) -> None:
    """Show a PERSON's assessments in order and the trend per competence.

    PERSON is an email or an employee id.
    """
    database()
    require(ctx, "view", person)
    from competence.services.records import find_person
    from competence.services.records import history as person_history

    data = person_history(find_person(person))
    if as_json:
        emit_json(data)
        return
    table = Table(title=f"{data['person']}: assessments", title_justify="left")
    for name in ("Cycle", "Kind", "Status", "Date", "Profile", "Context", "Meets profile"):
        table.add_column(name)
    for a in data["assessments"]:
        table.add_row(
            a["cycle"],
            a["kind"],
            a["status"],
            a["assessed_on"],
            a["profile"],
            a["context"],
            "yes" if a["meets_profile"] else "no",
        )
    out.print(table)
    if len({p["cycle"] for t in data["trend"] for p in t["points"]}) > 1:
        trend = Table(title="Trend (knowledge/application per cycle)", title_justify="left")
        trend.add_column("Competence")
        cycles = [p["cycle"] for p in data["trend"][0]["points"]]
        for c in cycles:
            trend.add_column(c, justify="center")
        for t in data["trend"]:
            trend.add_row(
                t["slug"],
                *(
                    f"{'-' if p['knowledge'] is None else p['knowledge']}/"
                    f"{'-' if p['application'] is None else p['application']}"
                    for p in t["points"]
                ),
            )
        out.print(trend)


@cli.command()
@out_option("The backup file to write (gzip-compressed JSON).")
@click.pass_context
def backup(ctx: click.Context, out_file: Path) -> None:
    """Write a consistent, compressed snapshot of everything, audit trail included."""
    database()
    require(ctx, "admin")
    from competence.services.backup import write_backup

    counts = write_backup(out_file)
    click.echo(
        f"Wrote {out_file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".", err=True
    )


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def restore(ctx: click.Context, file: Path) -> None:
    """Restore a backup FILE into an empty database (SQLite or PostgreSQL)."""
    database()
    require(ctx, "admin")
    from competence.services.backup import restore as restore_backup

    with actor(ctx):
        counts = restore_backup(file)
    click.echo(
        f"Restored {file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".", err=True
    )


@framework.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["case", "moodle"]),
    required=True,
    help="case: a CASE 1.1 package (JSON); moodle: Moodle's competency framework CSV.",
)
@out_option("The file to write.")
def framework_export(fmt: str, out_file: Path) -> None:
    """Export the framework and its profiles for other systems."""
    from competence.data import load_catalogue

    catalogue = load_catalogue()
    with writing(out_file, "--out"):
        if fmt == "case":
            from competence.formats.case import export_case

            out_file.write_text(
                json.dumps(export_case(catalogue), indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            what = f"{len(catalogue.framework.competences)} competences"
        else:
            from competence.formats.moodle import export_moodle

            with out_file.open("w", encoding="utf-8", newline="") as f:
                what = f"{export_moodle(catalogue, f)} competencies"
    click.echo(f"Wrote {out_file} ({what}).", err=True)


@framework.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@click.pass_context
def framework_import(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Import a CASE 1.1 package (JSON) as an additional framework, and say what was skipped."""
    from competence.formats.case import read_case

    imported = read_case(file)
    database()
    require(ctx, "admin")
    from competence.services.backup import store_case_framework

    with actor(ctx):
        stored = store_case_framework(imported)
    if as_json:
        emit_json(
            {
                "framework": stored.framework_id,
                "version": stored.version,
                "title": stored.title,
                "items": len(imported.items),
                "skipped": list(imported.skipped),
            }
        )
        return
    out.print(
        f"Imported {imported.title!r} as framework {stored.framework_id} "
        f"{stored.version}: {len(imported.items)} items."
    )
    if imported.skipped:
        out.print(f"Skipped {len(imported.skipped)}:")
        for line in imported.skipped:
            out.print(f"  • {line}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Serve a synthetic PMO from a separate demo database, made anew at each start.",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads."
)
@click.option(
    "--trusted-proxy",
    metavar="ADDRESS",
    help="The reverse proxy's address: trust its X-Forwarded-Proto/-For/-Host headers.",
)
def serve(host: str, port: int, demo: bool, threads: int, trusted_proxy: str | None) -> None:
    """Run the web app under a production server (waitress), after upgrading the database."""
    from competence.config import Config

    if demo:
        _use_demo_database()
    elif not Config.from_env().secret_key and not Config.from_env().debug:
        raise InputError(
            "COMPETENCE_SECRET_KEY is not set: give the server a long random secret "
            "(or use --demo, or COMPETENCE_DEBUG=1 on your own machine)"
        )
    database(need_tables=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if demo:
        from competence.services.demo import build_demo

        summary = build_demo()
        err.print(
            f"Demo data: {summary.people} people in {summary.teams} teams, "
            f"{summary.cycles} cycles, {summary.assessments} assessments."
        )
        err.print(f"Demo sign-ins (password {summary.password!r}):")
        for username, role in summary.sign_ins:
            err.print(f"  {username:<22} {role}")
    from waitress.server import create_server

    from competence.web.wsgi import application

    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for", "x-forwarded-host"},
            "clear_untrusted_proxy_headers": True,
        }
    server = create_server(
        application, host=host, port=port, threads=threads, ident="competence", **proxy
    )
    shown = f"[{host}]" if ":" in host else host
    port = getattr(server, "effective_port", port)
    click.echo(f"competence is running at http://{shown}:{port}/ (Ctrl-C to stop)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.close()


def _use_demo_database() -> None:
    """Point this process at a fresh demo database, never the user's own."""
    import secrets

    from platformdirs import user_data_path

    folder = user_data_path("competence", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    os.environ["COMPETENCE_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("COMPETENCE_SECRET_KEY", secrets.token_urlsafe(50))


@cli.group()
def user() -> None:
    """Manage the users who sign in, and their roles."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["member", "assessor", "pmo-lead", "admin"]),
    required=True,
    help="What the user may see beyond their own data.",
)
@click.option("--email", required=True, help="The user's email address.")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input (never from the command line).",
)
@click.option("--person", help="Link to this person (email or employee id).")
@click.pass_context
def user_create(
    ctx: click.Context,
    username: str,
    role: str,
    email: str,
    password_stdin: bool,
    person: str | None,
) -> None:
    """Create USERNAME with a role and a password read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise InputError("--password-stdin: no password on standard input")
    database()
    require(ctx, "admin")
    from competence.services.accounts import create_user

    with actor(ctx):
        create_user(username, role=role, email=email, password=password, person=person)
    click.echo(f"Created {username} ({role}).", err=True)


@user.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["member", "assessor", "pmo-lead", "admin"]))
@click.pass_context
def user_set_role(ctx: click.Context, username: str, role: str) -> None:
    """Give USERNAME the ROLE (member, assessor, pmo-lead or admin)."""
    database()
    require(ctx, "admin")
    from competence.services.accounts import find_user, set_role

    with actor(ctx):
        set_role(find_user(username), role)
    click.echo(f"{username} is now {role}.", err=True)


@cli.group()
def token() -> None:
    """Manage API tokens for integrations."""


@token.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    show_default=True,
    help="read: GET only; write: everything the user may do.",
)
@click.pass_context
def token_create(ctx: click.Context, username: str, name: str, scope: str) -> None:
    """Create an API token for USERNAME; it is shown once, and stored only hashed."""
    database()
    require(ctx, "admin")
    from competence.services.accounts import create_token, find_user

    with actor(ctx):
        made, secret = create_token(find_user(username), name, scope)
    click.echo(
        f"Token {made.pk} for {username} ({scope}); keep it secret, it is shown once:", err=True
    )
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke the token TOKEN_ID: it stops working at once."""
    database()
    require(ctx, "admin")
    from competence.services.accounts import revoke_token

    with actor(ctx):
        revoked = revoke_token(token_id)
    click.echo(f"Token {revoked.pk} ({revoked.name}) is revoked.", err=True)


@token.command("list")
@json_option
@click.pass_context
def token_list(ctx: click.Context, as_json: bool) -> None:
    """List the API tokens (never their secrets)."""
    database()
    require(ctx, "admin")
    from competence.store.models import ApiToken

    data: list[dict[str, Any]] = [
        {
            "id": t.pk,
            "user": t.user.username,
            "name": t.name,
            "prefix": t.prefix,
            "scope": t.scope,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked": t.revoked_at is not None,
        }
        for t in ApiToken.objects.select_related("user")
    ]
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Id", "User", "Name", "Scope", "Starts", "Last used", "Revoked"):
        table.add_column(name)
    for t in data:
        table.add_row(
            str(t["id"]),
            t["user"],
            t["name"],
            t["scope"],
            t["prefix"],
            t["last_used_at"] or "never",
            "yes" if t["revoked"] else "no",
        )
    out.print(table)


@cli.group()
def cycle() -> None:
    """Manage assessment cycles."""


@cycle.command("create")
@click.argument("name")
@click.option(
    "--opens", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day, YYYY-MM-DD."
)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@click.pass_context
def cycle_create(ctx: click.Context, name: str, opens: Any, closes: Any) -> None:
    """Open a new assessment cycle NAME."""
    database()
    require(ctx, "admin")
    from competence.services.records import create_cycle

    with actor(ctx):
        made = create_cycle(name, opens.date(), closes.date() if closes else None)
    click.echo(f"Cycle {made.name} opens {made.opens_on}.", err=True)


@cycle.command("list")
@json_option
def cycle_list(as_json: bool) -> None:
    """List the assessment cycles."""
    database()
    from competence.store.models import Cycle

    data = [
        {
            "name": c.name,
            "opens_on": c.opens_on.isoformat(),
            "closes_on": c.closes_on.isoformat() if c.closes_on else None,
        }
        for c in Cycle.objects.all()
    ]
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Cycle", "Opens", "Closes"):
        table.add_column(name)
    for c in data:
        table.add_row(c["name"], c["opens_on"], c["closes_on"] or "")
    out.print(table)


@cli.group()
def assessment() -> None:
    """Move an assessment through its workflow: submit, review, agree, sign off."""


def _assessment_for(person: str, cycle_name: str, kind: str) -> Any:
    from competence.services.records import find_cycle, find_person
    from competence.store.models import Assessment

    found = Assessment.objects.filter(
        person=find_person(person), cycle=find_cycle(cycle_name), kind=kind
    ).first()
    if found is None:
        raise InputError(f"{person}: no {kind} assessment in cycle {cycle_name!r}")
    return found


def _step(
    ctx: click.Context, rule: str, step: str, person: str, cycle_name: str, kind: str
) -> None:
    """Move one assessment on with a workflow step (submit, review, sign_off), as allowed."""
    database()
    require(ctx, rule, person)
    from competence.services import records

    with actor(ctx):
        done = getattr(records, step)(_assessment_for(person, cycle_name, kind))
    click.echo(f"{person}, cycle {cycle_name}, {kind}: {done.status}.", err=True)


KIND = click.option(
    "--kind",
    type=click.Choice(["self", "assessor", "agreed"]),
    default="self",
    show_default=True,
    help="Which of the person's assessments.",
)
CYCLE = click.option("--cycle", "cycle_name", required=True, help="The cycle's name.")


@assessment.command("submit")
@click.argument("person")
@CYCLE
@KIND
@click.pass_context
def assessment_submit(ctx: click.Context, person: str, cycle_name: str, kind: str) -> None:
    """Submit PERSON's draft assessment (email or employee id)."""
    _step(ctx, "own" if kind == "self" else "review", "submit", person, cycle_name, kind)


@assessment.command("review")
@click.argument("person")
@CYCLE
@KIND
@click.pass_context
def assessment_review(ctx: click.Context, person: str, cycle_name: str, kind: str) -> None:
    """Mark PERSON's submitted assessment as reviewed."""
    _step(ctx, "review", "review", person, cycle_name, kind)


@assessment.command("agree")
@click.argument("person")
@CYCLE
@click.pass_context
def assessment_agree(ctx: click.Context, person: str, cycle_name: str) -> None:
    """Make PERSON's agreed assessment from the assessor's ratings (else their own)."""
    database()
    require(ctx, "review", person)
    from competence.services.records import agree, find_cycle, find_person

    with actor(ctx):
        done = agree(find_person(person), find_cycle(cycle_name))
    click.echo(f"{person}, cycle {cycle_name}, agreed: {done.status}.", err=True)


@assessment.command("sign-off")
@click.argument("person")
@CYCLE
@click.option(
    "--kind",
    type=click.Choice(["self", "assessor", "agreed"]),
    default="agreed",
    show_default=True,
    help="Which of the person's assessments.",
)
@click.pass_context
def assessment_sign_off(ctx: click.Context, person: str, cycle_name: str, kind: str) -> None:
    """Sign off PERSON's reviewed assessment: it becomes read-only."""
    _step(ctx, "review", "sign_off", person, cycle_name, kind)


@cli.command()
@click.option("--dry-run", is_flag=True, help="List who is due; send nothing.")
@json_option
@click.pass_context
def remind(ctx: click.Context, dry_run: bool, as_json: bool) -> None:
    """Email everyone whose self-assessment is due (cron-friendly).

    Due: the open cycle's self-assessment is not submitted, or there is no assessment, or the
    last one is older than COMPETENCE_REASSESS_MONTHS (default 12).
    """
    database()
    require(ctx, "admin")
    from django.conf import settings

    from competence.services import notify
    from competence.services.privacy import due_for_reminder

    due = due_for_reminder(settings.CONFIG.reassess_months)
    sent = 0 if dry_run else sum(notify.reminder(person, why) for person, why in due)
    if as_json:
        emit_json({"due": [{"person": p.email, "why": why} for p, why in due], "sent": sent})
        return
    for person, why in due:
        out.print(f"{person.email}: {why}")
    click.echo(f"{len(due)} due, {sent} reminders sent.", err=True)


@cli.group()
def person() -> None:
    """Personal data: a person's own copy, and erasing a person."""


@person.command("data")
@click.argument("key", metavar="PERSON")
@click.pass_context
def person_data(ctx: click.Context, key: str) -> None:
    """Print everything held about PERSON (email or employee id) as JSON."""
    database()
    require(ctx, "own", key)
    from competence.services.privacy import personal_data
    from competence.services.records import find_person

    emit_json(personal_data(find_person(key)))


@person.command("erase")
@click.argument("key", metavar="PERSON")
@click.option("--yes", is_flag=True, required=True, help="Confirm: this cannot be undone.")
@click.pass_context
def person_erase(ctx: click.Context, key: str, yes: bool) -> None:
    """Erase PERSON: their ratings, assessments and plan go; audit entries keep a pseudonym."""
    database()
    require(ctx, "admin")
    from competence.services.privacy import erase

    with actor(ctx):
        pseudonym = erase(key)
    click.echo(f"Erased {key}; the audit trail now calls them {pseudonym}.", err=True)


@cli.command()
@click.option("--dry-run", is_flag=True, help="List who would be erased; erase nothing.")
@click.pass_context
def retention(ctx: click.Context, dry_run: bool) -> None:
    """Erase the people who left more than COMPETENCE_RETENTION_MONTHS ago (cron-friendly)."""
    database()
    require(ctx, "admin")
    from django.conf import settings

    from competence.services.privacy import due_for_erasure, erase

    months = settings.CONFIG.retention_months
    if months is None:
        click.echo("COMPETENCE_RETENTION_MONTHS is not set: nobody is erased.", err=True)
        return
    due = due_for_erasure(months)
    for gone in due:
        out.print(f"{gone.email}: left on {gone.left_on}")
    if not dry_run:
        with actor(ctx):
            for gone in due:
                erase(gone.email)
    click.echo(f"{len(due)} {'would be ' if dry_run else ''}erased.", err=True)


@cli.group()
def team() -> None:
    """Plan a team's capability."""


@team.command("plan")
@click.option("--team", "team_path", help="The team (and its sub-teams); default: everyone.")
@click.option(
    "--requirements",
    "requirements_file",
    required=True,
    type=click.Path(path_type=Path),
    help="YAML: requirements and nobody_alone.",
)
@json_option
@click.pass_context
def team_plan(
    ctx: click.Context, team_path: str | None, requirements_file: Path, as_json: bool
) -> None:
    """Coverage, single points of failure, and the fewest levels raised to meet the requirements.

    Exact (an integer program). A requirement that cannot be met is said so plainly.
    """
    database()
    from competence.services.planning import read_requirements
    from competence.services.planning import team_plan as make_plan

    requirements = read_requirements(requirements_file)
    require(ctx, "admin")
    data = make_plan(team_path, requirements)
    if as_json:
        emit_json(data)
        return
    out.print(f"{data['people']} people{' in ' + team_path if team_path else ''}.")
    if data["single_points_of_failure"]:
        out.print("Single points of failure (only one person meets the officer target):")
        for a in data["single_points_of_failure"]:
            out.print(f"  • {a['number']} {a['slug']}: {a['person']}")
    table = Table(
        title=f"Development steps: {data['levels_raised']} levels in all", title_justify="left"
    )
    for name in ("Person", "Competence", "Axis", "From", "To"):
        table.add_column(name)
    for step in data["steps"]:
        table.add_row(
            step["person"],
            f"{step['number']} {step['slug']}",
            step["axis"],
            str(step["from"]),
            str(step["to"]),
        )
    out.print(table)
    for label, ranked in data["closest"].items():
        names = ", ".join(f"{r['person']} ({r['levels_short']} short)" for r in ranked)
        out.print(f"Closest for {label}: {names}")
    for problem in data["unmet"]:
        out.print(Text(f"Cannot be met: {problem}", style="bold red"))


@cli.command()
@click.argument("person")
@click.option("--generate", is_flag=True, help="First add steps for the gaps not yet planned.")
@json_option
@click.pass_context
def plan(ctx: click.Context, person: str, generate: bool, as_json: bool) -> None:
    """Show PERSON's development plan, with where they stand now on each step.

    Steps come from the gaps: the largest on the target profile first (due in 6 months), then
    the next profile's (12 months); each with a kind of activity from data/apm/activities.yaml.
    """
    database()
    require(ctx, "own", person)
    from competence.services import plans
    from competence.services.records import find_person

    subject = find_person(person)
    if generate:
        with actor(ctx):
            made = plans.generate(subject)
        click.echo(f"{len(made)} steps added.", err=True)
    data = plans.plan_data(subject)
    if as_json:
        emit_json(data)
        return
    table = Table(title=f"{subject.name}: development plan", title_justify="left")
    for name in ("Competence", "Axis", "Now / goal", "Activity", "By", "Status"):
        table.add_column(name)
    for item in data:
        now = "–" if item["now"] is None else str(item["now"])
        table.add_row(
            f"{item['number']} {item['name']}",
            item["axis"],
            f"{now} / {item['target_level']}" + (" ✔" if item["reached"] else ""),
            item["action"],
            item["due_on"] or "",
            item["status"],
        )
    out.print(table)


@cli.command()
@click.argument("person", required=False)
@click.option("--team", "team_path", help="A team's report (with its sub-teams); '' for everyone.")
@click.option("--all", "everyone", is_flag=True, help="Every person's PDF, into the --out folder.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "html", "xlsx"]),
    default="pdf",
    show_default=True,
    help="pdf or html for a person; xlsx, pdf or html for a team.",
)
@out_option("The file to write (a folder with --all).")
@click.pass_context
def report(
    ctx: click.Context,
    person: str | None,
    team_path: str | None,
    everyone: bool,
    fmt: str,
    out_file: Path,
) -> None:
    """Reports: PERSON's (email or employee id), a --team's, or --all people's.

    A person's report holds the verdicts with reasons, the radar chart, the gap table, the
    specialist pathway, the plan, the history, the evidence, the sign-off and the framework's
    attribution, on numbered A4 pages. A team's is an XLSX workbook (knowledge and application
    heatmaps, coverage, gaps) or a PDF summary.
    """
    if sum((person is not None, team_path is not None, everyone)) != 1:
        raise InputError("give one of: PERSON, --team T or --all")
    database()
    if person is not None:
        require(ctx, "view", person)
    else:
        require(ctx, "admin")
    from competence.reports.individual import render_html, write_pdf
    from competence.services.plans import plan_data
    from competence.services.records import find_person
    from competence.services.results import person_results

    if person is not None:
        if fmt == "xlsx":
            raise InputError("--format: a person's report is pdf or html")
        subject = find_person(person)
        html = render_html(person_results(subject), plan_data(subject))
        with writing(out_file, "--out"):
            if fmt == "html":
                out_file.write_text(html, encoding="utf-8")
                click.echo(f"Wrote {out_file}.", err=True)
            else:
                pages = write_pdf(html, out_file)
                click.echo(f"Wrote {out_file} ({pages} pages).", err=True)
        return
    from competence.store.models import Person

    if everyone:
        if fmt != "pdf":
            raise InputError("--format: --all writes PDF reports")
        with writing(out_file, "--out"):
            out_file.mkdir(parents=True, exist_ok=True)
        people = list(Person.objects.order_by("email"))
        with ProgressBar() as progress:
            for i, p in enumerate(people, start=1):
                target = out_file / f"{(p.employee_id or p.email).replace('/', '_')}.pdf"
                with writing(target, "--out"):
                    write_pdf(render_html(person_results(p), plan_data(p)), target)
                progress("reports", i, len(people))
        click.echo(f"Wrote {len(people)} reports into {out_file}.", err=True)
        return
    from competence.reports.team import render_summary_html
    from competence.reports.team import write_xlsx as write_team_xlsx
    from competence.services.results import team_summary
    from competence.services.transfer import _team_ids, _team_paths

    chosen = Person.objects.all()
    if team_path:
        chosen = chosen.filter(team_id__in=_team_ids(team_path, _team_paths()))
    summary = team_summary(chosen, page=1, per_page=max(1, chosen.count()))
    with writing(out_file, "--out"):
        if fmt == "xlsx":
            write_team_xlsx(summary, out_file)
        elif fmt == "pdf":
            write_pdf(render_summary_html(summary, team_path), out_file)
        else:
            out_file.write_text(render_summary_html(summary, team_path), encoding="utf-8")
    click.echo(f"Wrote {out_file} ({summary['people_count']} people).", err=True)


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
        if _is_database_error(exc):  # a database that cannot be reached is not a bug
            click.echo(f"competence: the database cannot be used: {exc}".strip(), err=True)
            return 2
        if "--debug" in args:
            traceback.print_exc()
        click.echo(
            f"competence: internal error: {type(exc).__name__}: {exc} (run with --debug)", err=True
        )
        return 1
    return 0


def _is_database_error(exc: Exception) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)


def run() -> None:
    sys.exit(main())
