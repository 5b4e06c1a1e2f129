"""Teams by path: finding a team and the people in it and below it, creating teams as an import
names them, and the teams and PMOs pages' changes (create, rename, move, PMO leads), each
checked, all or nothing and audited. The tree's rules are :mod:`competence.domain.teams`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet

from competence.domain.teams import TeamTree, join_path, split_path
from competence.errors import InputError
from competence.services import policy
from competence.services.people import context_problem
from competence.store import audit
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


NAME_LIMIT = 200


def _name_problem(name: str, field: str = "name") -> str | None:
    if not name:
        return f"{field}: is empty"
    if len(name) > NAME_LIMIT:
        return f"{field}: longer than {NAME_LIMIT} characters"
    return None


def _pmo(pmo_id: Any) -> Pmo | None:
    if pmo_id in (None, ""):
        return None
    found = Pmo.objects.filter(pk=_id(pmo_id, "pmo")).first()
    if found is None:
        raise InputError(f"pmo: no PMO {pmo_id!r}")
    return found


def _id(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(f"{field}: not an id: {value!r}") from None


def _depth_first(tree: TeamTree) -> Iterator[tuple[int, int]]:
    """Every team's id and depth, each team before the teams in it, by name."""
    children: dict[int | None, list[int]] = {}
    for node in sorted(tree.nodes.values(), key=lambda n: n.name.casefold()):
        children.setdefault(node.parent_id, []).append(node.id)

    def walk(parent: int | None, depth: int) -> Iterator[tuple[int, int]]:
        for pk in children.get(parent, []):
            yield pk, depth
            yield from walk(pk, depth + 1)

    return walk(None, 0)


def team_choices(team_ids: set[int]) -> list[dict[str, Any]]:
    """These teams' ids and paths, depth first (for a form's choice of team)."""
    tree = team_tree()
    return [{"id": pk, "path": tree.path(pk)} for pk, _ in _depth_first(tree) if pk in team_ids]


