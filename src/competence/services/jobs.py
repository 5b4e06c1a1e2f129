"""Jobs: long work done by a worker process, with its progress and its result kept in the
database, so that the browser can follow it and a restart of the web process loses nothing.

A job calls the very service its synchronous path calls (an import is
:func:`competence.services.imports.import_named`, all or nothing in one transaction as ever),
with a progress callback that this module stores. ``competence worker`` (:func:`work`) takes
the waiting jobs one at a time, enqueues the scheduled ones (:data:`competence.domain.jobs.
SCHEDULE`), and on start fails the jobs a stopped worker left running (:func:`recover_stale`).

Progress is written outside the job's own transaction (an import's is still open): on
PostgreSQL through a second connection into the job's row; on SQLite, whose one write lock the
import holds, into a small file beside the database (SQLite serves one machine).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from competence.domain import jobs as rules
from competence.errors import MAX_REPORTED, InputError
from competence.services import policy
from competence.store import audit
from competence.store.models import Job, JobChunk, ScheduledRun

log = logging.getLogger(__name__)

CHUNK_BYTES = 4 * 1024 * 1024
"""A job's files are kept in parts of this size (a download streams them one at a time)."""
PROGRESS_SECONDS = 0.5
"""Progress is written at most this often (and whenever the stage changes or ends)."""
POLL_SECONDS = 1.0
"""How long an idle worker waits before it looks for a job again."""
KEEP_DAYS = 7
"""Finished jobs, and their files, are removed after this many days (by the daily schedule)."""
INPUT, OUTPUT = "input", "output"
ZIP_TYPE = "application/zip"

Progress = Callable[[str, int, int | None], None]
Runner = Callable[[Job, Progress], dict[str, Any]]


def worker_name() -> str:
    """This process as a job's worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


# -- starting a job ----------------------------------------------------------------------------


def start(
    kind: str,
    title: str,
    *,
    user: policy.User | None = None,
    options: dict[str, Any] | None = None,
    upload: Iterator[bytes] | None = None,
    queue: str = "default",
) -> Job:
    """Record a job and put it on the queue; ``upload``'s bytes are its input."""
    if kind not in RUNNERS:
        raise InputError(f"unknown kind of job {kind!r}: one of {', '.join(RUNNERS)}")
    owner = user if user is not None and getattr(user, "pk", None) is not None else None
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title[:300],
            queue=queue,
            owner=owner,  # type: ignore[misc]
            actor=_actor(user),
            options=options or {},
            created_at=timezone.now(),
        )
        if upload is not None:
            _store(job, INPUT, upload)
    run_job.using(queue_name=queue).enqueue(job.pk)
    return job


def _actor(user: policy.User | None) -> str:
    with contextlib.suppress(Exception):
        return audit.current_actor()
    return user.get_username() if user is not None and user.is_authenticated else "system"


def _store(job: Job, role: str, chunks: Iterator[bytes]) -> int:
    """Keep a file's bytes as the job's ``role`` file, in parts; return its size."""
    size, part, buffer = 0, 0, bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= CHUNK_BYTES:
            JobChunk.objects.create(job=job, role=role, part=part, data=bytes(buffer[:CHUNK_BYTES]))
            del buffer[:CHUNK_BYTES]
            part += 1
        size += len(chunk)
    if buffer or part == 0:
        JobChunk.objects.create(job=job, role=role, part=part, data=bytes(buffer))
    return size


def file_parts(job: Job, role: str = OUTPUT) -> Iterator[bytes]:
    """A job's file, a part at a time."""
    ids = JobChunk.objects.filter(job=job, role=role).order_by("part").values_list("pk", flat=True)
    for pk in list(ids):
        yield bytes(JobChunk.objects.values_list("data", flat=True).get(pk=pk))


def _read_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        yield from iter(lambda: f.read(CHUNK_BYTES), b"")


# -- who sees which job ------------------------------------------------------------------------


def visible(user: policy.User) -> QuerySet[Job]:
    """The jobs ``user`` may see (:func:`competence.services.policy.visible_jobs`)."""
    return policy.visible_jobs(user, Job.objects.all())


