"""Jobs in words: how far a job is, what its state means, and the schedule's periods.

A job is long work a worker process does outside a request (docs/admin.md "Jobs"). These rules
say what a person sees of one; :mod:`competence.services.jobs` keeps the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = frozenset({DONE, FAILED})

STATUS_WORDS = {
    QUEUED: "Waiting for a worker",
    RUNNING: "Running",
    DONE: "Done",
    FAILED: "Failed",
}

STALE_AFTER = dt.timedelta(minutes=10)
"""A running job whose worker has not reported progress for this long is taken as stopped."""

STOPPED = (
    "The worker running this job stopped before the job ended (it was killed, or its machine "
    "restarted). An import is all or nothing, so nothing of it was written. Start it again."
)


def import_runs_as_job(size: int, threshold: int) -> bool:
    """Whether an import of a file of ``size`` bytes, from the import page or the API, runs as a
    job rather than in the request: when the file is larger than ``threshold``
    (``COMPETENCE_IMPORT_JOB_BYTES``; 0 sends every import to a job)."""
    return size > threshold


def is_finished(status: str) -> bool:
    return status in FINISHED


def percent(done: int, total: int | None) -> int | None:
    """How far, in whole percent, when the total is known."""
    if not total:
        return None
    return max(0, min(100, done * 100 // total))


def progress_words(status: str, stage: str, done: int, total: int | None) -> str:
    """What the progress bar says in text ("Importing: 12,000 of 29,000")."""
    if status == QUEUED:
        return "Waiting for a worker to start it."
    if status == RUNNING and not stage:
        return "Starting."
    if status in FINISHED:
        ended = "Finished" if status == DONE else "Stopped"
        return f"{ended}: {stage} {done:,} of {total:,}." if stage and total else f"{ended}."
    name = (stage or "working").capitalize()
    if total:
        return f"{name}: {done:,} of {total:,} ({percent(done, total)} %)."
    return f"{name}: {done:,} so far."


@dataclass(frozen=True)
class Scheduled:
    """A job the workers enqueue by themselves, once a period."""

    name: str
    cadence: str  # daily | weekly
    why: str


SCHEDULE = (
    Scheduled("retention", "daily", "erase those who left past COMPETENCE_RETENTION_MONTHS"),
    Scheduled("reminders", "weekly", "email everyone whose self-assessment is due"),
)


def period(cadence: str, today: dt.date) -> str:
    """The period ``today`` falls in: the day itself, or the Monday of its week."""
    if cadence == "daily":
        return today.isoformat()
    if cadence == "weekly":
        return (today - dt.timedelta(days=today.weekday())).isoformat()
    raise ValueError(f"unknown cadence {cadence!r}")
