"""Email notices of the review workflow, through Django's email backend
(``COMPETENCE_EMAIL_URL``; the console by default). A notice that cannot be sent is logged, and
never undoes the step that caused it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.mail import send_mail

from competence.domain.workflow import Kind
from competence.store.models import Assessment, Person

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


def _send(to: list[str], subject: str, body: str) -> int:
    to = [a for a in to if a]
    if not to or _quiet.get():
        return 0
    try:
        return send_mail(subject, body, None, to)
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
        f"{assessment.cycle.name}. You are their assessor: please review it in competence.",
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
        "change it. There is nothing to review until they submit it again.",
    )


def reviewed(assessment: Assessment) -> int:
    """A person's self-assessment was reviewed: they are told."""
    if assessment.kind != Kind.SELF:
        return 0
    person = assessment.person
    return _send(
        [person.email],
        "Your self-assessment was reviewed",
        f"Your self-assessment for cycle {assessment.cycle.name} was reviewed. "
        "Your assessor will agree the ratings with you.",
    )


def signed_off(assessment: Assessment) -> int:
    person = assessment.person
    return _send(
        [person.email, _assessor_email(person)],
        f"Assessment signed off: {person.name}, cycle {assessment.cycle.name}",
        f"The {assessment.kind} assessment of {person.name} for cycle {assessment.cycle.name} "
        "is signed off. It is now read-only; your results show it.",
    )


def reminder(person: Person, why: str) -> int:
    return _send(
        [person.email],
        "Time for your competence self-assessment",
        f"Hello {person.name},\n\n{why} Please sign in to competence and fill in your "
        "self-assessment.",
    )
