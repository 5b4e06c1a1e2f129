"""The ``competence`` command: a few lines per command, each calling a service.

Exit codes (CONTRACT.md): 0 the command did its work, whatever the verdict; 2 bad input or usage,
with the reason on standard error; 1 an internal error (one line; the traceback with ``--debug``).
"""

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

from competence import __version__
from competence.domain import workflow
from competence.domain.contexts import CONTEXTS
from competence.domain.roles import ROLES
from competence.domain.second_views import RELATIONS as SECOND_VIEW_RELATIONS
from competence.domain.webhooks import EVENTS as WEBHOOK_EVENTS
from competence.errors import InputError, writing
from competence.services.steps import step_rule

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from competence.domain.analysis import Verdict
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


# -- who may run what --------------------------------------------------------------------------

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
@file_only
def framework(ctx: click.Context, as_json: bool) -> None:
    """List the competences of APM's framework and its rating scale (`framework list`: every
    framework, imported ones too)."""
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
@file_only
def profiles(as_json: bool) -> None:
    """List the built-in role profiles (APM's); `profile list` lists the stored ones."""
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


def _stored_profile_rule(name: str, recorded: bool = False) -> Callable[[dict[str, Any]], str]:
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


def _profile_rule(*names: str) -> Callable[[dict[str, Any]], str]:
    """Files alone for APM's profiles and profile files; the database (signed in) otherwise."""

    def rule(options: dict[str, Any]) -> str:
        values = [options[n] for n in names]
        return FILE_ONLY if on_files(*values, version=options.get("number")) else "signed-in"

    return rule


@profile.command("show")
@click.argument("profile_id", metavar="PROFILE")
@version_option
@context_option
@json_option
@needs(_profile_rule("profile_id"))
def profile_show(
    session: Session, profile_id: str, number: int | None, context: str | None, as_json: bool
) -> None:
    """Show a PROFILE's target for each competence and where it applies, and its rule.

    PROFILE is a profile's slug (pmo-officer, pmo-specialist, or one of the organisation's
    stored with `competence profile import`) or the path of a profile file.
    """
    from competence.services.catalogue import profile_data

    if session.user is None:
        data = profile_data(profile_id, context)
    else:
        from competence.services import profiles

        cat, chosen = profiles.pinned(profiles.version(profile_id, number))
        data = profile_data(chosen.id, context, cat)
    if as_json:
        emit_json(data)
        return
    where = f" in the {context} context" if context else ""
    title = f"{data['name']} v{data['version']} ({data['owner']}){where}"
    table = Table(title=title, title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    for axis in data["axes"]:
        table.add_column(axis.capitalize(), justify="center")
    table.add_column("Applies in")
    for r in data["requirements"]:
        everywhere = len(r["contexts"]) == len(CONTEXTS)
        applies = r["qualifier"] or ("all contexts" if everywhere else ", ".join(r["contexts"]))
        if not r["applicable"]:
            applies += " (not here)"
        table.add_row(
            str(r["number"]),
            r["name"],
            *(str(r[axis]) for axis in data["axes"]),
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
@needs(_profile_rule("first", "second"))
def profile_diff(session: Session, first: str, second: str, as_json: bool) -> None:
    """Show which requirements rise from profile FROM to profile TO, and by how much.

    Each is a profile's slug (APM's, or one of the organisation's stored ones) or a profile file.
    """
    from competence.services.catalogue import profile_diff_data

    if session.user is None:
        data = profile_diff_data(first, second)
    else:
        from competence.services import profiles

        data = profile_diff_data(first, second, profiles.catalogue())
    if as_json:
        emit_json(data)
        return
    first, second = data["from"], data["to"]
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
            "/".join(str(v) for v in a.values()) if a else "-",
            "/".join(str(v) for v in b.values()) if b else "-",
            rise,
        )
    out.print(table)
    out.print(f"{len(data['changes'])} requirements differ.")


@profile.command("list")
@json_option
@needs("signed-in")
def profile_list(session: Session, as_json: bool) -> None:
    """List every profile stored in the database, APM's and the organisation's, latest versions."""
    from competence.services import profiles

    data = profiles.listing()
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Profile", "Name", "Version", "Owner", "Rule", "Builds on"):
        table.add_column(name)
    for p in data:
        table.add_row(
            p["id"], p["name"], str(p["version"]), p["owner"], p["rule"], p["builds_on"] or ""
        )
    out.print(table)


@profile.command("export")
@click.argument("profile_id", metavar="PROFILE")
@version_option
@out_option("The profile file to write (YAML).")
@needs(_profile_rule("profile_id"))
def profile_export(session: Session, profile_id: str, number: int | None, out_file: Path) -> None:
    """Write PROFILE (a version of it) as a profile file, to tailor and import as a new profile.

    An APM profile is read-only: change its id (and name) before importing your copy.
    """
    import yaml

    if session.user is None:
        from competence.data import load_catalogue, profile_document

        document = profile_document(load_catalogue().profile(profile_id))
    else:
        from competence.services import profiles

        document = profiles.export(profile_id, number)
    with writing(out_file, "--out"):
        out_file.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), "utf-8"
        )
    click.echo(f"Wrote {out_file} ({document['id']} v{document['version']}).", err=True)


