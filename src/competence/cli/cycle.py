"""`competence cycle ...`: the assessment cycles."""

from __future__ import annotations

from typing import Any

import click

from competence.cli.common import Session, Table, emit_json, json_option, needs, out


@click.group()
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
