"""`competence raters ...`: other raters' views of a person (an optional 360)."""

from __future__ import annotations

import click

from competence.cli.common import Session, Table, emit_json, json_option, needs, out
from competence.domain.second_views import RELATIONS as SECOND_VIEW_RELATIONS


@click.group()
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
