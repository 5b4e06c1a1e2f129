"""The trends page: capability over time (the team view's rule: PMO leads and admins with
names; assessors see their PMO's figures without names, unfiltered)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from competence.errors import InputError
from competence.reports import charts
from competence.services import policy, team_view, trends
from competence.web.views.team import BadFilter


def _percent(count: int, out_of: int) -> str:
    return f"{round(100 * count / out_of)}% ({count} of {out_of})" if out_of else "does not apply"


def table_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's table alternative: one row per competence and axis that applies to someone,
    a cell per cycle in words ("officer 40% (2 of 5); specialist 20% (1 of 5)")."""
    cells: dict[tuple[int, str], list[str]] = {}
    for i, cycle in enumerate(data["per_cycle"]):
        for r in cycle["competences"]:
            row = cells.setdefault((r["number"], r["axis"]), [""] * len(data["per_cycle"]))
            if r["hidden"]:
                row[i] = f"withheld: it applies to fewer than {data['min_group']}"
            elif r["applies_to"]:
                row[i] = (
                    f"officer {_percent(r['meets_officer'], r['applies_to'])}; specialist "
                    f"{_percent(r['at_specialist'], r['applies_to'])}"
                )
            else:
                row[i] = "does not apply"
    hidden = [c["hidden_reason"] for c in data["per_cycle"]]
    rows = []
    for c in data["competences"]:
        for axis in data["axes"]:
            found = cells.get((c["number"], axis))
            if found is None or all(t in ("", "does not apply") for t in found):
                continue
            rows.append(
                {
                    "name": f"{c['number']}. {c['name']}",
                    "axis": axis,
                    "cells": [t or f"withheld: {hidden[i]}" for i, t in enumerate(found)],
                }
            )
    return rows


def move_words(move: dict[str, Any], names: dict[int, str]) -> str:
    """A mover's changes in words: "rose: 1 knowledge 2→3; fell: 5 application 4→3"."""

    def shown(changes: list[dict[str, Any]]) -> str:
        return ", ".join(
            f"{names.get(c['number'], c['number'])} {c['axis']} "
            f"{'–' if c['from'] is None else c['from']}→{'–' if c['to'] is None else c['to']}"
            for c in changes
        )

    parts = []
    if move["rose"]:
        parts.append(f"rose: {shown(move['rose'])}")
    if move["fell"]:
        parts.append(f"fell: {shown(move['fell'])}")
    return "; ".join(parts) or "no level changed"


def answer(data: dict[str, Any]) -> str:
    """The page's answer in one sentence, from the latest cycle shown (withheld ones skipped):
    how many meet each profile, against the cycle before, and who moved ("" with no figures)."""
    shown = [c for c in data["per_cycle"] if not c["hidden"]]
    if not shown:
        return ""
    last = shown[-1]
    words = (
        f"In {last['cycle']}, {last['meets_officer']} of the {last['people']} with a result "
        f"meet the PMO officer profile and {last['meets_specialist']} the PMO specialist profile"
    )
    if len(shown) > 1:
        prev = shown[-2]
        words += (
            f" (in {prev['cycle']}: {prev['meets_officer']} and {prev['meets_specialist']} "
            f"of {prev['people']})"
        )
    movers = data["movers"]
    if movers and not movers["hidden"]:
        words += (
            f"; between {movers['from']} and {movers['to']}, {movers['up']} moved up and "
            f"{movers['down']} down"
        )
    return words + "."


PAGE_MOVES = 100
"""The most movers the page lists, the largest moves first (the API lists more)."""


@login_required
def team_trends(request: HttpRequest) -> HttpResponse:
    """The team view's rule and team filter (403; 404 for a team the user may not choose, and
    a filter they may not use shown as not found); cycles and the pair compared by name."""
    if not policy.allowed(request.user, "team.figures"):
        raise PermissionDenied
    try:
        choice = team_view.choose(request.user, request.GET.get("team") or None)
        wanted = [c for c in request.GET.getlist("cycles")[: trends.MAX_CHOSEN + 1] if c]
        pair = trends.compared(request.GET.getlist("compare")[:3])
        data = trends.figures(choice, wanted or None, pair)
    except team_view.NoSuchTeam:
        raise Http404("no such team") from None
    except InputError as exc:
        raise BadFilter(exc.report()) from None
    names = {c["number"]: c["name"] for c in data["competences"]}
    movers = data["movers"]
    listed = []
    for m in ((movers or {}).get("moves") or [])[:PAGE_MOVES]:
        verdicts = ", ".join(
            f"{'PMO officer' if p == 'pmo-officer' else 'PMO specialist'} {v}"
            for p, v in m["verdicts"].items()
        )
        net = f"{m['net']:+d}".replace("+0", "0")
        summary = f"{len(m['rose'])} rose, {len(m['fell'])} fell (net {net} levels)"
        listed.append(
            {**m, "words": move_words(m, names), "summary": summary, "verdict_words": verdicts}
        )
    return render(
        request,
        "competence/trends.html",
        {
            "data": data,
            "answer": answer(data),
            "panels": [mark_safe(svg) for svg in charts.trend_panels(data)],  # escaped
            "rows": table_rows(data),
            "listed": listed,
            "listed_note": (
                f", the largest moves first (the first {len(listed)} of {movers['moves_total']})"
                if movers and movers["moves_total"] and movers["moves_total"] > len(listed)
                else ""
            ),
            "teams": team_view.team_options(request.user),
            "chosen_team": choice.team,
        },
    )
