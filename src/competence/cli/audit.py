"""`competence audit` and `competence history`: the audit trail and a person's assessments."""

from __future__ import annotations

import click

from competence.cli.common import Session, Table, emit_json, json_option, needs, out


@click.command("audit")
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


@click.command()
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