@profile.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; store nothing.")
@json_option
@needs("profile.edit")
def profile_import(session: Session, file: Path, dry_run: bool, as_json: bool) -> None:
    """Check a profile FILE and store it as the profile's next version (version 1 when new).

    Every bad field is named; nothing is stored unless the whole file is right.
    """
    from competence.services import profiles

    with session.acting():
        data = profiles.import_file(file, dry_run=dry_run)
    if as_json:
        emit_json(data)
        return
    done = "Checked (dry run, nothing stored)" if dry_run else "Stored"
    out.print(
        f"{done}: {data['id']} ({data['name']}) version {data['version']}, "
        f"{data['requirements']} requirements, rule {data['rule']}."
    )


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--profile", "-p", "profile_id", help="Profile to assess against (default: the workbook's)."
)
@context_option
@json_option
@needs(_stored_profile_rule("profile_id", recorded=True))
def gap(
    session: Session, file: Path, profile_id: str | None, context: str | None, as_json: bool
) -> None:
    """Show the gaps of FILE against a profile, and the verdict with reasons.

    FILE is a .csv, .json or the .xlsx template. One person, or each person when the file has a
    person column. A CSV or JSON file needs --profile and --context; the template records both.
    The profile is one of APM's or a profile file (no database needed), or a stored profile's
    slug. The verdict does not change the exit code: 0 whenever the analysis ran.
    """
    from competence.services.analysis import analyse_file_streamed

    if session.user is None:
        analysis = analyse_file_streamed(file, profile_id, context)
    else:
        from competence.services.analysis import analyse_stored

        analysis = analyse_stored(file, profile_id, context)
    if as_json and analysis.file.several:
        from competence.formats.json_stream import write_list

        write_list((v.as_dict() for v in analysis.verdicts), sys.stdout)
        return
    if as_json:
        emit_json(analysis.as_data())
        return
    if analysis.file.several or not sys.stdout.isatty():
        from competence.formats.verdict_text import write_plain

        write_plain(analysis.verdicts, sys.stdout)
        return
    for verdict in analysis.verdicts:
        _print_verdict(verdict)


def _print_verdict(v: Verdict) -> None:
    """One person's verdict on a terminal: the rows and lines of the plain text, in colour."""
    from competence.domain.analysis import GAP, MET, TOP_UP
    from competence.formats import verdict_text

    table = Table(title=Text(verdict_text.title(v)), title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    for axis in verdict_text.axes_of(v):
        table.add_column(axis.capitalize(), justify="center")
    table.add_column("Result")
    for r in verdict_text.result_rows(v):
        if r.label is None:
            table.add_row(r.number, r.name, *r.cells, r.result, style="dim")
        else:
            style = {MET: "green", TOP_UP: "yellow", GAP: "red"}[r.label]
            table.add_row(r.number, r.name, *r.cells, Text(r.result, style=style))
    out.print(table)
    out.print(verdict_text.KEY, style="dim")
    style = "bold green" if v.meets_profile else "bold red"
    out.print(Text(verdict_text.headline(v), style=style))
    for reason in v.reasons[1:]:
        out.print(f"  • {reason}")
    if (line := verdict_text.closest(v)) is not None:
        out.print(line)


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
@needs(_stored_profile_rule("profile_id"))
def template(session: Session, out_file: Path, profile_id: str, context: str | None) -> None:
    """Write the self-assessment workbook to fill in and give to `competence gap`.

    With --context it lists the competences that apply there; without, every competence of the
    profile's framework and where each applies. The profile is one of APM's, a profile file, or
    a stored profile's slug (give `gap` the same --profile).
    """
    from competence.api import write_template

    if out_file.suffix.lower() != ".xlsx":
        raise InputError(f"--out: {out_file}: the template is a workbook; name it *.xlsx")
    if session.user is None:
        with writing(out_file, "--out"):
            rows = write_template(out_file, profile_id, context)
    else:
        from competence.formats.template import write_template as write
        from competence.services import profiles

        catalogue, chosen = profiles.resolve(profile_id)
        with writing(out_file, "--out"):
            rows = write(catalogue, chosen or profile_id, context, out_file)
    click.echo(f"Wrote {out_file} ({rows} competences to rate).", err=True)


# -- the database ------------------------------------------------------------------------------


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


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


@cli.group()
def db() -> None:
    """Manage the database (COMPETENCE_DATABASE_URL, default: a SQLite file)."""


@db.command("upgrade")
@needs("admin", tables=False)
def db_upgrade(session: Session) -> None:
    """Create or upgrade the database tables; running it again changes nothing."""
    from competence.services import database

    version = database.upgrade()
    click.echo(f"Database {database.name()} is up to date (framework {version}).", err=True)


KINDS = click.Choice(workflow.KINDS)


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
    type=KINDS,
    help="Kind of assessment the ratings form (default: the file's kind column, else self).",
)
@json_option
@needs("admin")
def import_(
    session: Session,
    file: Path,
    dry_run: bool,
    cycle: str | None,
    kind: str | None,
    as_json: bool,
) -> None:
    """Import a people file, a ratings file or a JSON export (the header tells which).

    All or nothing: one bad row anywhere and nothing is written; every bad row is listed.
    """
    from competence.services.imports import import_file

    with session.acting(), ProgressBar() as progress:
        report = import_file(file, cycle=cycle, kind=kind, dry_run=dry_run, progress=progress)
    if as_json:
        emit_json(report.as_dict())
        return
    done = "Checked (dry run, nothing written)" if dry_run else "Imported"
    out.print(f"{done} {report.kind} file {file}: {_counts(report.counts)}.")


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
@needs("admin")
def export(
    session: Session, fmt: str, team: str | None, history: bool, out_file: Path | None
) -> None:
    """Export people and their assessments."""
    from competence.services.export import export_to

    count, what = export_to(fmt, team, history, out_file)
    if out_file is not None:
        click.echo(f"Wrote {out_file} ({count} {what}).", err=True)


