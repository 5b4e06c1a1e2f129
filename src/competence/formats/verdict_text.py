"""A verdict as the text `competence gap` prints: what each row and line says, and the plain
fixed-width writer for many people or output that is not a terminal (the command draws one
person on a terminal as a Rich table, from the same rows and lines)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, NamedTuple

from competence.domain.analysis import Verdict
from competence.domain.framework import AXES

NOT_APPLICABLE = "does not apply"
KEY = "Actual / target; – is not rated (counts as 0)."
MET_MARK, UNMET_MARK = "✔ ", "✘ "
CLOSEST_SHOWN = 3


class ResultRow(NamedTuple):
    """One competence's row: its cells as text, and its label (None when it does not apply)."""

    number: str
    name: str
    cells: tuple[str, ...]
    """Actual / target on each axis of the table."""
    result: str
    label: str | None


def cell(actual: int | None, target: int | None) -> str:
    shown = "–" if actual is None else str(actual)
    return shown if target is None else f"{shown} / {target}"


def axes_of(v: Verdict) -> tuple[str, ...]:
    """The axes the table shows: those of the profile's targets."""
    return next((r.axes for r in v.competences if r.target is not None), AXES)


def result_rows(v: Verdict) -> list[ResultRow]:
    axes = axes_of(v)
    rows = []
    for r in v.competences:
        t = r.target
        cells = tuple(cell(r.rating.level(axis), t.level(axis) if t else None) for axis in axes)
        c = r.competence
        if not r.applicable:
            rows.append(ResultRow(str(c.number), c.name, cells, NOT_APPLICABLE, None))
            continue
        result = r.label if r.met else f"{r.label} ({r.shortfall} short)"
        rows.append(ResultRow(str(c.number), c.name, cells, str(result), r.label))
    return rows


def title(v: Verdict) -> str:
    who = f"{v.person}: " if v.person else ""
    return f"{who}{v.profile.name}, {v.context} context"


def headline(v: Verdict) -> str:
    """The verdict's first reason, marked ✔ or ✘."""
    return (MET_MARK if v.meets_profile else UNMET_MARK) + v.reasons[0]


def closest(v: Verdict) -> str | None:
    """The closest specialisms not yet met, or None."""
    if not v.closest_specialisms:
        return None
    shown = ", ".join(
        f"{d.competence.name} ({d.levels_short} short)"
        for d in v.closest_specialisms[:CLOSEST_SHOWN]
    )
    return f"Closest specialisms: {shown}"


def write_plain(verdicts: Iterable[Verdict], out: IO[str]) -> None:
    """Each verdict as a fixed-width table and its reasons, a blank line between people."""
    for i, v in enumerate(verdicts):
        axes = axes_of(v)
        rows = result_rows(v)
        name_width = max(len("Competence"), *(len(r.name) for r in rows))
        widths = [max(len(axis), len("– / 5")) for axis in axes]
        head = "  ".join(axis.capitalize().center(w) for axis, w in zip(axes, widths, strict=True))
        lines = [
            "\n" if i else "",
            title(v),
            f"\nNo.  {'Competence':<{name_width}}  {head}  Result\n",
        ]
        for r in rows:
            cells = "  ".join(c.center(w) for c, w in zip(r.cells, widths, strict=True))
            lines.append(f"{r.number:>3}  {r.name:<{name_width}}  {cells}  {r.result}\n")
        lines.append(f"{KEY}\n{headline(v)}\n")
        lines.extend(f"  • {reason}\n" for reason in v.reasons[1:])
        if (line := closest(v)) is not None:
            lines.append(line + "\n")
        out.write("".join(lines))
