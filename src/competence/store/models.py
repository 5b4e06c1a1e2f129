"""Tables. Business rules stay in ``competence.domain``; these only store what happened."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import models

from competence.domain import second_views, workflow
from competence.domain.evidence import MAX_LINK_LENGTH, MAX_NAME_LENGTH, Confidence
from competence.domain.framework import APM, CONTEXTS
from competence.domain.plans import PlanStatus

CONTEXT_CHOICES = [(c, c) for c in CONTEXTS]


class ReadOnlyError(Exception):
    """A signed-off assessment, or the append-only audit trail, was asked to change."""


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """Django choices for one of the domain's enumerations (the domain is their one home)."""
    return [(member.value, member.name.replace("_", " ").title()) for member in enum]


class FrameworkVersion(models.Model):
    """A framework as loaded from its data files (or a CASE package): kept for every version."""

    framework_id = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=20, default="builtin")  # builtin | case
    document = models.JSONField()
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["framework_id", "version"], name="framework_version")
        ]

    def __str__(self) -> str:
        return f"{self.framework_id} {self.version}"


class ProfileVersion(models.Model):
    """One version of a role profile over a framework version. Editing a profile makes the next
    version; earlier versions stay, and the assessments judged against them keep pointing at
    them. ``document`` is the profile as its file holds it (data/schema/profile.schema.json)."""

    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="profiles"
    )
    profile_id = models.CharField(max_length=100)
    number = models.PositiveIntegerField(default=1)
    name = models.CharField(max_length=200)
    owner = models.CharField(max_length=20, default=APM)  # apm (read-only) | organisation
    document = models.JSONField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile_id", "number"], name="profile_version_number")
        ]
        ordering = ["profile_id", "number"]

    def __str__(self) -> str:
        return f"{self.profile_id} v{self.number}"


