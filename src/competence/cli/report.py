"""`competence plan` and `competence report`: a person's plan, and the reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from competence.cli.common import (
    ProgressBar,
    Session,
    Table,
    emit_json,
    json_option,
    needs,
    out,
    out_option,
)
from competence.errors import InputError


@click.command()
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


@click.command()
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
