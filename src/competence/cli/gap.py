"""`competence gap`: a file's gaps against a profile, and the verdict with reasons."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from competence.cli.common import (
    Session,
    Table,
    Text,
    context_option,
    emit_json,
    json_option,
    needs,
    out,
    stored_profile_rule,
)

if TYPE_CHECKING:
    from competence.domain.analysis import Verdict


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--profile", "-p", "profile_id", help="Profile to assess against (default: the workbook's)."
)
@context_option
@json_option
@needs(stored_profile_rule("profile_id", recorded=True))
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
