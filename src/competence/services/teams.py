"""Teams by path: finding a team and the people in it and below it, and creating teams as an
import names them. The tree's rules are :mod:`competence.domain.teams`."""

from __future__ import annotations

from django.db.models import QuerySet

from competence.domain.teams import join_path, split_path
from competence.errors import InputError
from competence.store.models import Person, Pmo, Team
from competence.store.queries import team_tree


def team_ids(text: str, label: str = "--team") -> set[int]:
    """The team at a path (``Department / Team``) and every team below it."""
    tree = team_tree()
    found = tree.find(text)
    if found is None:
        raise InputError(f"{label}: no team {text!r} (write Department / Team)")
    return tree.subtree([found])


def people_in(team: str | None, people: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """``people`` (default: everyone) in the team at this path and below it; None: all of them."""
    chosen = Person.objects.all() if people is None else people
    if team:
        chosen = chosen.filter(team_id__in=sorted(team_ids(team)))
    return chosen


class TeamCache:
    """Teams by path (``Department / Team``), created on demand."""

    def __init__(self) -> None:
        paths = team_tree().paths()
        self.by_path: dict[tuple[str, ...], Team] = {
            split_path(paths[t.pk]): t for t in Team.objects.all()
        }
        self.created = 0

    def get(self, path: tuple[str, ...], pmo: Pmo | None) -> Team:
        team = self.by_path.get(path)
        if team is None:
            parent = self.get(path[:-1], pmo) if len(path) > 1 else None
            team = Team(name=path[-1], parent=parent, pmo=pmo if len(path) == 1 else None)
            Team.objects.bulk_create([team])
            self.by_path[path] = team
            self.created += 1
        return team


__all__ = ["TeamCache", "join_path", "people_in", "split_path", "team_ids"]
