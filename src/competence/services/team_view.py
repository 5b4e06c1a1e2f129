"""Whom the team view, the team reports and the capability planner count, for a signed-in user
and the filters they chose: one place that applies the policy to the filters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from competence.domain.framework import CONTEXTS
from competence.domain.words import people as people_count
from competence.errors import InputError
from competence.services import policy
from competence.store.models import Person
from competence.store.queries import team_tree


@dataclass(frozen=True)
class Choice:
    """The people chosen, and the filters that chose them (validated)."""

    people: QuerySet[Person]
    individuals: bool
    team: int | None
    context: str | None
    label: str
    """What the filters chose, in words ("Everyone", "Delivery / Finance PMO, programme")."""
    viewer: policy.User

    @cached_property
    def figures(self) -> policy.FiguresOver:
        """Whom the figures the viewer sees are computed over (:func:`policy.figures_over`)."""
        return policy.figures_over(self.viewer, self.people)

    @property
    def query(self) -> str:
        """The filters as a query string, for links that keep them."""
        return f"team={self.team or ''}&context={self.context or ''}"


class NoSuchTeam(InputError):
    """A team id that is not one the user may choose (404: it may or may not exist)."""


def choose(
    user: policy.User,
    team: str | int | None = None,
    context: str | None = None,
    *,
    path: str | None = None,
) -> Choice:
    """The people the user's team view counts, filtered by team (by id, or by ``path`` such as
    ``Department / Team``; with the teams below it) and by context. Someone who sees figures
    only gets no filters: filtered figures could be subtracted from each other to single people
    out."""
    policy.require(user, "team.figures")
    people = policy.team_people(user)
    individuals = policy.allowed(user, "team.individuals")
    team_id: int | None = None
    tree = team_tree()
    parts = []
    if path:
        found = tree.find(path)
        if found is None or found not in policy.visible_teams(user):
            raise NoSuchTeam(f"--team: no team {path!r} (write Department / Team)")
        team = found
    if team is not None and team != "":
        if not individuals:
            raise InputError("team: figures without names come unfiltered")
        if not str(team).isdigit() or int(str(team)) not in policy.visible_teams(user):
            raise NoSuchTeam(f"team: no team {team}")
        team_id = int(str(team))
        people = people.filter(team_id__in=sorted(tree.subtree([team_id])))
        parts.append(tree.path(team_id))
    if context:
        if not individuals:
            raise InputError("context: figures without names come unfiltered")
        if context not in CONTEXTS:
            raise InputError(f"context: must be one of {', '.join(CONTEXTS)}")
        people = people.filter(context=context)
        parts.append(f"{context} context")
    label = ", ".join(parts) or "Everyone"
    return Choice(people, individuals, team_id, context or None, label, user)


def left_out_notice(over: policy.FiguresOver) -> str:
    """What figures without names say of the people left out of them ("" when nobody is)."""
    if not over.left_out:
        return ""
    return (
        f"The figures are over the people you do not see by name: the "
        f"{people_count(over.left_out)} you see by name are left out."
    )


def team_options(user: policy.User) -> list[tuple[int, str]]:
    """The teams the user may filter by, as (id, path), in path order."""
    tree = team_tree()
    return sorted(((pk, tree.path(pk)) for pk in policy.visible_teams(user)), key=lambda t: t[1])


MAX_TEAM_OPTIONS = 500
"""Past this many teams to choose from, the team view's filter offers the top ones (departments)
and the teams under the chosen one's top team, rather than every team: 4,200 options came to
200 KB a page."""


def filter_options(user: policy.User, chosen: int | None) -> tuple[list[tuple[int, str]], bool]:
    """The teams the team view's filter offers, as (id, path) in path order: every team the user
    may choose or, past :data:`MAX_TEAM_OPTIONS`, the top ones and those in the chosen team's top
    team; and whether some are left out (choose a top team to see its own)."""
    teams = team_options(user)
    if len(teams) <= MAX_TEAM_OPTIONS:
        return teams, False
    tree = team_tree()
    choosable = {pk for pk, _ in teams}

    def top(pk: int) -> int:
        return [node.id for node in tree.ancestry(pk) if node.id in choosable][-1]

    near = tree.subtree([top(chosen)]) if chosen is not None else set()
    return [(pk, path) for pk, path in teams if pk in near or top(pk) == pk], True