class Pmo(models.Model):
    name = models.CharField(max_length=200, unique=True)
    context = models.CharField(max_length=20, choices=CONTEXT_CHOICES)
    leads = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="pmos_led")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team, or a department holding teams (``parent``)."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    pmo = models.ForeignKey(
        Pmo, null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="team_name_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="top_level_team_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone assessed (CONTRACT.md "Identity")."""

    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    employee_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    context = models.CharField(max_length=20, choices=CONTEXT_CHOICES)
    profile = models.CharField(max_length=100, default="pmo-officer")
    target_profile = models.CharField(max_length=100, null=True, blank=True)
    """The next step, if any: the profile whose "what I still need" plans and results show."""
    assessor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="assessees"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["name", "email"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Cycle(models.Model):
    name = models.CharField(max_length=100, unique=True)
    opens_on = models.DateField()
    closes_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["opens_on", "name"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    Kind = workflow.Kind
    Status = workflow.Status

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=10, choices=_choices(Kind), default=Kind.SELF)
    status = models.CharField(max_length=12, choices=_choices(Status), default=Status.DRAFT)
    assessed_on = models.DateField()
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    profile = models.CharField(max_length=100)
    profile_version = models.ForeignKey(
        ProfileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    """The profile version the assessment is judged against (pinned: a signed-off verdict never
    changes when the profile changes later)."""
    context = models.CharField(max_length=20, choices=CONTEXT_CHOICES)
    signed_off_by = models.CharField(max_length=200, blank=True, default="")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, db_default=1)
    """Goes up by one with every change of the assessment or its ratings: a form or API client
    sends the version it loaded, and a save against a newer one is refused (nothing is lost)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cycle", "kind"], name="one_per_cycle_and_kind"
            )
        ]
        ordering = ["assessed_on", "id"]

    def __str__(self) -> str:
        return f"{self.person.email} {self.cycle.name} {self.kind}"

    @property
    def locked(self) -> bool:
        return workflow.locked(self.status)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = Assessment.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored is not None and workflow.locked(stored):
                raise ReadOnlyError(f"assessment {self} is signed off and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.locked:
            raise ReadOnlyError(f"assessment {self} is signed off and cannot be deleted")
        return super().delete(*args, **kwargs)

    @staticmethod
    def cycle_of_is_locked(assessment_id: int) -> bool:
        """Whether the person's cycle that holds this assessment is signed off (one query)."""
        return Assessment.objects.filter(
            status=workflow.Status.SIGNED_OFF,
            person__assessments__id=assessment_id,
            cycle__assessments__id=assessment_id,
        ).exists()


class Rating(models.Model):
    # No index of its own: the unique (assessment, competence) constraint's index serves it.
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    competence = models.PositiveSmallIntegerField()
    knowledge = models.PositiveSmallIntegerField(null=True, blank=True)
    application = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence = models.TextField(blank=True, default="")
    evidence_links = models.JSONField(default=list, blank=True)
    """Links to evidence (http or https), as the domain checks them."""
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=[(c.value, c.words) for c in Confidence]
    )
    """How sure the person is of the rating (:class:`competence.domain.evidence.Confidence`)."""
    rated_by = models.CharField(max_length=200)
    rated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "competence"], name="one_rating_each"),
            models.CheckConstraint(
                condition=models.Q(knowledge__lte=5) | models.Q(knowledge=None),
                name="knowledge_0_5",
            ),
            models.CheckConstraint(
                condition=models.Q(application__lte=5) | models.Q(application=None),
                name="application_0_5",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    confidence__gte=min(Confidence).value, confidence__lte=max(Confidence).value
                )
                | models.Q(confidence=None),
                name="confidence_in_choices",
            ),
        ]
        ordering = ["competence"]

    def __str__(self) -> str:
        return f"{self.competence}: {self.knowledge}/{self.application}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Assessment.cycle_of_is_locked(self.assessment_id):
            raise ReadOnlyError("the cycle is signed off: its ratings cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Assessment.cycle_of_is_locked(self.assessment_id):
            raise ReadOnlyError("the cycle is signed off: its ratings cannot change")
        return super().delete(*args, **kwargs)


class EvidenceFile(models.Model):
    """A file a person shows as evidence for one competence of an assessment, kept here with its
    bytes (so that a backup carries it). Its type was told by its content
    (:func:`competence.domain.evidence.check_file`); it goes when its assessment goes."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence_files"
    )
    competence = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=MAX_NAME_LENGTH)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["assessment", "competence", "id"]
        indexes = [models.Index(fields=["assessment", "competence"], name="evidence_file_rating")]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes) on {self.competence}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Assessment.cycle_of_is_locked(self.assessment_id):
            raise ReadOnlyError("the cycle is signed off: its evidence cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Assessment.cycle_of_is_locked(self.assessment_id):
            raise ReadOnlyError("the cycle is signed off: its evidence cannot change")
        return super().delete(*args, **kwargs)


class PlanItem(models.Model):
    Status = PlanStatus

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="plan_items")
    competence = models.PositiveSmallIntegerField()
    axis = models.CharField(
        max_length=12, choices=[("knowledge", "knowledge"), ("application", "application")]
    )
    target_level = models.PositiveSmallIntegerField()
    action = models.TextField()
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=_choices(Status), default=Status.PLANNED)

    class Meta:
        ordering = ["due_on", "competence", "id"]

    def __str__(self) -> str:
        return f"{self.person.email}: {self.competence} {self.axis} to {self.target_level}"


class AuditEntry(models.Model):
    """The append-only audit trail (CONTRACT.md "Identity")."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=20)  # create | update | delete | import | erase | ...
    model = models.CharField(max_length=50)
    object_id = models.CharField(max_length=100, blank=True, default="")
    person = models.CharField(max_length=40, blank=True, default="", db_index=True)  # Person id
    summary = models.CharField(max_length=500, blank=True, default="")
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.model} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReadOnlyError("the audit trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ReadOnlyError("the audit trail is append-only")


class Comment(models.Model):
    """A remark on one competence of an assessment, made during review."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    competence = models.PositiveSmallIntegerField()
    author = models.CharField(max_length=200)
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.competence}: {self.text[:40]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Assessment.cycle_of_is_locked(self.assessment_id):
            raise ReadOnlyError("the cycle is signed off: no more comments")
        super().save(*args, **kwargs)


class Reply(models.Model):
    """The person's answer to their assessor's rating of one competence, in the two-way review:
    they accept it, or reply. ``assessment`` is the assessor's assessment answered."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="replies")
    competence = models.PositiveSmallIntegerField()
    accepted = models.BooleanField()
    text = models.TextField(blank=True, default="")
    author = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "competence"], name="one_reply_each")
        ]
        ordering = ["competence"]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"{self.author} on {self.competence}: {'accepted' if self.accepted else 'replied'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Assessment.cycle_of_is_locked(self.assessment_id):
            raise ReadOnlyError("the cycle is signed off: no more answers")
        super().save(*args, **kwargs)