def job_for(user: policy.User, job_id: int) -> Job:
    """The job, for a user who may see it; :class:`LookupError` when there is none, and
    :class:`policy.Forbidden` when it is someone else's."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise LookupError(f"no job {job_id}")
    policy.require(user, "job.view", job)
    return job


def listed(user: policy.User, limit: int = 100) -> list[dict[str, Any]]:
    """The latest jobs ``user`` may see, newest first (``competence jobs list``)."""
    return [described(job) for job in visible(user)[:limit]]


def shown(user: policy.User, job_id: int) -> dict[str, Any]:
    """One job ``user`` may see (``competence jobs show``); :class:`InputError` otherwise."""
    try:
        return described(job_for(user, job_id))
    except LookupError:
        raise InputError(f"JOB: no job {job_id}") from None


def described(job: Job, download_url: str | None = None) -> dict[str, Any]:
    """A job as the page, the API and ``competence jobs show`` give it."""
    stage, done, total = progress_of(job)
    finished = rules.is_finished(job.status)
    has_output = job.status == rules.DONE and bool(job.output_name)
    percent = 100 if job.status == rules.DONE else rules.percent(done, total)
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "status_words": rules.STATUS_WORDS[job.status],
        "finished": finished,
        "stage": stage,
        "done": done,
        "total": total,
        "percent": percent,
        "determinate": percent is not None,
        "progress_words": rules.progress_words(job.status, stage, done, total),
        "result": job.result,
        "problems": job.problems,
        "more": job.more,
        "output": {"name": job.output_name, "content_type": job.output_type, "url": download_url}
        if has_output
        else None,
        "started_by": job.actor,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


# -- progress ----------------------------------------------------------------------------------


def _progress_file(job_id: int) -> Path | None:
    """Where a running job writes its progress on a SQLite database file (None on PostgreSQL,
    and on an in-memory database, which one process holds)."""
    db = connection.settings_dict
    name = str(db["NAME"])
    if connection.vendor != "sqlite" or not name or connection.creation.is_in_memory_db(name):  # type: ignore[attr-defined]
        return None
    path = Path(name)
    return path.with_name(path.name + "-jobs") / f"{job_id}.json"


def progress_of(job: Job) -> tuple[str, int, int | None]:
    """How far a job is: the row's, or a running job's progress file's when it is newer."""
    if job.status == rules.RUNNING and (path := _progress_file(job.pk)) is not None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            kept = json.loads(path.read_text("utf-8"))
            return str(kept["stage"]), int(kept["done"]), kept["total"]
    return job.stage, job.done, job.total


def _heartbeat_of(job: Job) -> dt.datetime | None:
    path = _progress_file(job.pk)
    if path is not None:
        with contextlib.suppress(OSError):
            return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return job.heartbeat_at


class JobProgress:
    """The ``progress(stage, done, total)`` callback a job's service is given: it keeps the
    latest figures, at most every :data:`PROGRESS_SECONDS`, outside the job's transaction."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self.file = _progress_file(job.pk)
        self.last = 0.0
        self.stage = ""
        self.side: Any = None  # PostgreSQL: a connection of its own, in autocommit
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if stage == self.stage and now - self.last < PROGRESS_SECONDS and done != total:
            return
        self.stage, self.last = stage, now
        if self.file is not None:
            temporary = self.file.with_suffix(".tmp")
            temporary.write_text(json.dumps({"stage": stage, "done": done, "total": total}))
            os.replace(temporary, self.file)
            return
        if self.side is None:  # PostgreSQL: a connection of its own; in memory: this one
            in_memory = connection.vendor == "sqlite"
            self.side = connection if in_memory else connections.create_connection("default")
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET stage = %s, done = %s, total = %s, "
                "heartbeat_at = %s WHERE id = %s",
                [stage, done, total, timezone.now(), self.job_id],
            )

    def close(self) -> tuple[str, int, int | None] | None:
        """Stop; the last figures written to the side file, to keep in the row."""
        if self.side is not None and self.side is not connection:
            self.side.close()
        if self.file is None:
            return None
        kept = None
        with contextlib.suppress(OSError, ValueError, KeyError):
            data = json.loads(self.file.read_text("utf-8"))
            kept = (str(data["stage"]), int(data["done"]), data["total"])
        self.file.unlink(missing_ok=True)
        return kept


# -- running a job -----------------------------------------------------------------------------


@task()
def run_job(job_id: int) -> str:
    """The one task on the queue: run job ``job_id`` if it is still waiting; its status."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=rules.QUEUED).update(
        status=rules.RUNNING, worker=worker_name(), started_at=now, heartbeat_at=now
    )
    job = Job.objects.get(pk=job_id)
    if claimed:
        _perform(job)
        job.refresh_from_db()
    return job.status


