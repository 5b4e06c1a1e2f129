"""Email notices of the review workflow, through Django's email backend
(``COMPETENCE_EMAIL_URL``; the console by default). Every notice links to the page of its task,
at ``COMPETENCE_BASE_URL``. A notice that cannot be sent is logged, and never undoes the step that
caused it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from competence.domain.second_views import RELATIONS
from competence.domain.workflow import Kind
from competence.errors import InputError
from competence.store.models import Assessment, Person, SecondView

log = logging.getLogger(__name__)
_quiet: ContextVar[bool] = ContextVar("competence_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Send no notices (for the demo's made-up history)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def link(name: str, *args: object) -> str:
    """The full address of a page (a URL name of ``competence.web.urls``), for an email."""
    return settings.BASE_URL + reverse(name, args=args)


def _send(to: list[str], subject: str, body: str, task: str) -> int:
    """Send a notice; ``task`` is the full address of the page where its task is done."""
    to = [a for a in to if a]
    if not to or _quiet.get():
        return 0
    try:
        return send_mail(subject, f"{body}\n\n{task}\n", None, to)
    except OSError as exc:  # the mail server is down: the workflow goes on
        log.warning("could not send %r: %s", subject, exc)
        return 0


def _assessor_email(person: Person) -> str:
    assessor = person.assessor
    return assessor.email if assessor is not None else ""


def submitted(assessment: Assessment) -> int:
    """A person submitted their self-assessment: their assessor is told."""
    if assessment.kind != Kind.SELF:
        return 0
    person = assessment.person
    return _send(
        [_assessor_email(person)],
        f"{person.name} submitted a self-assessment",
        f"{person.name} submitted their self-assessment for cycle "
        f"{assessment.cycle.name}. You are their assessor: please review it here:",
        link("review", person.pk),
    )


def withdrawn(assessment: Assessment) -> int:
    """A person withdrew their submitted self-assessment: their assessor is told."""
    if assessment.kind != Kind.SELF:
        return 0
    person = assessment.person
    return _send(
        [_assessor_email(person)],
        f"{person.name} withdrew a self-assessment",
        f"{person.name} withdrew their self-assessment for cycle {assessment.cycle.name} to "
        "change it. There is nothing to review until they submit it again. Their review page:",
        link("review", person.pk),
    )


def reviewed(assessment: Assessment) -> int:
    """A person's self-assessment was reviewed: they are told, and asked to answer."""
    if assessment.kind != Kind.SELF:
        return 0
    person = assessment.person
    return _send(
        [person.email],
        "Your self-assessment was reviewed",
        f"Your self-assessment for cycle {assessment.cycle.name} was reviewed. "
        "Your results page in competence shows your assessor's ratings, where they differ from "
        "yours and their comments: accept each one or reply, and then your assessor agrees the "
        "ratings with you. Your results:",
        link("results", person.pk),
    )


def answered(assessment: Assessment, replies: int) -> int:
    """A person answered their assessor's ratings: the assessor is told, and how many replies
    there are to read."""
    person = assessment.person
    said = (
        f"replied on {replies} competence{'s' if replies != 1 else ''} and accepted the rest"
        if replies
        else "accepted every rating"
    )
    return _send(
        [_assessor_email(person)],
        f"{person.name} answered your review"
        + (f": {replies} repl{'ies' if replies != 1 else 'y'}" if replies else ""),
        f"{person.name} {said} of your review for cycle {assessment.cycle.name}. "
        "Read the answers on their review page, then agree the ratings:",
        link("review", person.pk),
    )


def signed_off(assessment: Assessment) -> int:
    person = assessment.person
    return _send(
        [person.email, _assessor_email(person)],
        f"Assessment signed off: {person.name}, cycle {assessment.cycle.name}",
        f"The {assessment.kind} assessment of {person.name} for cycle {assessment.cycle.name} "
        "is signed off. It is now read-only; the results show it:",
        link("results", person.pk),
    )


def reminder(person: Person, why: str) -> int:
    return _send(
        [person.email],
        "Time for your competence self-assessment",
        f"Hello {person.name},\n\n{why} Please sign in to competence and fill in your "
        "self-assessment here:",
        link("self_assessment"),
    )


def password_link(to: str, username: str, url: str, invited: bool) -> int:
    """A link to set a password: an invitation to a new user, or a reset an admin asked for.
    Sent even in :func:`quiet` (it is the only way in); the link itself is never logged."""
    if invited:
        subject = "You are invited to competence"
        body = (
            f"Hello,\n\nAn administrator has made you a competence account, user name "
            f"{username}. Choose your password here (the link works once):"
        )
    else:
        subject = "Set a new competence password"
        body = (
            f"Hello,\n\nAn administrator asked for a new password for your competence account, "
            f"user name {username}. Choose it here (the link works once):"
        )
    try:
        return send_mail(subject, f"{body}\n\n{url}\n", None, [to])
    except OSError as exc:
        log.warning("could not send %r: %s", subject, exc)
        raise InputError("email: the mail server did not take the message; try again") from exc


def view_asked(view: SecondView) -> int:
    """A rater is asked for their view of a person: they are told, with the page to give it."""
    person = view.person
    return _send(
        [view.rater.email],
        f"Your view of {person.name} is asked for, cycle {view.cycle.name}",
        f"You are asked to rate {person.name} on the competences of their profile (how you know "
        f"them: {RELATIONS.get(view.relation, view.relation).lower()}). Your ratings go to "
        "their assessor beside the self-assessment; they never decide a verdict, and your name "
        "is not shown while fewer than three raters have given a view.",
        link("second_view", view.pk),
    )
