"""`competence assessment ...`: an assessment's workflow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from competence.cli.common import FC, Session, needs
from competence.domain import workflow
from competence.errors import InputError
from competence.services.steps import step_rule

KINDS = click.Choice(workflow.KINDS)
"""The kinds of assessment, for a --kind option (the import's too)."""


@click.group()
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
