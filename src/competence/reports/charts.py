"""Server-rendered SVG charts. Every mark has a <title>; pages put a table beside each chart.

The functions take the plain data of the API (``gap --json`` shapes) and return SVG markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

KNOWLEDGE, APPLICATION, TARGET = "#1d5fa8", "#b4490d", "#5c6670"
LABEL_STYLE = {"met": "#1e7a3c", "top-up": "#a86400", "gap": "#b3261e"}


def _level(value: Any) -> int:
    return int(value) if isinstance(value, int) else 0


def radar(result: dict[str, Any], size: int = 460) -> str:
    """Knowledge and application against the targets, one spoke per competence that applies."""
    rows = [c for c in result["competences"] if c["applicable"]]
    n = len(rows)
    centre, radius = size / 2, size / 2 - 40
    if n < 3:
        return ""

    def point(i: int, level: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * level / 5
        return centre + r * math.cos(angle), centre + r * math.sin(angle)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" '
        f'class="chart radar" aria-labelledby="radar-title">',
        f'<title id="radar-title">Radar chart: knowledge and application against the '
        f"{escape(result['profile'])} targets ({n} competences that apply)</title>",
    ]
    for level in range(1, 6):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(n)))
        parts.append(
            f'<polygon points="{ring}" fill="none" stroke="#d0d5da" stroke-width="1">'
            f"<title>Level {level}</title></polygon>"
        )
    for i, c in enumerate(rows):
        x, y = point(i, 5.6)
        x0, y0 = point(i, 5)
        parts.append(
            f'<line x1="{centre}" y1="{centre}" x2="{x0:.1f}" y2="{y0:.1f}" '
            'stroke="#d0d5da" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" text-anchor="middle" '
            f'dominant-baseline="middle" fill="#333"><title>{c["number"]} '
            f"{escape(c['name'])}</title>{c['number']}</text>"
        )

    def target(c: dict[str, Any], axis: str) -> Any:
        return c["target"][axis]

    def actual(c: dict[str, Any], axis: str) -> Any:
        return (c["actual"] or {}).get(axis)

    series = [("target", TARGET, "6 4", target), ("actual", None, "", actual)]
    for axis, colour in (("knowledge", KNOWLEDGE), ("application", APPLICATION)):
        for kind, series_colour, dash, get in series:
            stroke = series_colour or colour
            pts = [point(i, _level(get(c, axis))) for i, c in enumerate(rows)]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            label = f"{axis.capitalize()} {'target' if kind == 'target' else 'rating'}"
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polygon points="{path}" fill="{colour if kind == "actual" else "none"}" '
                f'fill-opacity="{0.12 if kind == "actual" else 0}" stroke="{stroke}" '
                f'stroke-width="{1.5 if kind == "target" else 2}"{dash_attr}>'
                f"<title>{label}</title></polygon>"
            )
            if kind == "actual":
                for (x, y), c in zip(pts, rows, strict=True):
                    value = get(c, axis)
                    shown = "not rated" if value is None else value
                    parts.append(
                        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                        f"<title>{escape(c['name'])}: {axis} {shown}, target "
                        f"{c['target'][axis]}</title></circle>"
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
    """People (rows) by competences (columns) for one axis, coloured against the officer target."""
    left, top = 190, 34
    width = left + cell * len(competences) + 10
    height = top + cell * len(people) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart heatmap" aria-labelledby="heatmap-{axis}-title" width="{width}">',
        f'<title id="heatmap-{axis}-title">Heatmap of {axis} ratings: {len(people)} people by '
        f"{len(competences)} competences, coloured against the PMO officer target</title>",
    ]
    for j, c in enumerate(competences):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top - 10}" font-size="10" text-anchor="middle" fill="#333">'
            f"<title>{c['number']} {escape(c['name'])}</title>{c['number']}</text>"
        )
    for i, p in enumerate(people):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell * 0.65}" font-size="11" text-anchor="end" '
            f'fill="#222">{escape(p["name"][:28])}</text>'
        )
        for j, c in enumerate(competences):
            key = str(c["number"])
            target = (p["targets"].get(key) or {}).get(axis)
            actual = (p["ratings"].get(key) or {}).get(axis)
            x = left + j * cell
            if target is None:
                what = "does not apply"
            elif actual is None:
                what = f"not rated, target {target}"
            else:
                what = f"{actual}, target {target}"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{_cell_colour(actual, target)}" stroke="#c5ccd3">'
                f"<title>{escape(p['name'])}, {escape(c['name'])}: {axis} {what}</title></rect>"
            )
            if actual is not None:
                parts.append(
                    f'<text x="{x + (cell - 2) / 2}" y="{y + cell * 0.62}" font-size="10" '
                    f'text-anchor="middle" fill="#111" aria-hidden="true">{actual}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(points: Sequence[dict[str, Any]], name: str, width: int = 120) -> str:
    """Knowledge and application across cycles for one competence."""
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
    for axis, colour, dash in (("knowledge", KNOWLEDGE, ""), ("application", APPLICATION, "4 2")):
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
