"""`competence webhooks ...`: addresses told of events."""

from __future__ import annotations

import click

from competence.cli.common import Session, Table, emit_json, json_option, needs, out
from competence.domain.webhooks import EVENTS as WEBHOOK_EVENTS


@click.group()
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
