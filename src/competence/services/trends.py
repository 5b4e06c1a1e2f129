"""Capability over time for a signed-in user: the figures of :mod:`competence.domain.trends` over
the people the one access policy lets them count (:func:`team_view.choose`,
:func:`policy.figures_over`), for the cycles chosen, with the team view's privacy rules on every
figure.

Loaded in a bounded number of queries whatever the number of people (the people, the cycles,
the assessments, one pass over their ratings), and kept by (whom, which cycles, the audit
trail's position) as the team figures are (:func:`results.kept_until_change`).

Privacy. Someone who may not see every person counted by name gets figures over the people
they do not see by name only (:func:`policy.figures_over`), never filtered by team or context,
so that no two answers differ by one person. A cycle's figures over fewer than
COMPETENCE_MIN_GROUP_SIZE people are withheld, and so are the moves when fewer than that many
have a result in both cycles compared. A cycle's figures are over the same people whichever
cycles are asked for together. Movers are named only to those who see every one of them by name;
anyone else gets how many moved up and down.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings

from competence.data import load_catalogue
from competence.domain import trends
from competence.domain.framework import AXES
from competence.domain.words import people as people_count
from competence.domain.workflow import COUNTED
from competence.errors import InputError
from competence.services import team_view
from competence.services.policy import FiguresOver
from competence.services.results import kept_until_change
from competence.store.models import Assessment, Cycle, Person
from competence.store.queries import levels_per_cycle

MAX_CHOSEN = trends.MAX_CYCLES
MAX_MOVES_LISTED = 500
"""The most movers listed by name in one answer (the counts cover them all)."""


def cycles_with_results(people: Any) -> list[tuple[int, str]]:
    """The cycles (id, name) where these people have a result (an assessment that counts),
    latest first."""
    ids = Assessment.objects.filter(person_id__in=people.values("pk"), status__in=COUNTED).values(
        "cycle_id"
    )
    return list(
        Cycle.objects.filter(pk__in=ids).order_by("-opens_on", "-name").values_list("id", "name")
    )


def compared(values: list[str] | None) -> tuple[str, str] | None:
    """The pair of cycles to compare, from a repeated parameter: none, or exactly two."""
    found = [v for v in values or [] if v]
    if not found:
        return None
    if len(found) != 2:
        raise InputError("compare: give two cycles, the earlier and the later")
    return found[0], found[1]


def cycle_id(people: Any, name: str | None) -> int | None:
    """The id of the cycle named (one where these people have results); None for none."""
    if not name:
        return None
    found = next((pk for pk, n in cycles_with_results(people) if n == name), None)
    if found is None:
        raise InputError(f"cycle: no cycle {name!r} with results")
    return found


def _choose_cycles(
    known: list[tuple[int, str]], wanted: list[str] | None, pair: tuple[str, str] | None
) -> tuple[list[tuple[int, str]], tuple[str, str] | None]:
    """The cycles asked for (by name; default: the latest :data:`MAX_CHOSEN`), earliest first,
    and the pair compared, checked."""
    by_name = {name: pk for pk, name in known}
    order = {name: i for i, (_, name) in enumerate(known)}
    problems = []
    if wanted:
        names = list(dict.fromkeys(w.strip() for w in wanted if w.strip()))
        problems += [f"cycles: no cycle {n!r} with results" for n in names if n not in by_name]
        if len(names) > MAX_CHOSEN:
            problems.append(f"cycles: at most {MAX_CHOSEN} at once")
    else:
        names = [name for _, name in known[:MAX_CHOSEN]]
    if pair is not None:
        problems += [f"compare: no cycle {n!r} among those shown" for n in pair if n not in names]
        if not problems and pair[0] == pair[1]:
            problems.append("compare: choose two different cycles")
    if problems:
        raise InputError(problems)
    chosen = sorted(((by_name[n], n) for n in names), key=lambda c: -order[c[1]])
    if pair is not None:
        pair = tuple(sorted(pair, key=lambda n: -order[n]))  # type: ignore[assignment]
    return chosen, pair


def _compute(people: Any, chosen: list[tuple[int, str]], pair: tuple[str, str] | None) -> Any:
    catalogue = load_catalogue()
    numbers = [c.number for c in catalogue.framework.competences]
    contexts = dict(people.values_list("pk", "context"))
    levels = levels_per_cycle(people, [pk for pk, _ in chosen])
    by_cycle = [
        (
            name,
            [
                trends.Member(person, contexts[person], found)
                for person, found in sorted(levels[pk].items())
                if person in contexts
            ],
        )
        for pk, name in chosen
    ]
    try:
        return trends.trend(by_cycle, catalogue, numbers, pair, MAX_MOVES_LISTED)
    except trends.TooManyMembers:
        raise InputError("team: too many results to compare at once; choose a team") from None


def _hidden_reason(min_group: int) -> str:
    return (
        f"fewer than {people_count(min_group)} with a result: the figures would tell about "
        "individuals"
    )


def figures(
    choice: team_view.Choice,
    cycles: list[str] | None = None,
    compare: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What the trends page, its API and CLI show: per cycle (earliest first) the shares per
    competence and axis and the people meeting each profile; who moved between the pair
    compared (default: the last two cycles shown)."""
    min_group = settings.CONFIG.min_group_size
    over = choice.figures
    known = cycles_with_results(over.people)
    chosen, pair = _choose_cycles(known, cycles, compare)
    key = ("trends", tuple(chosen), pair, over.individuals, over.left_out, min_group)
    shown: dict[str, Any] = kept_until_change(
        key, over.people, lambda: _shown(over, _compute(over.people, chosen, pair), min_group)
    )
    return {
        "label": choice.label,
        "cycles": [name for _, name in known],
        "chosen": [name for _, name in chosen],
        **shown,
    }


