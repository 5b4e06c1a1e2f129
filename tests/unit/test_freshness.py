"""The freshness rule (competence.domain.freshness): stale, overdue, and the words."""

from __future__ import annotations

import datetime as dt

from competence.domain.freshness import (
    ASSESSOR,
    PERSON,
    CycleState,
    freshness,
    months_before,
    months_between,
    words,
)

TODAY = dt.date(2026, 12, 1)


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(TODAY, 12) == dt.date(2025, 12, 1)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_between(dt.date(2025, 10, 1), TODAY) == 14
    assert months_between(dt.date(2025, 10, 2), TODAY) == 13
    assert months_between(TODAY, TODAY) == 0


def test_stale_is_older_than_the_reassessment_period() -> None:
    assert not freshness(dt.date(2025, 12, 1), TODAY, 12).stale  # exactly 12 months: not yet
    old = freshness(dt.date(2025, 10, 1), TODAY, 12)
    assert old.stale
    assert old.state == "stale"
    assert old.overdue_since is None
    assert words(old, TODAY) == "assessed 14 months ago: due again"
    assert words(freshness(dt.date(2026, 9, 1), TODAY, 12), TODAY) == "assessed 3 months ago"
    assert words(freshness(dt.date(2026, 11, 5), TODAY, 12), TODAY) == "assessed this month"
    never = freshness(None, TODAY, 12)
    assert never.stale
    assert words(never, TODAY) == "not assessed yet"


def test_overdue_is_past_the_due_date_without_the_step() -> None:
    due = dt.date(2026, 11, 30)
    fresh = dt.date(2026, 6, 1)
    missing = freshness(fresh, TODAY, 12, CycleState("2026", due, False, False))
    assert missing.overdue_since == due
    assert missing.overdue_by == PERSON
    assert missing.state == "overdue"
    assert missing.due
    assert not missing.stale
    assert words(missing, TODAY) == (
        "assessed 6 months ago; self-assessment overdue since 30 November (2026)"
    )
    review = freshness(fresh, TODAY, 12, CycleState("2026", due, True, False))
    assert review.overdue_by == ASSESSOR
    assert words(review, TODAY).endswith("review overdue since 30 November (2026)")
    assert not freshness(fresh, TODAY, 12, CycleState("2026", due, True, True)).due
    # On the due date itself, and with no due date, nothing is overdue.
    assert not freshness(fresh, due, 12, CycleState("2026", due, False, False)).due
    assert not freshness(fresh, TODAY, 12, CycleState("2026", None, False, False)).due
    last_year = freshness(None, TODAY, 12, CycleState("2025", dt.date(2025, 12, 19), False, False))
    assert words(last_year, TODAY) == (
        "not assessed yet; self-assessment overdue since 19 December 2025 (2025)"
    )
