"""Freshness: when a person's assessment is stale, and when a cycle's step is overdue.

The one home of the rule, used by ``competence remind``, the pages, the API and the CLI:

- **stale**: the counting assessment (the latest counted one) is dated more than
  ``reassess_months`` months before today (``COMPETENCE_REASSESS_MONTHS``); a person with no
  counted assessment at all is due too ("not assessed yet").
- **overdue**: the latest cycle to have opened is past its due date (``closes_on``) and the
  person's self-assessment in it is not submitted ("overdue since 30 November"); or their
  self-assessment is submitted but the review is not sent (no counted assessor's or agreed
  assessment in the cycle): then the assessor is overdue.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

PERSON, ASSESSOR = "person", "assessor"
"""Whose step is overdue: the person's self-assessment, or the assessor's review."""


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 when later is not a month on)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day and later.day != calendar.monthrange(later.year, later.month)[1]:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class CycleState:
    """What the rule needs of a person's latest cycle."""

    name: str
    closes_on: dt.date | None
    self_submitted: bool
    review_sent: bool


@dataclass(frozen=True)
class Freshness:
    last: dt.date | None
    """The date of the counting assessment, if any."""
    stale: bool
    overdue_since: dt.date | None
    """The due date passed without the step (None: not overdue)."""
    overdue_by: str | None
    """:data:`PERSON` or :data:`ASSESSOR`, when overdue."""
    cycle: str | None
    months: int | None
    """Whole months since the counting assessment."""

    @property
    def due(self) -> bool:
        return self.stale or self.overdue_since is not None

    @property
    def state(self) -> str:
        """``overdue``, ``stale`` or ``current``, in the words the API gives."""
        return "overdue" if self.overdue_since else "stale" if self.stale else "current"


def freshness(
    last: dt.date | None, today: dt.date, reassess_months: int, cycle: CycleState | None = None
) -> Freshness:
    """The rule (see the module's docstring)."""
    stale = last is None or last < months_before(today, reassess_months)
    since = by = None
    if cycle is not None and cycle.closes_on is not None and cycle.closes_on < today:
        if not cycle.self_submitted:
            since, by = cycle.closes_on, PERSON
        elif not cycle.review_sent:
            since, by = cycle.closes_on, ASSESSOR
    return Freshness(
        last=last,
        stale=stale,
        overdue_since=since,
        overdue_by=by,
        cycle=cycle.name if cycle else None,
        months=months_between(last, today) if last else None,
    )


def _day(day: dt.date, today: dt.date) -> str:
    return f"{day.day} {day:%B}" + ("" if day.year == today.year else f" {day.year}")


def words(f: Freshness, today: dt.date) -> str:
    """The state in words, as every page shows it: "assessed 14 months ago: due again",
    "overdue since 30 November" (with whose step), "assessed 3 months ago"."""
    if f.last is None:
        age = "not assessed yet"
    elif f.months == 0:
        age = "assessed this month"
    else:
        age = f"assessed {f.months} month{'' if f.months == 1 else 's'} ago"
    parts = [f"{age}: due again" if f.stale and f.last else age]
    if f.overdue_since is not None:
        step = "self-assessment" if f.overdue_by == PERSON else "review"
        parts.append(f"{step} overdue since {_day(f.overdue_since, today)} ({f.cycle})")
    return "; ".join(parts)