def _perform(job: Job) -> None:
    progress = JobProgress(job)
    ended: dict[str, Any] = {"finished_at": None}
    try:
        with audit.acting_as(job.actor):
            ended["result"] = RUNNERS[job.kind](job, progress)
        ended["status"] = rules.DONE
    except InputError as exc:
        ended.update(status=rules.FAILED, problems=exc.problems[:MAX_REPORTED], more=exc.rest())
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        ended.update(status=rules.FAILED, problems=[f"internal error: {type(exc).__name__}: {exc}"])
    last = progress.close()
    if last is not None:
        ended.update(stage=last[0], done=last[1], total=last[2])
    ended["finished_at"] = timezone.now()
    JobChunk.objects.filter(job=job, role=INPUT).delete()  # the upload is not kept
    Job.objects.filter(pk=job.pk).update(**ended)


def _output(job: Job, path: Path, name: str, content_type: str) -> None:
    with transaction.atomic():
        JobChunk.objects.filter(job=job, role=OUTPUT).delete()
        _store(job, OUTPUT, _read_file(path))
        Job.objects.filter(pk=job.pk).update(output_name=name, output_type=content_type)


def _owner(job: Job) -> policy.User:
    return job.owner if job.owner is not None else policy.OPERATOR


def _run_import(job: Job, progress: Progress) -> dict[str, Any]:
    from competence.services.imports import import_named, upload_suffix

    name = str(job.options.get("name") or "upload.csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{upload_suffix(name)}"
        with path.open("wb") as f:
            for part in file_parts(job, INPUT):
                f.write(part)
        return import_named(
            path,
            name,
            cycle=job.options.get("cycle"),
            kind=job.options.get("kind"),
            dry_run=bool(job.options.get("dry_run")),
            progress=progress,
        )


def _run_reports(job: Job, progress: Progress) -> dict[str, Any]:
    from competence.services import reports

    policy.require(_owner(job), "admin")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        count = reports.everyone(folder, progress)
        archive = Path(tmp) / "reports.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for pdf in sorted(folder.iterdir()):
                z.write(pdf, pdf.name)
        _output(job, archive, "reports.zip", ZIP_TYPE)
    return {"reports": count}


def _run_team_report(job: Job, progress: Progress) -> dict[str, Any]:
    from competence.services import reports, team_view

    fmt = str(job.options.get("format"))
    user = _owner(job)
    choice = team_view.choose(user, job.options.get("team"), job.options.get("context"))
    policy.require(user, "team.individuals")
    progress("writing the report", 0, None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"team-report.{fmt}"
        pair = job.options.get("compare")
        count = reports.team_report(
            choice, fmt, out, job.options.get("cycle"), (pair[0], pair[1]) if pair else None
        )
        _output(job, out, out.name, REPORT_TYPES.get(fmt, "application/octet-stream"))
    return {"people": count}


REPORT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _run_reminders(job: Job, progress: Progress) -> dict[str, Any]:
    from competence.services.privacy import remind

    data = remind(bool(job.options.get("dry_run")))
    return {"due": len(data["due"]), "sent": data["sent"]}


def _run_retention(job: Job, progress: Progress) -> dict[str, Any]:
    from competence.services.privacy import apply_retention

    data = apply_retention(bool(job.options.get("dry_run")))
    _remove_old_jobs()
    return {"erased": len(data["erased"])}


def _remove_old_jobs() -> int:
    """Finished jobs older than :data:`KEEP_DAYS` go, with their files."""
    cutoff = timezone.now() - dt.timedelta(days=KEEP_DAYS)
    old = Job.objects.filter(status__in=rules.FINISHED, finished_at__lt=cutoff)
    return old.delete()[1].get(Job._meta.label, 0)


RUNNERS: dict[str, Runner] = {
    "import": _run_import,
    "reports": _run_reports,
    "team-report": _run_team_report,
    "reminders": _run_reminders,
    "retention": _run_retention,
}


# -- the worker --------------------------------------------------------------------------------


def recover_stale(now: dt.datetime | None = None) -> list[int]:
    """Fail the running jobs whose worker has stopped: a worker on this machine whose process
    is gone (or is this very process, just started), or any worker silent for
    :data:`competence.domain.jobs.STALE_AFTER`. Their transaction never committed, so nothing
    of them was kept. Return their ids."""
    now = now or timezone.now()
    host = socket.gethostname()
    stale = []
    for job in Job.objects.filter(status=rules.RUNNING):
        where, _, pid = job.worker.rpartition(":")
        gone = where == host and pid.isdigit() and not _alive(int(pid))
        beat = _heartbeat_of(job)
        silent = beat is None or now - beat > rules.STALE_AFTER
        if gone or silent:
            stale.append(job.pk)
    if stale:
        Job.objects.filter(pk__in=stale, status=rules.RUNNING).update(
            status=rules.FAILED, problems=[rules.STOPPED], finished_at=now
        )
        JobChunk.objects.filter(job_id__in=stale, role=INPUT).delete()  # the upload goes too
        for pk in stale:
            if (path := _progress_file(pk)) is not None:
                path.unlink(missing_ok=True)
    return stale


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process has just started: the job was its predecessor's
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def enqueue_scheduled(today: dt.date | None = None) -> list[Job]:
    """Enqueue each scheduled job not yet enqueued for its period (once, whatever the number
    of workers: the period's unique key decides); return those enqueued."""
    today = today or timezone.localdate()
    started = []
    for entry in rules.SCHEDULE:
        if entry.name == "retention" and settings.CONFIG.retention_months is None:
            options: dict[str, Any] = {"dry_run": True}  # still removes old jobs; erases nobody
        else:
            options = {}
        key = rules.period(entry.cadence, today)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    name=entry.name, period=key, created_at=timezone.now()
                )
        except IntegrityError:
            continue  # another worker enqueued it
        with audit.acting_as("schedule"):
            job = start(entry.name, f"Scheduled {entry.name} for {key}", options=options)
        ScheduledRun.objects.filter(pk=run.pk).update(job=job)
        started.append(job)
    return started


def next_waiting(queue: str) -> int | None:
    return (
        Job.objects.filter(queue=queue, status=rules.QUEUED)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )


def work(
    *,
    queue: str = "default",
    burst: bool = False,
    concurrency: int = 1,
    schedule: bool = True,
    stop: threading.Event | None = None,
    announce: Callable[[str], None] = lambda line: None,
) -> int:
    """Run the queue's jobs, ``concurrency`` at a time, until ``stop`` is set (or, with
    ``burst``, until none is waiting); return how many ran."""
    stop = stop or threading.Event()
    for pk in recover_stale():
        announce(f"Job {pk} was left running by a worker that stopped: marked failed.")
    counts = [0] * concurrency

    def loop(slot: int) -> None:
        while not stop.is_set():
            if schedule:
                enqueue_scheduled()
            pk = next_waiting(queue)
            if pk is None:
                if burst:
                    return
                stop.wait(POLL_SECONDS)
                continue
            status = run_job.call(pk)
            if status in rules.FINISHED:
                counts[slot] += 1
                announce(f"Job {pk}: {status}.")

    def in_own_thread(slot: int) -> None:
        try:
            loop(slot)
        finally:
            connection.close()  # this thread's own connection

    if concurrency == 1:
        loop(0)
    else:
        threads = [
            threading.Thread(target=in_own_thread, args=(i,), daemon=True)
            for i in range(concurrency)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return sum(counts)


def in_thread(queue: str = "default", schedule: bool = False) -> threading.Event:
    """One worker in a thread of this process (``competence serve --demo``: without the
    schedule, which would email the demo's people); set the event returned to stop it after its
    current job."""
    stop = threading.Event()

    def run() -> None:
        try:
            work(queue=queue, stop=stop, schedule=schedule)
        finally:
            connection.close()

    threading.Thread(target=run, daemon=True, name="worker").start()
    return stop