def _share(share: trends.Share, individuals: bool, min_group: int) -> dict[str, Any]:
    """One competence and axis in one cycle; for someone who does not see names, withheld when
    it applies to fewer than the minimum group (a competence of one context, say)."""
    row = share.as_dict()
    small = not individuals and 0 < share.applies_to < min_group
    if small:
        row |= {
            k: None for k in ("meets_officer", "at_specialist", "share_officer", "share_specialist")
        }
    return {**row, "hidden": small}


def _shown(over: FiguresOver, found: trends.Trend, min_group: int) -> dict[str, Any]:
    """The figures as the viewer may see them: withheld below the minimum group, movers by
    name only for those who see every one of them."""
    names = {c.number: c for c in load_catalogue().framework.competences}
    rows = []
    for cycle in found.cycles:
        hidden = not over.individuals and cycle.people < min_group
        rows.append(
            {
                "cycle": cycle.cycle,
                "people": None if hidden else cycle.people,
                "hidden": hidden,
                "hidden_reason": _hidden_reason(min_group) if hidden else "",
                "meets_officer": None if hidden else cycle.meets_officer,
                "meets_specialist": None if hidden else cycle.meets_specialist,
                "competences": (
                    [] if hidden else [_share(s, over.individuals, min_group) for s in cycle.shares]
                ),
            }
        )
    moved_hidden = not over.individuals and found.both < min_group
    directions = Counter(m.direction for m in found.moves)
    moves = [m.as_dict() for m in found.moves[:MAX_MOVES_LISTED]] if over.individuals else []
    if moves:
        who = dict(
            Person.objects.filter(pk__in=[m["person"] for m in moves]).values_list("pk", "name")
        )
        for m in moves:
            m["name"] = who.get(m["person"], "")
    movers: dict[str, Any] | None = None
    if found.compared is not None:
        movers = {
            "from": found.compared[0],
            "to": found.compared[1],
            "people": None if moved_hidden else found.both,
            "hidden": moved_hidden,
            "hidden_reason": (
                f"fewer than {people_count(min_group)} with a result in both cycles: the "
                "moves would tell about individuals"
                if moved_hidden
                else ""
            ),
            **(
                {"up": None, "down": None, "mixed": None}
                if moved_hidden
                else {d: directions[d] for d in ("up", "down", "mixed")}
            ),
            "moves_total": None if moved_hidden else len(found.moves),
            "moves": moves if over.individuals else None,
        }
    return {
        "individuals": over.individuals,
        "min_group": min_group,
        "notice": team_view.left_out_notice(over),
        "axes": list(AXES),
        "competences": [
            {"number": n, "slug": c.slug, "name": c.name} for n, c in sorted(names.items())
        ],
        "per_cycle": rows,
        "movers": movers,
    }
