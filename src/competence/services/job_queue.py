"""The embedded job queue: a backend of django-tasks (the task framework of Django 6) whose
queue is the jobs table itself, so that it needs no server beside the database.

Jobs are enqueued through django-tasks' interface only (:func:`competence.services.jobs.run_job`
is a django-tasks task), so that an organisation can give ``TASKS`` another backend, such as one
on Redis, and run that backend's workers instead of ``competence worker`` (docs/admin.md "Jobs").
With this one, ``enqueue`` finds the job's row already waiting, and ``competence worker`` takes
the rows in order (:func:`competence.services.jobs.work`).
"""

from __future__ import annotations

from typing import Any

from django_tasks import TaskResult, TaskResultStatus
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task
from django_tasks.exceptions import InvalidTaskError, TaskResultDoesNotExist

from competence.domain import jobs as rules
from competence.store.models import Job

RUN_JOB = "competence.services.jobs.run_job"
STATUSES = {
    rules.QUEUED: TaskResultStatus.READY,
    rules.RUNNING: TaskResultStatus.RUNNING,
    rules.DONE: TaskResultStatus.SUCCESSFUL,
    rules.FAILED: TaskResultStatus.FAILED,
}


class DatabaseBackend(BaseTaskBackend):
    """django-tasks' backend over the jobs table (one task: run job ``id``)."""

    supports_get_result = True

    def validate_task(self, task: Task[Any, Any]) -> None:
        super().validate_task(task)
        if task.module_path != RUN_JOB:
            raise InvalidTaskError(f"the embedded queue runs {RUN_JOB} only")

    def enqueue(
        self, task: Task[Any, Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> TaskResult[Any]:
        self.validate_task(task)
        (job_id,) = [*args, *kwargs.values()]
        job = Job.objects.get(pk=job_id)
        if job.queue != task.queue_name:
            Job.objects.filter(pk=job.pk).update(queue=task.queue_name)
        return self._result(task, job)

    def get_result(self, result_id: str) -> TaskResult[Any]:
        from competence.services.jobs import run_job

        job = Job.objects.filter(pk=int(result_id) if result_id.isdigit() else 0).first()
        if job is None:
            raise TaskResultDoesNotExist(result_id)
        return self._result(run_job, job)

    def _result(self, task: Task[Any, Any], job: Job) -> TaskResult[Any]:
        return TaskResult(
            task=task,
            id=str(job.pk),
            status=STATUSES[job.status],
            enqueued_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            last_attempted_at=job.started_at,
            args=[job.pk],
            kwargs={},
            backend=self.alias,
            errors=[],
            worker_ids=[job.worker] if job.worker else [],
        )
