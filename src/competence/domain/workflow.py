"""The assessment workflow: kinds, statuses, which assessment counts, and the steps between
statuses with who may take each.

A person's cycle holds up to three assessments: their own (``self``), their assessor's
(``assessor``) and the ``agreed`` one. Drafts are nobody's result yet; of the rest, the agreed
assessment counts before the assessor's, and the assessor's before the self-assessment; a later
cycle counts before an earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from competence.domain.errors import WorkflowError


class Kind(StrEnum):
    SELF = "self"
    ASSESSOR = "assessor"
    AGREED = "agreed"


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    SIGNED_OFF = "signed-off"


KINDS: tuple[str, ...] = tuple(k.value for k in Kind)
STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
COUNTING_ORDER: tuple[Kind, ...] = (Kind.AGREED, Kind.ASSESSOR, Kind.SELF)
"""Within a cycle, the first of these kinds that is not a draft counts."""

# Who takes a step: the person assessed, or their reviewer (their assessor, or an admin).
PERSON, REVIEWER = "person", "reviewer"


def counts(status: str) -> bool:
    """Whether an assessment in this status can be a result: drafts never are."""
    return status != Status.DRAFT


COUNTED: tuple[str, ...] = tuple(s for s in STATUSES if counts(s))
"""The statuses of assessments that can be a result (for a query's ``status__in``)."""


def editable(status: str) -> bool:
    """Only a draft takes new ratings."""
    return status == Status.DRAFT


def locked(status: str) -> bool:
    return status == Status.SIGNED_OFF


def cycle_locked(statuses: Iterable[str]) -> bool:
    """A person's cycle is read-only once any of its assessments is signed off: the
    self-assessment, the assessor's ratings, comments and the agreed assessment alike, until an
    admin reopens it."""
    return any(locked(s) for s in statuses)


LOCKED_MESSAGE = "signed off and read-only; an admin can reopen it, with a reason"


CycleKey = tuple[dt.date, str]
"""(the day the cycle opens, its name): later cycles sort after earlier ones."""
T = TypeVar("T")


def counting_rank(cycle: CycleKey, kind: str) -> tuple[dt.date, str, int]:
    """Sorts assessments so that the one that counts comes last."""
    return (cycle[0], cycle[1], -COUNTING_ORDER.index(Kind(kind)))


def counting(assessments: Iterable[T], facts: Callable[[T], tuple[CycleKey, str, str]]) -> T | None:
    """The assessment that counts, of those given; ``facts(a)`` is (cycle key, kind, status).

    None when every one is a draft (or there is none).
    """
    best: T | None = None
    best_rank: tuple[dt.date, str, int] | None = None
    for a in assessments:
        cycle, kind, status = facts(a)
        if not counts(status):
            continue
        rank = counting_rank(cycle, kind)
        if best_rank is None or rank > best_rank:
            best, best_rank = a, rank
    return best


def counting_per_cycle(
    assessments: Iterable[T], facts: Callable[[T], tuple[CycleKey, str, str]]
) -> list[T]:
    """The assessment that counts in each cycle that has one, earliest cycle first."""
    by_cycle: dict[CycleKey, list[T]] = {}
    for a in assessments:
        by_cycle.setdefault(facts(a)[0], []).append(a)
    chosen = (counting(items, facts) for _, items in sorted(by_cycle.items()))
    return [a for a in chosen if a is not None]


@dataclass(frozen=True)
class Step:
    """A workflow step: from which statuses, to which status, and who may take it."""

    name: str
    verb: str
    before: tuple[Status, ...]
    after: Status
    kinds: tuple[Kind, ...]
    by: Callable[[str], str]
    """Given the assessment's kind, who takes the step: PERSON or REVIEWER."""
    before_review: bool = False
    """Only until the review has started (see :func:`review_started`)."""


def _submitter(kind: str) -> str:
    return PERSON if kind == Kind.SELF else REVIEWER


def _reviewer(kind: str) -> str:
    return REVIEWER


def _other_side(kind: str) -> str:
    """A review is two-way: the reviewer reviews the self-assessment, and the person reviews
    the assessor's ratings (accepting or replying per competence)."""
    return PERSON if kind == Kind.ASSESSOR else REVIEWER


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("submit", "submit", (Status.DRAFT,), Status.SUBMITTED, tuple(Kind), _submitter),
        Step(
            "review",
            "review",
            (Status.SUBMITTED,),
            Status.REVIEWED,
            (Kind.SELF, Kind.ASSESSOR),
            _other_side,
        ),
        Step("sign-off", "sign off", (Status.REVIEWED,), Status.SIGNED_OFF, tuple(Kind), _reviewer),
        Step(
            "withdraw",
            "withdraw",
            (Status.SUBMITTED,),
            Status.DRAFT,
            (Kind.SELF,),
            _submitter,
            before_review=True,
        ),
    )
}
"""The transitions of an assessment's status. The review runs both ways: the reviewer submits
their own ratings (``submit`` of the ``assessor`` kind: the person sees them from then on) and
reviews the self-assessment; the person then reviews the assessor's ratings, accepting or replying
per competence (``review`` of the ``assessor`` kind). Agreeing makes (or updates) the agreed
assessment, which starts ``reviewed``; it is the reviewer's act (see :data:`AGREE_BY`), once the
person has answered (:func:`agree_blocked`). Signing off one assessment signs off the whole
cycle: every one of its assessments is then ``signed-off``, as it is read-only
(:func:`cycle_locked`)."""

AGREE_BY = REVIEWER


def agree_blocked(assessor_status: str | None) -> str | None:
    """Why the ratings cannot be agreed yet, given the status of the assessor's ratings (None:
    there are none, and the agreement rests on the self-assessment); None when they can be."""
    if assessor_status == Status.DRAFT:
        return "the assessor's ratings are not sent to the person yet"
    if assessor_status == Status.SUBMITTED:
        return "the person has not answered the assessor's ratings yet"
    return None


def shared(status: str | None) -> bool:
    """The assessor's ratings are the person's to see once they are sent (no longer a draft)."""
    return status is not None and status != Status.DRAFT


def review_started(kinds: Iterable[str]) -> bool:
    """Whether the review of a person's cycle has started, given the kinds of the cycle's
    assessments: the assessor has saved ratings or comments (so there is an assessor's
    assessment), or an agreed one exists."""
    return any(k in (Kind.ASSESSOR, Kind.AGREED) for k in kinds)


REVIEW_STARTED_MESSAGE = "the assessor has started the review; ask them to return it"


def step(
    name: str, kind: str, status: str, what: str, *, review_has_started: bool = False
) -> Status:
    """The status after taking step ``name`` on an assessment of ``kind`` in ``status``.

    ``what`` names the assessment in the message of the :class:`WorkflowError` raised when the
    step is not allowed; ``review_has_started`` is :func:`review_started` of its cycle.
    """
    s = STEPS[name]
    if locked(status):
        raise WorkflowError(f"{what}: signed off and read-only; a new cycle makes a new assessment")
    if kind not in s.kinds:
        raise WorkflowError(f"{what}: a {kind} assessment has no {s.verb} step")
    if status not in s.before:
        raise WorkflowError(
            f"{what}: cannot {s.verb} an assessment that is {status} "
            f"(it must be {' or '.join(s.before)})"
        )
    if s.before_review and review_has_started:
        raise WorkflowError(f"{what}: cannot {s.verb}: {REVIEW_STARTED_MESSAGE}")
    return s.after