class SecondView(models.Model):
    """An additional rater's view of a person in a cycle (a peer, a project manager): kept apart
    from the assessments, shown to the person's reviewer, never counted in a verdict (see
    :mod:`competence.domain.second_views`). ``ratings`` maps a competence's number (as text) to
    ``{"knowledge": level, "application": level}``, either level ``null`` when not rated."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="second_views")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="second_views")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_views_asked"
    )
    relation = models.CharField(max_length=20, choices=list(second_views.RELATIONS.items()))
    status = models.CharField(
        max_length=10,
        choices=[(s, s) for s in second_views.STATUSES],
        default=second_views.INVITED,
    )
    ratings = models.JSONField(default=dict, blank=True)
    invited_by = models.CharField(max_length=200)
    invited_at = models.DateTimeField()
    given_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cycle", "rater"], name="one_second_view_each"
            )
        ]
        ordering = ["invited_at", "id"]

    def __str__(self) -> str:
        return f"{self.relation} view of {self.person_id} in {self.cycle_id}: {self.status}"


class ApiToken(models.Model):
    """A per-user token for integrations: scoped, revocable, stored only as its SHA-256."""

    class Scope(models.TextChoices):
        READ = "read"
        WRITE = "write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name}, {self.scope})"


class SingleSignOn(models.Model):
    """A user's identity at a single sign-on provider: its issuer and the subject it gives them.

    Stored at the user's first sign-in whose email the provider said is verified; from then on
    that identity signs them in, and the email alone never does.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="single_sign_ons"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="single_sign_on_identity"),
            models.UniqueConstraint(fields=["user", "issuer"], name="single_sign_on_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class Webhook(models.Model):
    """An address an administrator subscribed to events; each event is POSTed to it, signed
    with its secret (:mod:`competence.domain.webhooks`). The secret is kept as it is (a
    signature needs it), never logged, and shown only to administrators who ask."""

    url = models.CharField(max_length=MAX_LINK_LENGTH)
    secret = models.CharField(max_length=100)
    events = models.JSONField(default=list)
    """The event kinds subscribed to (names of :data:`competence.domain.webhooks.EVENTS`)."""
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"webhook {self.pk} to {self.url}"


class Delivery(models.Model):
    """One event for one webhook, and how sending it went: the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50)
    event_id = models.CharField(max_length=32)
    """The same for every webhook's delivery of one event (a receiver may use it to ignore a
    repeat)."""
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    """What went wrong last time, in words (never the body or the secret)."""
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to webhook {self.webhook_id}: {self.status}"


class IdempotencyKey(models.Model):
    """An API request sent with an ``Idempotency-Key`` header, and the answer it had: the same
    key from the same user with the same request gets that answer again, without doing it twice
    (for :data:`IDEMPOTENCY_HOURS`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    """SHA-256 of the method, the path, the query and the body."""
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_key_and_user")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class Job(models.Model):
    """Long work done by a worker process rather than inside a request: an import, every
    person's PDF report, a team's report, the reminders, the retention rule. The row is the
    record of the job (who started it, how far it is, how it ended) and, with the embedded queue
    (:mod:`competence.services.job_queue`), its place in the queue too; it survives a restart of
    the web process. Its files (the upload, the result) are kept in :class:`JobChunk` rows."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=30)
    """What the job does: a name of :data:`competence.services.jobs.KINDS`."""
    queue = models.CharField(max_length=50, default="default")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    """The user who started it (None: the command line or the schedule)."""
    actor = models.CharField(max_length=200)
    """Whom its changes are recorded as in the audit trail."""
    options = models.JSONField(default=dict)
    title = models.CharField(max_length=300)
    """What it is, in words ("Import of people.csv")."""
    stage = models.CharField(max_length=50, blank=True, default="")
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    """What it did (an import's report, the counts), once done."""
    problems = models.JSONField(default=list)
    """Why it failed: an import's bad rows (at most :data:`competence.errors.MAX_REPORTED`)."""
    more = models.CharField(max_length=200, blank=True, default="")
    """How many problems are not listed, in words."""
    output_name = models.CharField(max_length=200, blank=True, default="")
    output_type = models.CharField(max_length=100, blank=True, default="")
    worker = models.CharField(max_length=300, blank=True, default="")
    """The worker running it: ``host:pid``."""
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["queue", "status", "id"], name="job_waiting")]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}): {self.status}"


class JobChunk(models.Model):
    """A part of one of a job's files: its input (an upload, removed once the job ends) or its
    output (a report or a zip of reports, downloaded from the job's page)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    role = models.CharField(max_length=10)  # input | output
    part = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "role", "part"]
        constraints = [
            models.UniqueConstraint(fields=["job", "role", "part"], name="one_chunk_per_part")
        ]

    def __str__(self) -> str:
        return f"{self.role} part {self.part} of job {self.job_id}"


class ScheduledRun(models.Model):
    """A scheduled job enqueued for one period (a day, a week): the unique key lets one worker
    of many enqueue it, once."""

    name = models.CharField(max_length=50)
    period = models.CharField(max_length=20)
    """The period it ran for: a day, ``2026-12-01``, or a week's Monday."""
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "period"], name="one_run_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.name} for {self.period}"
