"""Server-rendered SVG charts. Every mark has a <title>; pages put a table beside each chart.

The functions take the plain data of the API (``gap --json`` shapes) and return SVG markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

KNOWLEDGE, APPLICATION, TARGET = "#1d5fa8", "#b4490d", "#5c6670"
LABEL_STYLE = {"met": "#1e7a3c", "top-up": "#a86400", "gap": "#b3261e"}


def _level(value: Any) -> int:
    return int(value) if isinstance(value, int) else 0


def axis_cells(competences: list[dict[str, Any]], axes: list[str]) -> list[dict[str, Any]]:
    """The table alternative of :func:`bars`: the rows of a gap table (``gap --json``'s
    competences) with a cell per axis of the framework, actual / target."""
    return [
        {
            **c,
            "cells": [
                {
                    "axis": axis,
                    "actual": (c["actual"] or {}).get(axis),
                    "target": (c["target"] or {}).get(axis),
                }
                for axis in axes
            ],
        }
        for c in competences
    ]


def bars(result: dict[str, Any], width: int = 720) -> str:
    """Each axis (knowledge and application, or a framework's one axis) against the target, one
    named row per competence that applies: a bar per axis, and a mark at each axis's target."""
    rows = [c for c in result["competences"] if c["applicable"]]
    axes = list(rows[0]["target"]) if rows else ["knowledge", "application"]
    colours = {"knowledge": KNOWLEDGE, "application": APPLICATION}
    left, scale, row = 300, (width - 320) / 5, 32
    top = 26
    height = top + row * len(rows) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart bars" aria-labelledby="bars-title">',
        f'<title id="bars-title">{" and ".join(axes).capitalize()} against the '
        f"{escape(result['profile'])} targets, one row per competence that applies "
        f"({len(rows)})</title>",
    ]
    for level in range(6):
        x = left + level * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 4}" stroke="#e1e6eb"/>'
            f'<text x="{x:.1f}" y="{top - 10}" font-size="12" text-anchor="middle" '
            f'fill="#4a5560">{level}</text>'
        )
    for i, c in enumerate(rows):
        y = top + i * row
        name = c["name"] if len(c["name"]) <= 30 else c["name"][:29] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + row / 2 + 4:.1f}" font-size="14" text-anchor="end" '
            f'fill="#1d232a">{c["number"]}. {escape(name)}<title>{c["number"]}. '
            f"{escape(c['name'])}</title></text>"
        )
        for j, axis in enumerate(axes):
            colour = colours[axis]
            actual = (c["actual"] or {}).get(axis)
            target = c["target"][axis]
            by = y + 4 + j * 13
            shown = "not rated" if actual is None else actual
            parts.append(
                f'<rect x="{left}" y="{by}" width="{_level(actual) * scale:.1f}" height="11" '
                f'fill="{colour}"><title>{escape(c["name"])}: {axis} {shown}, target '
                f"{target}</title></rect>"
            )
            tx = left + target * scale
            parts.append(
                f'<line x1="{tx:.1f}" y1="{by - 1}" x2="{tx:.1f}" y2="{by + 12}" '
                f'stroke="{TARGET}" stroke-width="2.5"><title>{axis} target {target}'
                "</title></line>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _cell_colour(actual: int | None, target: int | None) -> str:
    if target is None:
        return "#eceff1"
    if actual is None:
        return "#ffffff"
    short = target - actual
    if short <= 0:
        return "#7cc48f" if actual == target else "#3f9c5a"
    return "#f2c46d" if short == 1 else "#e8826f"


def heatmap(
    people: Sequence[dict[str, Any]],
    competences: Sequence[dict[str, Any]],
    axis: str,
    cell: int = 22,
) -> str:
    """People (rows) by competences (columns) for one axis, each row coloured against its own
    targets (the profile version the person is judged against)."""
    left, top = 190, 34
    width = left + cell * len(competences) + 10
    height = top + cell * len(people) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart heatmap" aria-labelledby="heatmap-{axis}-title" width="{width}">',
        f'<title id="heatmap-{axis}-title">Heatmap of {axis} ratings: {len(people)} people by '
        f"{len(competences)} competences, each row coloured against that person's own "
        "profile</title>",
    ]
    for j, c in enumerate(competences):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top - 10}" font-size="10" text-anchor="middle" fill="#333">'
            f"<title>{c['number']} {escape(c['name'])}</title>{c['number']}</text>"
        )
    # The cells of one colour are one path, and each row's levels one text whose characters
    # are placed by a list of x: a page of 50 people by 29 competences in about 40 KB. What a
    # cell says in words (the level and the target) is in the table alternative.
    cells: dict[str, list[str]] = {}
    levels: list[str] = []
    for i, p in enumerate(people):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell * 0.65}" font-size="11" text-anchor="end" '
            f'fill="#222">{escape(p["name"][:28])}</text>'
        )
        xs, digits = [], []
        for j, c in enumerate(competences):
            key = str(c["number"])
            target = (p["targets"].get(key) or {}).get(axis)
            actual = (p["ratings"].get(key) or {}).get(axis)
            x = left + j * cell
            cells.setdefault(_cell_colour(actual, target), []).append(
                f"M{x} {y}h{cell - 2}v{cell - 2}h-{cell - 2}z"
            )
            if actual is not None:
                xs.append(f"{x + (cell - 2) / 2:g}")
                digits.append(str(actual))
        if digits:
            levels.append(
                f'<text x="{" ".join(xs)}" y="{y + cell * 0.62:g}">{"".join(digits)}</text>'
            )
    parts.append('<g stroke="#c5ccd3">')
    parts.extend(f'<path fill="{colour}" d="{"".join(d)}"/>' for colour, d in cells.items())
    parts.append("</g>")
    # Each cell's level on top of it, with the attributes they share given once (they inherit).
    parts.append(
        '<g font-size="10" text-anchor="middle" fill="#111" aria-hidden="true" '
        f'pointer-events="none">{"".join(levels)}</g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    points: Sequence[dict[str, Any]],
    name: str,
    width: int = 120,
    axes: Sequence[str] = ("knowledge", "application"),
) -> str:
    """Each axis of the framework (knowledge and application for APM's) across cycles for one
    competence."""
    height, pad = 36, 4
    n = len(points)
    if n < 2:
        return ""

    def xy(i: int, value: int | None) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * i / (n - 1)
        y = height - pad - (height - 2 * pad) * (value or 0) / 5
        return x, y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart sparkline" width="{width}" height="{height}">',
        f"<title>{escape(name)}: trend over {n} cycles</title>",
    ]
    styles = {"knowledge": (KNOWLEDGE, ""), "application": (APPLICATION, "4 2")}
    for axis in axes:
        colour, dash = styles[axis]
        pts = [xy(i, p[axis]) for i, p in enumerate(points)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}><title>{axis}</title></polyline>'
        )
        for (x, y), p in zip(pts, points, strict=True):
            shown = "not rated" if p[axis] is None else p[axis]
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>'
                f"{escape(p['cycle'])}: {axis} {shown}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def differences(rows: Sequence[dict[str, Any]], axis: str, width: int = 480) -> str:
    """The mean of (self − agreed) per competence on one axis (calibration's ``competences``),
    a bar left of the middle line for under-rating, right for over-rating, ±2 levels wide.
    Hidden rows are left out."""
    shown = [r for r in rows if r["axis"] == axis and r["mean_difference"] is not None]
    if not shown:
        return ""
    bar, label = 16, 40
    height = bar * len(shown) + 24
    middle = label + (width - label) / 2
    scale = (width - label) / 4  # two levels either side
    colour = KNOWLEDGE if axis == "knowledge" else APPLICATION
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart differences" width="100%" preserveAspectRatio="xMinYMin meet">',
        f"<title>Mean of self minus agreed, {escape(axis)}, per competence</title>",
        f'<line x1="{middle}" y1="0" x2="{middle}" y2="{height - 20}" stroke="{TARGET}"/>',
        f'<text x="{label}" y="{height - 6}" font-size="11">−2</text>',
        f'<text x="{middle - 3}" y="{height - 6}" font-size="11">0</text>',
        f'<text x="{width - 16}" y="{height - 6}" font-size="11">+2</text>',
    ]
    for i, r in enumerate(shown):
        value = max(-2.0, min(2.0, float(r["mean_difference"])))
        y = i * bar + 2
        x = middle + min(0.0, value) * scale
        parts.append(
            f'<text x="0" y="{y + bar - 5}" font-size="11">{int(r["number"])}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{abs(value) * scale:.1f}" height="{bar - 4}" '
            f'fill="{colour}"><title>{int(r["number"])}. {escape(r.get("name", ""))}: '
            f"{escape(r['mean_difference_text'])}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


TREND_SERIES = (
    ("knowledge", "share_officer", KNOWLEDGE, "", "knowledge, officer target"),
    ("application", "share_officer", APPLICATION, "", "application, officer target"),
    ("knowledge", "share_specialist", KNOWLEDGE, "4 3", "knowledge, specialist level"),
    ("application", "share_specialist", APPLICATION, "4 3", "application, specialist level"),
)
"""The four lines of each trend panel: axis, share, colour, dash, in words."""


def trend_panels(data: dict[str, Any], width: int = 180, height: int = 120) -> list[str]:
    """Small multiples of the trends (``services.trends.figures``): one small SVG per
    competence that applies to someone, the share meeting the officer target (solid) and at
    specialist level (dashed) per cycle, knowledge and application; withheld cycles leave a
    gap. Every point has a <title>; the page gives the same figures as a table."""
    cycles = data["per_cycle"]
    if not cycles:
        return []
    by_key: dict[tuple[int, str], list[dict[str, Any] | None]] = {}
    for i, cycle in enumerate(cycles):
        for row in cycle["competences"]:
            by_key.setdefault((row["number"], row["axis"]), [None] * len(cycles))[i] = row
    left, right, top, bottom = 32, 16, 22, 18
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(1, len(cycles) - 1)
    panels = []
    for c in data["competences"]:
        series = {axis: by_key.get((c["number"], axis)) for axis in data["axes"]}
        if not any(r and r["applies_to"] for rows in series.values() if rows for r in rows):
            continue
        full = f"{c['number']}. {c['name']}"
        name, short = escape(full), escape(full if len(full) <= 28 else full[:27] + "…")
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'class="chart trend-panel" width="100%" preserveAspectRatio="xMinYMin meet">',
            f"<title>{name}: share meeting the officer target and at specialist level, per "
            "cycle</title>",
            f'<text x="0" y="12" font-size="11" fill="#1f2a33">{short}</text>',
        ]
        for share in (0, 50, 100):
            y = top + inner_h * (1 - share / 100)
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                f'stroke="#e1e6eb"/><text x="{left - 3}" y="{y + 3:.1f}" font-size="9" '
                f'text-anchor="end" fill="#4a5560">{share}%</text>'
            )
        for i, cycle in enumerate(cycles):
            x = left + i * step if len(cycles) > 1 else left + inner_w / 2
            parts.append(
                f'<text x="{x:.1f}" y="{height - 4}" font-size="9" text-anchor="middle" '
                f'fill="#4a5560">{escape(cycle["cycle"][:8])}</text>'
            )
        for axis, key, colour, dash, words in TREND_SERIES:
            rows = series.get(axis)
            if not rows:
                continue
            points: list[tuple[float, float, float, str] | None] = []
            for i, row in enumerate(rows):
                value = row[key] if row else None
                if value is None:
                    points.append(None)
                    continue
                x = left + i * step if len(cycles) > 1 else left + inner_w / 2
                y = top + inner_h * (1 - value)
                points.append((x, y, value, cycles[i]["cycle"]))
            run: list[str] = []
            for p in [*points, None]:
                if p is None:
                    if len(run) > 1:
                        dashed = f' stroke-dasharray="{dash}"' if dash else ""
                        parts.append(
                            f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                            f'stroke-width="1.5"{dashed}/>'
                        )
                    run = []
                    continue
                run.append(f"{p[0]:.1f},{p[1]:.1f}")
            for p in points:
                if p is not None:
                    parts.append(
                        f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="2" fill="{colour}"><title>'
                        f"{escape(p[3])}: {words} {round(p[2] * 100)}%</title></circle>"
                    )
        parts.append("</svg>")
        panels.append("".join(parts))
    return panels
