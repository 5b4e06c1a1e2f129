"""`competence remind`, `due`, `person ...` and `retention`: who is due, and personal data."""

from __future__ import annotations

import click

from competence.cli.common import Session, emit_json, json_option, needs, out


@click.command()
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


@click.command()
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


@click.group()
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


@click.command()
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
