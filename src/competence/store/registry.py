"""Which tables a backup holds, derived from Django's model registry, and in what order.

A backup holds every model of the ``competence`` app, Django's users (``auth.User``) and groups
(``auth.Group``: the roles), and every many-to-many table among them, found by walking
``_meta.many_to_many`` (a user's groups, a PMO's leads, a user's and a group's permissions). Nothing
here lists fields: a backup carries every concrete field of these models, primary keys included.

Left out, on purpose (:data:`LEFT_OUT` says why for each): Django's content types and
permissions, which ``competence db upgrade`` creates again (a user's or a group's permissions are
kept by their natural key instead of their id, see :data:`BY_NATURAL_KEY`); sign-in sessions; and
django-axes' records of sign-in attempts, lockouts and sign-ins, which are throttling state and
not the organisation's data; the API's idempotency keys, kept a day; and the jobs, their files
and the schedule's runs, which are work in progress rather than data. A model of any installed
app that is neither backed up nor left out here fails the test suite, so a new table needs a
decision.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models

APP = "competence"

LEFT_OUT: dict[str, str] = {
    "contenttypes.ContentType": "made again by `competence db upgrade` (Django's own table)",
    "auth.Permission": "made again by `competence db upgrade`; references keep their natural key",
    "sessions.Session": "sign-in sessions: everyone signs in again after a restore",
    "axes.AccessAttempt": "sign-in throttling: failed attempts and lockouts",
    "axes.AccessAttemptExpiration": "sign-in throttling: when a lockout ends",
    "axes.AccessFailureLog": "sign-in throttling: the log of failed sign-ins",
    "axes.AccessLog": "sign-in throttling: the log of sign-ins and sign-outs",
    "competence.IdempotencyKey": "the API's answers to Idempotency-Key requests, kept 24 hours: "
    "a request sent again after a restore is done again",
    "competence.Job": "work in progress and its results, kept a week: a job is started again "
    "after a restore, not carried over half-done into another database",
    "competence.JobChunk": "the files of jobs (uploads, reports made), which go with their jobs",
    "competence.ScheduledRun": "when the schedule last enqueued its jobs: a restored database's "
    "workers enqueue them again for the current period",
}

# Left-out models that backed-up tables refer to: by natural key, not by id, since their ids are
# those of the database that `competence db upgrade` made.
BY_NATURAL_KEY = ("auth.Permission",)


def _roots() -> list[type[models.Model]]:
    found = apps.get_app_config(APP).get_models(include_auto_created=True)
    return [get_user_model(), Group, *(m for m in found if m._meta.label not in LEFT_OUT)]


def _with_many_to_many(roots: list[type[models.Model]]) -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for model in roots:
        for m in (model, *(f.remote_field.through for f in model._meta.many_to_many)):
            if m is not None and m not in found:
                found.append(m)
    return found


def backed_up() -> list[type[models.Model]]:
    """Every model a backup holds, each after the models its foreign keys point to.

    A topological order of the foreign keys: at each step the first model, in the registry's
    order (users and groups, then the app's models), whose targets are all placed already.
    """
    waiting = _with_many_to_many(_roots())
    needs = {
        m: {
            target
            for target in references(m)
            if target is not m and target._meta.label not in BY_NATURAL_KEY
        }
        for m in waiting
    }
    order: list[type[models.Model]] = []
    while waiting:
        ready = next((m for m in waiting if needs[m] <= set(order)), None)
        if ready is None:
            cycle = ", ".join(m._meta.label for m in waiting)
            raise RuntimeError(f"the foreign keys of {cycle} go round in a circle")
        order.append(ready)
        waiting.remove(ready)
    return order


def references(model: type[models.Model]) -> list[type[models.Model]]:
    """The models that ``model``'s own foreign keys point to."""
    targets: list[type[models.Model]] = []
    for field in model._meta.concrete_fields:
        target = field.related_model if field.is_relation else None
        if isinstance(target, type) and target not in targets:
            targets.append(target)
    return targets


def name(model: type[models.Model]) -> str:
    """What a person calls the rows of the table: ``people``, ``user groups``, ``pmo leads``."""
    if model._meta.auto_created:
        for owner in apps.get_models():
            for field in owner._meta.many_to_many:
                if field.remote_field.through is model:
                    owner_name = str(owner._meta.verbose_name)
                    rows = field.name.replace("_", " ")
                    return rows if rows.startswith(owner_name) else f"{owner_name} {rows}"
    return str(model._meta.verbose_name_plural)


def unclassified() -> list[str]:
    """Models of the installed apps that a backup neither holds nor leaves out on purpose."""
    held = {m._meta.label for m in backed_up()}
    return [
        m._meta.label
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label not in held and m._meta.label not in LEFT_OUT
    ]