def tree_rows() -> list[dict[str, Any]]:
    """Every team, depth first and by name, as plain data with its depth, path, PMO (its own,
    or the one it is in) and number of people."""
    tree = team_tree()
    counts = dict(
        Person.objects.exclude(team=None)
        .values_list("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    names = dict(Pmo.objects.values_list("id", "name"))
    rows: list[dict[str, Any]] = []
    for pk, depth in _depth_first(tree):
        node = tree.nodes[pk]
        pmo = tree.pmo_of(pk)
        rows.append(
            {
                "id": pk,
                "name": node.name,
                "path": tree.path(pk),
                "parent": tree.path(node.parent_id) if node.parent_id else None,
                "depth": depth,
                "pmo": names.get(node.pmo_id) if node.pmo_id else None,
                "in_pmo": names.get(pmo) if pmo else None,
                "people": counts.get(pk, 0),
            }
        )
    return rows


def team_data(team: Team) -> dict[str, Any]:
    return next(r for r in tree_rows() if r["id"] == team.pk)


def _parent(value: Any) -> Team | None:
    """A parent team given by path (``Department / Team``) or id; empty: the top."""
    wanted = str(value).strip() if value is not None else ""
    if not wanted:
        return None
    tree = team_tree()
    found = int(wanted) if wanted.isdigit() and int(wanted) in tree.nodes else tree.find(wanted)
    if found is None:
        raise InputError(f"parent: no team {wanted!r} (write Department / Team)")
    return Team.objects.get(pk=found)


def _sibling_problem(name: str, parent: Team | None, team: Team | None) -> str | None:
    same = Team.objects.filter(name=name, parent=parent)
    if team is not None:
        same = same.exclude(pk=team.pk)
    if same.exists():
        where = team_tree().path(parent.pk) if parent else "the top level"
        return f"name: there is a team {name!r} in {where} already"
    return None


def create_team(user: Any, values: Mapping[str, Any]) -> Team:
    """A new team (``name``; ``parent``: a team's path or id; ``pmo``: a PMO's id); audited."""
    return _save_team(user, Team(), {"parent": None, "pmo": None, **values})


def update_team(user: Any, team: Team, values: Mapping[str, Any]) -> Team:
    """Rename a team, move it under another (never under itself or a team below it), or give
    it a PMO: the fields given change; all or nothing, audited with old and new values."""
    return _save_team(user, team, values)


TEAM_FIELDS = ("name", "parent", "pmo")
PMO_FIELDS = ("name", "context", "leads")


def _name(
    user: Any, values: Mapping[str, Any], known: tuple[str, ...], what: str, current: str
) -> tuple[str, list[str]]:
    """For a change to a team or a PMO: the policy's say, then its name (the one given, else
    ``current``) and what is wrong with it."""
    policy.require(user, "team.manage")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InputError([f"{k}: not a field of a {what}" for k in unknown])
    name = str(values.get("name", current) or "").strip()
    problem = _name_problem(name)
    return name, [problem] if problem else []


def _save_team(user: Any, team: Team, values: Mapping[str, Any]) -> Team:
    name, problems = _name(user, values, TEAM_FIELDS, "team", team.name)
    parent, pmo = team.parent, team.pmo
    try:
        if "parent" in values:
            parent = _parent(values["parent"])
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        if "pmo" in values:
            pmo = _pmo(values["pmo"])
    except InputError as exc:
        problems.extend(exc.problems)
    if team.pk is not None and team_tree().moves_under_itself(
        team.pk, parent.pk if parent else None
    ):
        problems.append("parent: a team cannot move under itself or a team below it")
    if not problems and (problem := _sibling_problem(name, parent, team if team.pk else None)):
        problems.append(problem)
    if problems:
        raise InputError(problems)
    team.name, team.parent, team.pmo = name, parent, pmo
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:  # the same name made at the same moment
        raise InputError(f"name: there is a team {name!r} there already") from None
    return team


def pmo_data(pmo: Pmo) -> dict[str, Any]:
    return {
        "id": pmo.pk,
        "name": pmo.name,
        "context": pmo.context,
        "leads": sorted(u.get_username() for u in pmo.leads.all()),
    }


def pmos() -> list[dict[str, Any]]:
    return [pmo_data(p) for p in Pmo.objects.prefetch_related("leads").order_by("name")]


def create_pmo(user: Any, values: Mapping[str, Any]) -> Pmo:
    """A new PMO (``name``, ``context``, ``leads``: user names); audited."""
    return _save_pmo(user, Pmo(), {"leads": [], **values})


def update_pmo(user: Any, pmo: Pmo, values: Mapping[str, Any]) -> Pmo:
    """Rename a PMO, change its context or its leads (user names): the fields given change;
    all or nothing, audited with old and new values."""
    return _save_pmo(user, pmo, values)


def _save_pmo(user: Any, pmo: Pmo, values: Mapping[str, Any]) -> Pmo:
    from django.contrib.auth import get_user_model

    name, problems = _name(user, values, PMO_FIELDS, "PMO", pmo.name)
    if not problems and Pmo.objects.filter(name=name).exclude(pk=pmo.pk).exists():
        problems.append(f"name: there is a PMO {name!r} already")
    context = str(values.get("context", pmo.context) or "").strip().lower()
    if problem := context_problem(context):
        problems.append(problem)
    leads = None
    if "leads" in values:
        wanted = [str(u).strip() for u in values["leads"] or [] if str(u).strip()]
        users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=wanted)}
        problems.extend(f"leads: no user named {u!r}" for u in wanted if u not in users)
        leads = [users[u] for u in dict.fromkeys(wanted) if u in users]
    if problems:
        raise InputError(problems)
    before = pmo_data(pmo)["leads"] if pmo.pk else []
    pmo.name, pmo.context = name, context
    try:
        with transaction.atomic():
            pmo.save()
            if leads is not None:
                pmo.leads.set(leads)
                after = sorted(u.get_username() for u in leads)
                if after != before:
                    audit.record(
                        "update",
                        "Pmo",
                        object_id=str(pmo.pk),
                        summary=f"{pmo}: leads",
                        old={"leads": before},
                        new={"leads": after},
                    )
    except IntegrityError:  # the same name made at the same moment
        raise InputError(f"name: there is a PMO {name!r} already") from None
    return pmo


__all__ = ["TeamCache", "join_path", "people_in", "split_path", "team_ids"]
