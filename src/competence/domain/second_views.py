"""A second view: ratings of a person by additional raters (a peer, a project manager), kept
apart from the assessments.

A second view is shown to whoever reviews the person, beside the self-assessment. It never
enters a verdict, a trend, a team figure or an export: only the agreed assessment decides, and
nothing in :mod:`competence.domain.analysis` ever reads a second view.

Raters are anonymous while fewer than :data:`MIN_NAMED_RATERS` have given a view: with one or
two, a name would say exactly who rated what. Who may see the names at all is the access
policy's rule ``second-view.names``; :func:`shown` applies both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the command line's start-up reads RELATIONS alone
    from competence.domain.ratings import Rating

MIN_NAMED_RATERS = 3
"""Below this many given views, no rater's name is shown to anyone (see :func:`named`)."""

RELATIONS: dict[str, str] = {
    "peer": "Peer",
    "project-manager": "Project manager",
    "line-manager": "Line manager",
    "stakeholder": "Stakeholder",
    "other": "Other",
}
"""How a rater knows the person: the value kept, and its words."""

INVITED, GIVEN = "invited", "given"
STATUSES = (INVITED, GIVEN)
"""An invitation waits (``invited``) until the rater gives their view (``given``); a given view
can be changed by its rater until the person's cycle is signed off."""


@dataclass(frozen=True)
class View:
    """One rater's given view of one person in one cycle."""

    rater: str
    """The rater's name (a user's full name, or username)."""
    relation: str
    ratings: Mapping[int, Rating]


@dataclass(frozen=True)
class Shown:
    """A view as a reviewer sees it: named, or by relation alone."""

    label: str
    relation: str
    ratings: Mapping[int, Rating]


def named(given: int) -> bool:
    """Whether raters may be named at all, when ``given`` views have been given."""
    return given >= MIN_NAMED_RATERS


def relation_problem(relation: str) -> str | None:
    if relation in RELATIONS:
        return None
    return f"relation: {relation!r} is not one of {', '.join(RELATIONS)}"


def shown(views: Iterable[View], may_name: bool) -> list[Shown]:
    """The given views as a reviewer sees them.

    Named (and in the order of the names) when ``may_name`` and at least
    :data:`MIN_NAMED_RATERS` views were given; otherwise labelled by relation and numbered
    within it ("Peer 1", "Peer 2", "Project manager"), in an order that depends on the ratings
    alone, so that the order of invitations gives no one away."""
    views = list(views)
    if may_name and named(len(views)):
        return [
            Shown(v.rater, v.relation, v.ratings)
            for v in sorted(views, key=lambda v: (v.rater.casefold(), v.relation))
        ]

    def by_levels(v: View) -> tuple[str, list[tuple[int, int, int]]]:
        levels = [
            (
                n,
                -1 if r.knowledge is None else r.knowledge,
                -1 if r.application is None else r.application,
            )
            for n, r in sorted(v.ratings.items())
        ]
        return (v.relation, levels)

    ordered = sorted(views, key=by_levels)
    per_relation: dict[str, int] = {}
    for v in ordered:
        per_relation[v.relation] = per_relation.get(v.relation, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for v in ordered:
        word = RELATIONS.get(v.relation, v.relation)
        seen[v.relation] = seen.get(v.relation, 0) + 1
        label = word if per_relation[v.relation] == 1 else f"{word} {seen[v.relation]}"
        out.append(Shown(label, v.relation, v.ratings))
    return out