@cli.command("audit")
@click.option("--person", help="Only entries about this person (email or employee id).")
@click.option("--actor", help="Only changes made by this actor (a user name, or cli:LOGIN).")
@click.option("--action", help="Only this action (create, update, delete, import, erase, ...).")
@click.option("--model", help="Only changes to this kind of record (Person, Rating, User, ...).")
@click.option("--since", help="From this day, YYYY-MM-DD.")
@click.option("--until", help="To this day (included), YYYY-MM-DD.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="The most recent N entries.",
)
@json_option
@needs("audit.view")
def audit_(
    session: Session,
    person: str | None,
    actor: str | None,
    action: str | None,
    model: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List the audit trail: who changed what, when, old and new values (a PMO lead: the
    entries about the people they may see)."""
    from competence.services import audit_log

    filters = audit_log.parse_filters(
        {
            "person": person,
            "actor": actor,
            "action": action,
            "model": model,
            "since": since,
            "until": until,
        }
    )
    data = audit_log.recent(session.user, filters, limit)
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
@needs("person.view", subject="person")
def history(session: Session, person: str, as_json: bool) -> None:
    """Show a PERSON's assessments in order and the trend per competence.

    PERSON is an email or an employee id.
    """
    from competence.services.records import history as person_history

    data = person_history(session.subject)
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
        axes = data["axes"]
        trend = Table(title=f"Trend ({'/'.join(axes)} per cycle)", title_justify="left")
        trend.add_column("Competence")
        cycles = [p["cycle"] for p in data["trend"][0]["points"]]
        for c in cycles:
            trend.add_column(c, justify="center")
        for t in data["trend"]:
            trend.add_row(
                t["slug"],
                *(
                    "/".join("-" if p[axis] is None else str(p[axis]) for axis in axes)
                    for p in t["points"]
                ),
            )
        out.print(trend)


@cli.command()
@out_option("The backup file to write (gzip-compressed JSON).")
@needs("admin")
def backup(session: Session, out_file: Path) -> None:
    """Write a consistent, compressed snapshot of everything, audit trail included."""
    from competence.services.backup import write_backup

    counts = write_backup(out_file)
    click.echo(f"Wrote {out_file}: {_counts(counts)}.", err=True)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@needs("admin")
def restore(session: Session, file: Path) -> None:
    """Restore a backup FILE into an empty database (SQLite or PostgreSQL)."""
    from competence.services.backup import restore as restore_backup

    with session.acting():
        counts = restore_backup(file)
    click.echo(f"Restored {file}: {_counts(counts)}.", err=True)


@framework.command("list")
@json_option
@needs("signed-in")
def framework_list(session: Session, as_json: bool) -> None:
    """List every framework to assess against, APM's and each imported one, with its items.

    A profile over an imported framework names it by its id (`framework: ID` in the profile
    file) and its competences by the numbers shown here.
    """
    from competence.services.frameworks import listing

    data = listing()
    if as_json:
        emit_json(data)
        return
    for fw in data:
        table = Table(
            title=f"{fw['title']} ({fw['id']}; rated on {' and '.join(fw['axes'])}; "
            f"levels {', '.join(str(lv['level']) for lv in fw['levels'])})",
            title_justify="left",
        )
        table.add_column("No.", justify="right")
        table.add_column("Competence")
        for c in fw["competences"]:
            table.add_row(str(c["number"]), c["name"])
        out.print(table)


@framework.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["case", "moodle"]),
    required=True,
    help="case: a CASE 1.1 package (JSON); moodle: Moodle's competency framework CSV.",
)
@out_option("The file to write.")
@click.option(
    "--profile",
    "-p",
    "profile_id",
    help="Export this profile's framework with it: a stored profile's slug or a profile file.",
)
@needs(_stored_profile_rule("profile_id"))
def framework_export(session: Session, fmt: str, out_file: Path, profile_id: str | None) -> None:
    """Export the framework and its profiles for other systems.

    Without --profile, APM's framework and profiles. With it, the framework the profile is over
    (APM's or an imported one), with its profiles and that one.
    """
    from competence.services.catalogue import export_framework, resolve

    if session.user is None:
        catalogue, _ = resolve(profile_id)
    else:
        from competence.services import profiles

        catalogue, _ = profiles.resolve(profile_id)
    with writing(out_file, "--out"):
        what = export_framework(fmt, out_file, catalogue)
    click.echo(f"Wrote {out_file} ({what}).", err=True)


@framework.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@needs("admin")
def framework_import(session: Session, file: Path, as_json: bool) -> None:
    """Import a CASE 1.1 package (JSON) as an additional framework, and say what was skipped."""
    from competence.services.frameworks import import_case_framework

    with session.acting():
        data = import_case_framework(file)
    if as_json:
        emit_json(data)
        return
    out.print(
        f"Imported {data['title']!r} as framework {data['framework']} "
        f"{data['version']}: {data['items']} items."
    )
    if data["skipped"]:
        out.print(f"Skipped {len(data['skipped'])}:")
        for line in data["skipped"]:
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
    help="Serve a synthetic PMO from a separate demo database, made anew at each start (a copy "
    "of one built once per version of the product and day).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per core). Where gunicorn cannot run (Windows), one.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    help="Threads in each worker process (default 1: a request has the process to itself and is "
    "bounded by the worker timeout; 8 where one process serves).",
)
@click.option(
    "--trusted-proxy",
    metavar="ADDRESS",
    help="The reverse proxy's address: trust its X-Forwarded-Proto/-For/-Host headers.",
)
@file_only
def serve(
    host: str,
    port: int,
    demo: bool,
    workers: int | None,
    threads: int | None,
    trusted_proxy: str | None,
) -> None:
    """Run the web app under a production server, after upgrading the database: gunicorn with
    several worker processes, or waitress where gunicorn cannot run (Windows).

    The web app asks the access policy for every page; --as does not apply here. Jobs (large
    imports, reports for everyone) need `competence worker` running beside it; with --demo, one
    worker runs in this process.
    """
    from competence.services.deploy import check_server_secret
    from competence.web import server

    check_server_secret(demo)
    if demo:
        from competence.services.demo_start import ready_demo

        summary, _ = ready_demo(server.use_demo_database(), progress=err.print)
        err.print(
            f"Demo data: {summary.people} people in {summary.teams} teams, "
            f"{summary.cycles} cycles, {summary.assessments} assessments."
        )
        err.print(f"Demo sign-ins (password {summary.password!r}):")
        for username, role in summary.sign_ins:
            err.print(f"  {username:<22} {role}")
        from competence.services import database

        database.ready(need_tables=False)  # a copy of the kept demo: its tables are this version's
        from competence.services.jobs import in_thread

        in_thread()  # the demo's one worker, in this process: no `competence worker` needed
        err.print("A worker runs the demo's jobs in this process.")
    else:
        from competence.services import database

        database.upgrade()

    def announce(address: str) -> None:
        if address:
            click.echo(f"competence is running at {address} (Ctrl-C to stop)", err=True)
        else:
            click.echo("Stopped.", err=True)

    server.run(host, port, workers or server.default_workers(), threads, trusted_proxy, announce)


@cli.command()
@click.option(
    "--burst",
    "--once",
    "burst",
    is_flag=True,
    help="Run the jobs waiting now, then stop (for a cron line or a test).",
)
@click.option(
    "--queue",
    default="default",
    show_default=True,
    metavar="NAME",
    help="The queue whose jobs to run.",
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Jobs run at the same time, each in a thread (on SQLite, keep 1: it has one writer).",
)
@click.option(
    "--no-schedule",
    is_flag=True,
    help="Do not enqueue the scheduled jobs (for a site that runs remind and retention by cron).",
)
@needs("admin")
def worker(session: Session, burst: bool, queue: str, concurrency: int, no_schedule: bool) -> None:
    """Run the jobs the web app queues: large imports, every person's PDF reports, large
    teams' reports, and the scheduled reminders (weekly) and retention (daily).

    Jobs wait in the database, so they survive a restart of the web app. A job left running by
    a worker that was stopped is marked failed when a worker starts (an import is all or
    nothing: none of it was written). Run as many workers as you like: each job runs once, and
    the schedule enqueues its jobs once per period. Stops on Ctrl-C or SIGTERM after the job in
    hand.
    """
    import signal
    import threading

    from competence.services import jobs

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if not burst:
        click.echo(f"Worker {jobs.worker_name()} on queue {queue!r} (Ctrl-C to stop).", err=True)
    count = jobs.work(
        queue=queue,
        burst=burst,
        concurrency=concurrency,
        schedule=not no_schedule,
        stop=stop,
        announce=lambda line: click.echo(line, err=True),
    )
    click.echo(f"{count} job{'s' if count != 1 else ''} run.", err=True)


@cli.group("jobs")
def jobs_() -> None:
    """The jobs you started (every job, for an admin or the operator)."""


@jobs_.command("list")
@json_option
@needs("signed-in")
def jobs_list(session: Session, as_json: bool) -> None:
    """List the latest 100 jobs you may see, newest first."""
    from competence.services import jobs

    data = jobs.listed(session.user)
    if as_json:
        emit_json(data)
        return
    for j in data:
        out.print(f"{j['id']:>6}  {j['status']:<8} {j['title']}  ({j['progress_words']})")
    click.echo(f"{len(data)} jobs.", err=True)


@jobs_.command("show")
@click.argument("job_id", metavar="JOB", type=int)
@json_option
@needs("signed-in")
def jobs_show(session: Session, job_id: int, as_json: bool) -> None:
    """Show JOB (its number): its status, progress and result, or its problems."""
    from competence.services import jobs

    data = jobs.shown(session.user, job_id)
    if as_json:
        emit_json(data)
        return
    out.print(
        f"Job {data['id']}: {data['title']}: {data['status_words']}. {data['progress_words']}"
    )
    if data["result"] is not None:
        out.print(json.dumps(data["result"], ensure_ascii=False))
    for p in data["problems"]:
        out.print(f"  • {p}")
    if data["more"]:
        out.print(f"  {data['more']}")


@cli.command()
@click.option(
    "--deploy",
    is_flag=True,
    help="Also run Django's deployment checks (HTTPS, cookies, HSTS, the secret key, debug).",
)
@file_only  # reads the settings made from the environment: no table, no one's data
def check(deploy: bool) -> None:
    """Check the configuration from the COMPETENCE_* variables with Django's system checks.

    Prints each warning and error with its id; exits with 2 when there is any, 0 when there is
    none. Run it with --deploy, with the production environment, before starting the server.
    """
    from competence.services.deploy import check as run_checks

    findings = run_checks(deploy)
    for f in findings:
        out.print(f"{f.id} ({f.level}): {f.message}" + (f" Hint: {f.hint}" if f.hint else ""))
    if findings:
        raise InputError(
            f"{len(findings)} problem{'s' if len(findings) > 1 else ''} found: see the settings "
            "in docs/admin.md, Deployment"
        )
    click.echo("No problems found.", err=True)


@cli.group()
def user() -> None:
    """Manage the users who sign in, and their roles."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
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
@needs("admin")
def user_create(
    session: Session,
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
    from competence.services.accounts import create_user

    with session.acting():
        create_user(username, role=role, email=email, password=password, person=person)
    click.echo(f"Created {username} ({role}).", err=True)


@user.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@needs("admin")
def user_set_role(session: Session, username: str, role: str) -> None:
    """Give USERNAME the ROLE (member, assessor, pmo-lead or admin)."""
    from competence.services.accounts import find_user, set_role

    with session.acting():
        set_role(find_user(username), role)
    click.echo(f"{username} is now {role}.", err=True)


@user.command("list")
@click.option("--search", default="", help="Only users whose name or email contains this.")
@click.option("--role", type=click.Choice(ROLES), help="Only users with this role.")
@click.option(
    "--active/--deactivated", default=None, help="Only active, or only deactivated, users."
)
@json_option
@needs("admin")
def user_list(
    session: Session, search: str, role: str | None, active: bool | None, as_json: bool
) -> None:
    """List the users, their roles and the person each is linked to."""
    from competence.services.accounts import users

    data = users(search, role, active)
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("User", "Email", "Role", "Person", "Status"):
        table.add_column(name)
    for u in data:
        status = "active" if u["active"] else "deactivated"
        if u["active"] and not u["has_password"]:
            status += ", invited"
        table.add_row(u["username"], u["email"], u["role"], u["person"] or "", status)
    out.print(table)


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
@needs("admin")
def token_create(session: Session, username: str, name: str, scope: str) -> None:
    """Create an API token for USERNAME; it is shown once, and stored only hashed."""
    from competence.services.accounts import create_token, find_user

    with session.acting():
        made, secret = create_token(find_user(username), name, scope)
    click.echo(
        f"Token {made.pk} for {username} ({scope}); keep it secret, it is shown once:", err=True
    )
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
@needs("admin")
def token_revoke(session: Session, token_id: int) -> None:
    """Revoke the token TOKEN_ID: it stops working at once."""
    from competence.services.accounts import revoke_token

    with session.acting():
        revoked = revoke_token(token_id)
    click.echo(f"Token {revoked.pk} ({revoked.name}) is revoked.", err=True)


@token.command("list")
@json_option
@needs("admin")
def token_list(session: Session, as_json: bool) -> None:
    """List the API tokens (never their secrets)."""
    from competence.services.accounts import tokens

    data = tokens()
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
def webhooks() -> None:
    """Manage webhooks: addresses told of events, with a signed POST (see docs/admin.md)."""


@webhooks.command("list")
@json_option
@needs("admin")
def webhooks_list(session: Session, as_json: bool) -> None:
    """List the webhooks and the events each is told of (never their secrets)."""
    from competence.services import webhooks as service

    data = service.listing()
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Id", "Address", "Events", "Active"):
        table.add_column(name)
    for w in data:
        table.add_row(
            str(w["id"]), w["url"], ", ".join(w["events"]), "yes" if w["active"] else "no"
        )
    out.print(table)


@webhooks.command("add")
@click.argument("url")
@click.option(
    "--event",
    "events",
    multiple=True,
    required=True,
    type=click.Choice(list(WEBHOOK_EVENTS)),
    help="An event to send (repeat for more).",
)
@needs("admin")
def webhooks_add(session: Session, url: str, events: tuple[str, ...]) -> None:
    """Send the events to URL (http or https); prints the webhook's secret, which signs them."""
    from competence.services import webhooks as service

    with session.acting():
        made = service.add(url, events)
    click.echo(f"Webhook {made.pk} to {made.url}; its secret, to check signatures:", err=True)
    click.echo(made.secret)


@webhooks.command("remove")
@click.argument("webhook_id", type=int)
@needs("admin")
def webhooks_remove(session: Session, webhook_id: int) -> None:
    """Remove the webhook WEBHOOK_ID and its delivery log."""
    from competence.services import webhooks as service

    with session.acting():
        gone = service.remove(webhook_id)
    click.echo(f"Webhook {gone.pk} to {gone.url} is removed.", err=True)


@cli.group()
def raters() -> None:
    """A second view (optional 360): ask other raters (a peer, a project manager) for their view
    of a person. Their ratings go to the person's reviewer, never into a verdict."""


@raters.command("invite")
@click.argument("person")
@click.argument("rater")
@click.option(
    "--relation",
    type=click.Choice(list(SECOND_VIEW_RELATIONS)),
    default="peer",
    show_default=True,
    help="How the rater knows the person.",
)
@click.option("--cycle", help="The cycle (default: the one open today).")
@needs("second-view.invite", subject="person")
def raters_invite(
    session: Session, person: str, rater: str, relation: str, cycle: str | None
) -> None:
    """Ask RATER (a user name or email) for their view of PERSON (an email or an employee id);
    the rater is told by email."""
    from competence.services import second_views

    with session.acting():
        made = second_views.invite(session.subject, rater, relation, cycle)
    click.echo(
        f"{made.rater.get_username()} is asked for their view of {made.person.name} "
        f"(second view {made.pk}, cycle {made.cycle.name}).",
        err=True,
    )


@raters.command("list")
@click.argument("person")
@click.option("--cycle", help="The cycle (default: the one open today).")
@json_option
@needs("second-view.invite", subject="person")
def raters_list(session: Session, person: str, cycle: str | None, as_json: bool) -> None:
    """List the raters invited for PERSON in a cycle, and whether each has given a view."""
    from competence.services import records, second_views

    chosen = records.find_cycle(cycle) if cycle else records.current_cycle()
    data = [second_views.data(v) for v in second_views.invited(session.subject, chosen)]
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Id", "Rater", "Relation", "Status", "Invited"):
        table.add_column(name)
    for v in data:
        table.add_row(str(v["id"]), v["rater"], v["relation"], v["status"], v["invited_at"][:10])
    out.print(table)


@raters.command("views")
@click.argument("person")
@click.option("--cycle", help="The cycle (default: the one open today).")
@json_option
@needs("second-view.see", subject="person")
def raters_views(session: Session, person: str, cycle: str | None, as_json: bool) -> None:
    """Show the views other raters gave of PERSON, as their reviewer sees them: named only once
    3 or more were given."""
    from competence.domain.framework import AXES
    from competence.services import records, second_views

    chosen = records.find_cycle(cycle) if cycle else records.current_cycle()
    data = second_views.shown_data(session.user, session.subject, chosen)
    if as_json:
        emit_json(data)
        return
    if not data["views"]:
        click.echo("No other rater has given a view.", err=True)
        return
    table = Table(title=f"Other views (cycle {data['cycle']}; not counted in any verdict)")
    table.add_column("Competence")
    for v in data["views"]:
        table.add_column(v["rater"], justify="center")
    numbers = sorted({r["competence"] for v in data["views"] for r in v["ratings"]})
    for n in numbers:
        cells = []
        for v in data["views"]:
            found = next((r for r in v["ratings"] if r["competence"] == n), None)
            cells.append(
                "-"
                if found is None
                else "/".join("-" if found[a] is None else str(found[a]) for a in AXES)
            )
        table.add_row(str(n), *cells)
    out.print(table)


@raters.command("remove")
@click.argument("view_id", type=int)
@needs("second-view.invite")
def raters_remove(session: Session, view_id: int) -> None:
    """Withdraw the invitation VIEW_ID, or remove the view given (its ratings go with it)."""
    from competence.services import second_views

    with session.acting():
        gone = second_views.remove(view_id)
    click.echo(f"{gone.rater.get_username()} is no longer asked (second view {gone.pk}).", err=True)


@webhooks.command("deliver")
@json_option
@needs("admin")
def webhooks_deliver(session: Session, as_json: bool) -> None:
    """Send the deliveries that are due (retries after a failure); run it from cron every few
    minutes. Sends at most 1,000 for at most 4 minutes a run; also removes delivery log entries
    older than 90 days."""
    from competence.services import webhooks as service

    counts = service.deliver_due()
    if as_json:
        emit_json(counts)
        return
    click.echo(
        f"Sent {counts['sent']}: {counts['delivered']} delivered, {counts['waiting']} to try "
        f"again, {counts['failed']} failed; {counts['left']} left for the next run; "
        f"{counts['removed']} old log entries removed.",
        err=True,
    )


@cli.group()
def cycle() -> None:
    """Manage assessment cycles."""


@cycle.command("create")
@click.argument("name")
@click.option(
    "--opens", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day, YYYY-MM-DD."
)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@needs("admin")
def cycle_create(session: Session, name: str, opens: Any, closes: Any) -> None:
    """Open a new assessment cycle NAME."""
    from competence.services.records import create_cycle

    with session.acting():
        made = create_cycle(name, opens.date(), closes.date() if closes else None)
    click.echo(f"Cycle {made.name} opens {made.opens_on}.", err=True)


@cycle.command("update")
@click.argument("name")
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), help="New first day, YYYY-MM-DD.")
@click.option(
    "--closes",
    type=click.DateTime(["%Y-%m-%d"]),
    help="New due date (last day), YYYY-MM-DD; today or before closes the cycle.",
)
@needs("admin")
def cycle_update(session: Session, name: str, opens: Any, closes: Any) -> None:
    """Move cycle NAME's first day or due date (closing it, when the due date is past)."""
    from competence.services.records import KEEP, cycle_data, find_cycle, update_cycle

    with session.acting():
        cycle = update_cycle(
            find_cycle(name),
            opens_on=opens.date() if opens else None,
            closes_on=closes.date() if closes else KEEP,
        )
    data = cycle_data(cycle)
    click.echo(
        f"Cycle {cycle.name}: opens {data['opens_on']}, due {data['closes_on'] or 'never'}, "
        f"{data['status']}.",
        err=True,
    )


@cycle.command("list")
@json_option
@needs("signed-in")
def cycle_list(session: Session, as_json: bool) -> None:
    """List the assessment cycles."""
    from competence.services.records import cycles

    data = cycles()
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Cycle", "Opens", "Due date", "Status"):
        table.add_column(name)
    for c in data:
        table.add_row(c["name"], c["opens_on"], c["closes_on"] or "", c["status"])
    out.print(table)


@cli.group()
def assessment() -> None:
    """Move an assessment through its workflow: submit, withdraw, review, agree, sign off."""


def _step_rule(step: str) -> Callable[[dict[str, Any]], str]:
    """The policy rule of a workflow step: the workflow's table says who takes it."""

    def rule(options: dict[str, Any]) -> str:
        return step_rule(step, options["kind"])

    return rule


def _step(session: Session, step: str, person: str, cycle_name: str, kind: str) -> None:
    from competence.services.records import take_step

    with session.acting():
        done = take_step(step, session.subject, cycle_name, kind)
    click.echo(f"{person}, cycle {cycle_name}, {kind}: {done.status}.", err=True)


def kind_option(default: str) -> Callable[[FC], FC]:
    return click.option(
        "--kind", type=KINDS, default=default, show_default=True, help="Which of the assessments."
    )


CYCLE = click.option("--cycle", "cycle_name", required=True, help="The cycle's name.")


@assessment.command("submit")
@click.argument("person")
@CYCLE
@kind_option(workflow.Kind.SELF.value)
@needs(_step_rule("submit"), subject="person")
def assessment_submit(session: Session, person: str, cycle_name: str, kind: str) -> None:
    """Submit PERSON's draft assessment (email or employee id)."""
    _step(session, "submit", person, cycle_name, kind)


@assessment.command("withdraw")
@click.argument("person")
@CYCLE
@kind_option(workflow.Kind.SELF.value)
@needs(_step_rule("withdraw"), subject="person")
def assessment_withdraw(session: Session, person: str, cycle_name: str, kind: str) -> None:
    """Withdraw PERSON's submitted self-assessment (a draft again), until the assessor starts
    the review; the assessor is told."""
    _step(session, "withdraw", person, cycle_name, kind)


@assessment.command("review")
@click.argument("person")
@CYCLE
@kind_option(workflow.Kind.SELF.value)
@click.option(
    "--accept",
    "accepted",
    multiple=True,
    metavar="COMPETENCE",
    help="With --kind assessor: accept the assessor's rating of this competence (a number or "
    "slug; repeat it). The ratings not answered are accepted, except where they differ from "
    "PERSON's own.",
)
@click.option(
    "--reply",
    "replies",
    multiple=True,
    nargs=2,
    metavar="COMPETENCE TEXT",
    help="With --kind assessor: reply on the assessor's rating of this competence (repeat it).",
)
@needs(_step_rule("review"), subject="person")
def assessment_review(
    session: Session,
    person: str,
    cycle_name: str,
    kind: str,
    accepted: tuple[str, ...],
    replies: tuple[tuple[str, str], ...],
) -> None:
    """Review PERSON's submitted assessment: the assessor reviews the self-assessment (the
    default); with --kind assessor, PERSON answers the assessor's ratings, accepting or
    replying per competence (the assessor is told)."""
    if kind != workflow.Kind.ASSESSOR:
        if accepted or replies:
            raise InputError(
                "--accept and --reply answer the assessor's ratings: add --kind assessor"
            )
        _step(session, "review", person, cycle_name, kind)
        return
    from competence.services.review import answer_by_name

    with session.acting():
        made = answer_by_name(session.subject, cycle_name, accepted, replies)
    said = sum(1 for r in made if not r.accepted)
    replied = f"{said} repl{'y' if said == 1 else 'ies'}"
    click.echo(
        f"{person}, cycle {cycle_name}, assessor: answered ({replied}, {len(made) - said} "
        "accepted).",
        err=True,
    )


@assessment.command("agree")
@click.argument("person")
@CYCLE
@needs(step_rule("agree", workflow.Kind.AGREED), subject="person")
def assessment_agree(session: Session, person: str, cycle_name: str) -> None:
    """Make PERSON's agreed assessment from the assessor's ratings (else their own)."""
    from competence.services.records import agree, find_cycle

    with session.acting():
        done = agree(session.subject, find_cycle(cycle_name))
    click.echo(f"{person}, cycle {cycle_name}, agreed: {done.status}.", err=True)


@assessment.command("sign-off")
@click.argument("person")
@CYCLE
@kind_option(workflow.Kind.AGREED.value)
@needs(_step_rule("sign-off"), subject="person")
def assessment_sign_off(session: Session, person: str, cycle_name: str, kind: str) -> None:
    """Sign off PERSON's reviewed assessment: it becomes read-only."""
    _step(session, "sign-off", person, cycle_name, kind)


@assessment.command("reopen")
@click.argument("person")
@CYCLE
@click.option("--reason", required=True, help="Why the signed-off cycle is reopened (audited).")
@needs("admin", subject="person")
def assessment_reopen(session: Session, person: str, cycle_name: str, reason: str) -> None:
    """Reopen PERSON's signed-off cycle so that it can change and be signed off again."""
    from competence.services.records import find_cycle, reopen

    with session.acting():
        count = reopen(session.subject, find_cycle(cycle_name), reason)
    click.echo(f"{person}, cycle {cycle_name}: reopened ({count} signed off before).", err=True)


@cli.command()
@click.option("--dry-run", is_flag=True, help="List who is due; send nothing.")
@json_option
@needs("admin")
def remind(session: Session, dry_run: bool, as_json: bool) -> None:
    """Email everyone whose self-assessment is due (cron-friendly).

    Due: the open cycle's self-assessment is not submitted, or there is no assessment, or the
    last one is older than COMPETENCE_REASSESS_MONTHS (default 12).
    """
    from competence.services.privacy import remind as send

    data = send(dry_run)
    if as_json:
        emit_json(data)
        return
    for d in data["due"]:
        out.print(f"{d['person']}: {d['why']}")
    click.echo(f"{len(data['due'])} due, {data['sent']} reminders sent.", err=True)


@cli.command()
@json_option
@needs("review.list")
def due(session: Session, as_json: bool) -> None:
    """List who is due or overdue among the people you may see, why and since when.

    Due again: the latest assessment is older than COMPETENCE_REASSESS_MONTHS (default 12), or
    there is none. Overdue: the latest cycle's due date has passed without the self-assessment
    submitted, or without the review sent. Overdue first.
    """
    from competence.services.freshness import due_list

    data = due_list(session.user)
    if as_json:
        emit_json(data)
        return
    for d in data:
        out.print(f"{d['person']}: {d['words']}")
    click.echo(f"{len(data)} due or overdue.", err=True)


@cli.group()
def person() -> None:
    """Personal data: a person's own copy, and erasing a person."""


@person.command("data")
@click.argument("key", metavar="PERSON")
@needs("person.own", subject="key")
def person_data(session: Session, key: str) -> None:
    """Print everything held about PERSON (email or employee id) as JSON."""
    from competence.services.privacy import personal_data

    emit_json(personal_data(session.subject))


@person.command("erase")
@click.argument("key", metavar="PERSON")
@click.option("--yes", is_flag=True, required=True, help="Confirm: this cannot be undone.")
@needs("admin")
def person_erase(session: Session, key: str, yes: bool) -> None:
    """Erase PERSON: their ratings, assessments and plan go; audit entries keep a pseudonym."""
    from competence.services.privacy import erase

    with session.acting():
        pseudonym = erase(key)
    click.echo(f"Erased {key}; the audit trail now calls them {pseudonym}.", err=True)


@cli.command()
@click.option("--dry-run", is_flag=True, help="List who would be erased; erase nothing.")
@needs("admin")
def retention(session: Session, dry_run: bool) -> None:
    """Erase the people who left more than COMPETENCE_RETENTION_MONTHS ago (cron-friendly)."""
    from competence.services.privacy import apply_retention

    with session.acting():
        data = apply_retention(dry_run)
    if data["months"] is None:
        click.echo("COMPETENCE_RETENTION_MONTHS is not set: nobody is erased.", err=True)
        return
    for gone in data["erased"]:
        out.print(f"{gone['person']}: left on {gone['left_on']}")
    click.echo(f"{len(data['erased'])} {'would be ' if dry_run else ''}erased.", err=True)


@cli.group()
def team() -> None:
    """Plan a team's capability, its calibration and its trend over cycles."""


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
@needs("team.individuals")
def team_plan(
    session: Session, team_path: str | None, requirements_file: Path, as_json: bool
) -> None:
    """Coverage, single points of failure, and the fewest levels raised to meet the requirements.

    Exact (an integer program). A requirement that cannot be met is said so plainly. With --as,
    the people are those the user may see by name, as on the web.
    """
    from competence.domain.words import levels as levels_count
    from competence.domain.words import people as people_count
    from competence.services.planning import read_requirements
    from competence.services.planning import team_plan as make_plan
    from competence.services.team_view import choose

    requirements = read_requirements(requirements_file)
    data = make_plan(choose(session.user, path=team_path), requirements, team_path)
    if as_json:
        emit_json(data)
        return
    out.print(f"{people_count(data['people'])}{' in ' + team_path if team_path else ''}.")
    if data["single_points_of_failure"]:
        out.print("Single points of failure (only one person meets the officer target):")
        for a in data["single_points_of_failure"]:
            out.print(f"  • {a['number']}. {a['competence']}: {a['name']} ({a['person']})")
    if data["uncovered"]:
        out.print("Uncovered (nobody meets the officer target):")
        for u in data["uncovered"]:
            out.print(f"  • {u['number']}. {u['competence']}")
    table = Table(
        title=f"Development steps: {levels_count(data['levels_raised'])} raised in all",
        title_justify="left",
    )
    for name in ("Person", "Competence", "Axis", "From", "To"):
        table.add_column(name)
    for step in data["steps"]:
        table.add_row(
            step["name"],
            f"{step['number']}. {step['competence']}",
            step["axis"],
            str(step["from"]),
            str(step["to"]),
        )
    out.print(table)
    for label, ranked in data["closest"].items():
        names = ", ".join(f"{r['name']} ({levels_count(r['levels_short'])} short)" for r in ranked)
        out.print(f"Closest for {label}: {names}")
    for problem in data["unmet"]:
        out.print(Text(f"Cannot be met: {problem}", style="bold red"))


@team.command("calibration")
@click.option(
    "--team",
    "team_path",
    help="The team (and its sub-teams); default: everyone. Only for those who see names.",
)
@click.option("--cycle", help="The cycle's name; default: the latest with results.")
@json_option
@needs("team.figures")
def team_calibration(
    session: Session, team_path: str | None, cycle: str | None, as_json: bool
) -> None:
    """How far self-ratings and agreed ratings differ and agree, per competence and axis.

    The mean of self − agreed, the quadratic-weighted kappa with its 95 % interval and n, and,
    for PMO leads and admins, each assessor's leniency against the team. Figures over fewer
    than COMPETENCE_MIN_GROUP_SIZE people are hidden, as on the web (docs/calibration.md).
    """
    from competence.services.calibration import figures
    from competence.services.team_view import choose

    data = figures(choose(session.user, path=team_path), cycle)
    if as_json:
        emit_json(data)
        return
    if data["cycle"] is None:
        out.print("No cycle has results.")
        return
    out.print(f"{data['label']}, cycle {data['cycle']}: {data['people_compared']} compared.")
    if data["notice"]:
        out.print(data["notice"])
    table = Table(title="Self against agreed", title_justify="left")
    for name in ("Competence", "Axis", "n", "Mean self − agreed", "Kappa"):
        table.add_column(name)
    for row in data["competences"]:
        table.add_row(
            f"{row['number']}. {row['name']}",
            row["axis"],
            str(row["n"]),
            row["hidden_reason"] or row["mean_difference_text"],
            row["kappa_text"],
        )
    out.print(table)
    if data["assessors"]:
        for a in data["assessors"]["assessors"]:
            out.print(f"  • {a['assessor']} ({a['people']} people): {a['text']}")


@team.command("trend")
@click.option(
    "--team",
    "team_path",
    help="The team (and its sub-teams); default: everyone. Only for those who see names.",
)
@click.option(
    "--cycle",
    "cycles",
    multiple=True,
    help="A cycle's name; give it up to 6 times. Default: the latest 6 with results.",
)
@click.option(
    "--compare",
    nargs=2,
    metavar="FROM TO",
    help="The two cycles to compare for who moved; default: the last two shown.",
)
@json_option
@needs("team.figures")
def team_trend(
    session: Session,
    team_path: str | None,
    cycles: tuple[str, ...],
    compare: tuple[str, str] | None,
    as_json: bool,
) -> None:
    """Capability over time: per cycle, the share meeting the officer target and at specialist
    level per competence and axis, and how many meet each profile; who moved up or down.

    Movers are named for PMO leads and admins only. A cycle with fewer than
    COMPETENCE_MIN_GROUP_SIZE people with a result is withheld from anyone else, as on the
    web (docs/web.md).
    """
    from competence.services.team_view import choose
    from competence.services.trends import figures

    data = figures(choose(session.user, path=team_path), list(cycles) or None, compare or None)
    if as_json:
        emit_json(data)
        return
    if not data["per_cycle"]:
        out.print("No cycle has results.")
        return
    if data["notice"]:
        out.print(data["notice"])
    table = Table(title=f"{data['label']}: people meeting each profile", title_justify="left")
    for name in ("Cycle", "With a result", "PMO officer", "PMO specialist"):
        table.add_column(name)
    for c in data["per_cycle"]:
        if c["hidden"]:
            table.add_row(c["cycle"], f"withheld: {c['hidden_reason']}", "", "")
        else:
            table.add_row(
                c["cycle"], str(c["people"]), str(c["meets_officer"]), str(c["meets_specialist"])
            )
    out.print(table)
    movers = data["movers"]
    if movers is None:
        return
    if movers["hidden"]:
        out.print(f"{movers['from']} to {movers['to']}: withheld: {movers['hidden_reason']}.")
        return
    out.print(
        f"{movers['from']} to {movers['to']}: {movers['up']} moved up, {movers['down']} down, "
        f"{movers['mixed']} mixed, of {movers['people']} with a result in both."
    )
    for m in movers["moves"] or []:
        out.print(f"  • {m['name']}: {m['direction']}")


@cli.command()
@click.argument("person")
@click.option(
    "--generate", is_flag=True, help="First add the next few steps for gaps not yet planned."
)
@click.option(
    "--toward-next",
    is_flag=True,
    help="With --generate: steps toward the next profile (a PMO officer's: the specialist's).",
)
@json_option
@needs(lambda o: "plan.edit" if o["generate"] else "person.view", subject="person")
def plan(session: Session, person: str, generate: bool, toward_next: bool, as_json: bool) -> None:
    """Show PERSON's development plan, with where they stand now on each step.

    --generate adds up to five steps from the gaps on PERSON's own profile, the largest first
    (due in 6 months), only on competences PERSON rates; --toward-next adds the next profile's
    instead (12 months). Each step has a kind of activity from data/apm/activities.yaml.
    """
    from competence.services import plans

    subject = session.subject
    if toward_next and not generate:
        raise InputError("--toward-next: give it with --generate")
    if generate:
        with session.acting():
            made = plans.generate(subject, toward_next=toward_next)
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


def _report_rule(options: dict[str, Any]) -> str:
    if options["person"] is not None:
        return "person.view"
    return "admin" if options["everyone"] else "team.individuals"


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
@click.option(
    "--cycle",
    help="With --team: the people's results in this cycle; default: each one's latest.",
)
@click.option(
    "--compare",
    nargs=2,
    metavar="FROM TO",
    help="With --team: the two cycles the trends compare; default: the last two.",
)
@out_option("The file to write (a folder with --all).")
@needs(_report_rule, subject="person")
def report(
    session: Session,
    person: str | None,
    team_path: str | None,
    everyone: bool,
    fmt: str,
    cycle: str | None,
    compare: tuple[str, str] | None,
    out_file: Path,
) -> None:
    """Reports: PERSON's (email or employee id), a --team's, or --all people's.

    A person's report holds the verdicts with reasons, a bar chart against the targets, the gap
    table, the specialist pathway, the plan, the history, the evidence, the sign-off and the
    framework's attribution, on numbered A4 pages. A team's is an XLSX workbook (a heatmap per
    axis of the people's framework: knowledge and application for APM's; coverage, gaps,
    calibration, trends over the latest cycles) or a PDF summary; with --as, of the people the
    user may see.
    """
    from competence.services import reports

    if sum((person is not None, team_path is not None, everyone)) != 1:
        raise InputError("give one of: PERSON, --team T or --all")
    if (cycle or compare) and team_path is None:
        raise InputError("--cycle, --compare: for a --team report")
    if person is not None:
        click.echo(f"Wrote {reports.person_report(session.subject, fmt, out_file)}.", err=True)
        return
    if everyone:
        if fmt != "pdf":
            raise InputError("--format: --all writes PDF reports")
        with ProgressBar() as progress:
            count = reports.everyone(out_file, progress)
        click.echo(f"Wrote {count} reports into {out_file}.", err=True)
        return
    from competence.services.team_view import choose

    chosen = choose(session.user, path=team_path or None)
    count = reports.team_report(chosen, fmt, out_file, cycle, compare or None)
    click.echo(f"Wrote {out_file} ({count} people).", err=True)


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
