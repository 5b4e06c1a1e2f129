"""A synthetic PMO organisation to try the product with (``competence serve --demo``).

:func:`plan_demo` decides everything from a seed, without touching the database: three PMOs (one
per context), four teams, 25 invented people, and their assessments in two cycles. It then checks
the spread with the domain's own verdicts (:func:`competence.domain.assess`), so the demo always
shows people who meet the PMO officer profile, a few PMO specialists, some who are one level short
here and there, and some far from the profile.

:func:`build_demo` writes that plan into an empty database through the record services
(:mod:`competence.services.records`), so the workflow and the audit trail are real, acting as
:data:`DEMO_ACTOR`. Every demo account signs in with :data:`DEMO_PASSWORD`. The names are invented
and the addresses are at example.org.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from competence.data import load_catalogue
from competence.domain import Catalogue, Rating, assess
from competence.domain.analysis import GAP
from competence.domain.roles import ADMIN as ADMIN_ROLE
from competence.domain.roles import ASSESSOR as ASSESSOR_ROLE
from competence.domain.roles import MEMBER, PMO_LEAD, ROLES
from competence.domain.team import Targets, who_meets
from competence.domain.workflow import Kind, Status, counting_per_cycle
from competence.errors import InputError
from competence.services import notify, records
from competence.services.demo_start import DEFAULT_SEED as DEFAULT_SEED
from competence.services.demo_start import DEMO_PASSWORD as DEMO_PASSWORD
from competence.services.demo_start import DemoSummary as DemoSummary
from competence.services.demo_start import Progress
from competence.store import audit
from competence.store.models import Assessment, Cycle, Person, Pmo, Team
from competence.store.models import Rating as RatingRow

DEMO_ACTOR = "demo"
"""The actor of every change the demo makes, in the audit trail."""

OFFICER, SPECIALIST = "pmo-officer", "pmo-specialist"
SELF, ASSESSOR, AGREED = Kind.SELF, Kind.ASSESSOR, Kind.AGREED
DRAFT, SUBMITTED, REVIEWED, SIGNED_OFF = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.REVIEWED,
    Status.SIGNED_OFF,
)

# Where each person's results show them to stand (checked by plan_demo with the domain's verdicts).
STANDS_SPECIALIST = "specialist"  # meets both the PMO officer and the PMO specialist profiles
STANDS_OFFICER = "officer"  # meets the PMO officer profile, not yet the specialist one
STANDS_NEAR = "near"  # misses the officer profile by one level (top-ups only)
STANDS_FAR = "far"  # far from the officer profile: several "gap" labels

# How far each person has got in the current cycle.
STAGE_PARTIAL = "partial"  # a self-assessment saved half-way, not submitted
STAGE_DRAFT = "draft"  # a complete self-assessment, not submitted
STAGE_SUBMITTED = "submitted"  # a submitted self-assessment
STAGE_AGREED = "agreed"  # self and assessor reviewed, agreed ratings reviewed (not signed off)

PMOS: tuple[tuple[str, str], ...] = (
    ("Project Delivery Office", "project"),
    ("Transformation Programme Office", "programme"),
    ("Enterprise Portfolio Office", "portfolio"),
)


@dataclass(frozen=True)
class TeamSpec:
    department: str
    name: str
    pmo: str

    @property
    def path(self) -> str:
        return f"{self.department} / {self.name}"

    @property
    def context(self) -> str:
        return dict(PMOS)[self.pmo]


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("Delivery", "Project Support", "Project Delivery Office"),
    TeamSpec("Delivery", "Project Controls", "Project Delivery Office"),
    TeamSpec("Change", "Programme Office", "Transformation Programme Office"),
    TeamSpec("Strategy", "Portfolio Office", "Enterprise Portfolio Office"),
)

# (name, team index, where they stand now, target profile, stage in the current cycle).
# The first member of each team is its senior member and assesses the others.
ROSTER: tuple[tuple[str, int, str, str, str], ...] = (
    ("Priya Raman", 0, STANDS_SPECIALIST, SPECIALIST, STAGE_AGREED),
    ("Tom Ashworth", 0, STANDS_OFFICER, OFFICER, STAGE_SUBMITTED),
    ("Grace Adeyemi", 0, STANDS_OFFICER, SPECIALIST, STAGE_AGREED),
    ("Lucas Moreau", 0, STANDS_NEAR, OFFICER, STAGE_SUBMITTED),
    ("Hannah Kowalski", 0, STANDS_FAR, OFFICER, STAGE_PARTIAL),
    ("Samir Haddad", 0, STANDS_OFFICER, OFFICER, STAGE_SUBMITTED),
    ("Eleanor Briggs", 0, STANDS_FAR, OFFICER, STAGE_SUBMITTED),
    ("Kwame Mensah", 1, STANDS_SPECIALIST, SPECIALIST, STAGE_SUBMITTED),
    ("Sofia Lindqvist", 1, STANDS_OFFICER, OFFICER, STAGE_AGREED),
    ("Oliver Pryce", 1, STANDS_NEAR, OFFICER, STAGE_DRAFT),
    ("Aisha Rahman", 1, STANDS_OFFICER, OFFICER, STAGE_SUBMITTED),
    ("Daniel Okoro", 1, STANDS_FAR, OFFICER, STAGE_SUBMITTED),
    ("Megan Doyle", 1, STANDS_NEAR, OFFICER, STAGE_SUBMITTED),
    ("Ravi Chandran", 2, STANDS_SPECIALIST, SPECIALIST, STAGE_AGREED),
    ("Isla McKenzie", 2, STANDS_NEAR, SPECIALIST, STAGE_SUBMITTED),
    ("Jonas Becker", 2, STANDS_NEAR, OFFICER, STAGE_DRAFT),
    ("Leila Idrissi", 2, STANDS_NEAR, OFFICER, STAGE_SUBMITTED),
    ("Marcus Fenwick", 2, STANDS_FAR, OFFICER, STAGE_PARTIAL),
    ("Yuki Tanaka", 2, STANDS_NEAR, OFFICER, STAGE_SUBMITTED),
    ("Chloe Barnett", 3, STANDS_NEAR, SPECIALIST, STAGE_SUBMITTED),
    ("Nikhil Joshi", 3, STANDS_NEAR, OFFICER, STAGE_AGREED),
    ("Ruth Abernethy", 3, STANDS_NEAR, OFFICER, STAGE_SUBMITTED),
    ("Mateo Alvarez", 3, STANDS_FAR, OFFICER, STAGE_SUBMITTED),
    ("Zara Whitmore", 3, STANDS_NEAR, OFFICER, STAGE_DRAFT),
    ("Callum Reid", 3, STANDS_FAR, OFFICER, STAGE_SUBMITTED),
)

# Where the organisation is thin, on purpose, so that the team view has something to say: a
# competence whose officer target only these people meet, of those it applies to (nobody: it is
# uncovered; one person: a single point of failure). Everyone else it applies to stands one level
# short on application. The portfolio office is new, and the programme office leans on Ravi.
THIN: tuple[tuple[int, tuple[str, ...]], ...] = (
    (6, ()),  # portfolio shaping (portfolio only): uncovered
    (25, ("Ravi Chandran",)),  # resource capacity planning (programme only): Ravi alone
)

# Users who are not people: the PMO lead (staff, a lead of every PMO) and an administrator.
LEAD = ("lead", "Morgan Ellis", "Head of PMO (pmo-lead): the team view of all three PMOs")
ADMIN = ("admin", "Site Administrator", "administrator (superuser)")
# People whose sign-ins are printed, and what they show.
SHOWCASE = (
    ("Ravi Chandran", "PMO specialist (programme) who assesses their team"),
    ("Tom Ashworth", "PMO officer who meets the officer profile (project)"),
    ("Eleanor Briggs", "new PMO officer, far from the profile (project)"),
)

INITIATIVES = {
    "project": ("the CRM replacement project", "the warehouse automation project"),
    "programme": ("the Transformation Programme", "the digital workplace tranche"),
    "portfolio": ("the annual investment portfolio", "the quarterly portfolio review"),
}
EVIDENCE = {
    1: "Tailored the stage plan for {i} to a hybrid life cycle.",
    2: "Drafted the board's terms of reference for {i}.",
    5: "Updated the business case for {i} after the re-plan.",
    8: "Ran the stage-gate review for {i}.",
    9: "Coordinated the independent assurance review of {i}.",
    10: "Ran the P3M maturity assessment for the department.",
    12: "Built the benefits register and tracking for {i}.",
    13: "Wrote the stakeholder map and communication plan for {i}.",
    18: "Completed the ethics and compliance refresher; raised a conflict of interest on {i}.",
    22: "Joined up three workstream plans into one integrated plan for {i}.",
    23: "Maintains the integrated schedule for {i}.",
    26: "Produces the monthly cost report and forecast for {i}.",
    28: "Runs the monthly risk workshop for {i}.",
    29: "Set up the change log and change board for {i}.",
}
ASSESSOR_NOTES = (
    "Seen in the board papers.",
    "Confirmed by the sponsor's feedback.",
    "Observed at the quarterly review.",
    "Needs more practice in complex situations.",
)


@dataclass(frozen=True)
class PlannedCycle:
    name: str
    opens_on: dt.date
    closes_on: dt.date | None


@dataclass(frozen=True)
class PlannedAssessment:
    kind: str  # self | assessor | agreed
    assessed_on: dt.date
    status: str  # the status it ends in
    ratings: Mapping[int, Rating]


@dataclass(frozen=True)
class PlannedPerson:
    name: str
    email: str
    employee_id: str
    team: TeamSpec
    profile: str
    stands: str  # where their results show them to stand: STANDS_*
    assessor: str | None  # the assessor's email
    previous: tuple[PlannedAssessment, ...]
    current: tuple[PlannedAssessment, ...]

    @property
    def username(self) -> str:
        return self.email.split("@")[0]

    @property
    def context(self) -> str:
        return self.team.context


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    previous: PlannedCycle
    current: PlannedCycle
    people: tuple[PlannedPerson, ...]


def counting(plan: DemoPlan, person: PlannedPerson) -> list[PlannedAssessment]:
    """The assessment that counts in each cycle, by the product's rule (drafts never count):
    the last one is what the person's results show."""
    cycles = ((plan.previous, person.previous), (plan.current, person.current))
    return [
        a
        for _, a in counting_per_cycle(
            ((c, a) for c, planned in cycles for a in planned),
            lambda ca: ((ca[0].opens_on, ca[0].name), ca[1].kind, ca[1].status),
        )
    ]


def shown(plan: DemoPlan, person: PlannedPerson) -> Mapping[int, Rating]:
    """The ratings the person's results show."""
    return counting(plan, person)[-1].ratings


# --- dates -----------------------------------------------------------------------------------


def _on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def cycles_for(today: dt.date) -> tuple[PlannedCycle, PlannedCycle]:
    """Last year's cycle (first Monday of January to the third Friday of December, closed) and
    this year's (from its first Monday, open), named after the years; the second contains today."""
    last = today.year - 1
    previous = PlannedCycle(
        str(last),
        _on_or_after(dt.date(last, 1, 1), 0),
        _on_or_after(dt.date(last, 12, 1), 4) + dt.timedelta(days=14),
    )
    opens = min(_on_or_after(dt.date(today.year, 1, 1), 0), today)
    return previous, PlannedCycle(str(today.year), opens, None)


def _days(rng: random.Random, start: dt.date, end: dt.date, count: int) -> list[dt.date]:
    """``count`` working days from ``start`` to ``end``, in order (any day if there is none)."""
    span = max(0, (end - start).days)
    days = []
    for _ in range(count):
        day = start + dt.timedelta(days=rng.randint(0, span))
        friday = day - dt.timedelta(days=max(0, day.weekday() - 4))
        days.append(friday if friday >= start else day)
    return sorted(days)


# --- ratings ---------------------------------------------------------------------------------


def _level(value: int) -> int:
    return max(0, min(5, value))


def _designed(
    rng: random.Random, catalogue: Catalogue, stands: str, profile: str, context: str
) -> dict[int, Rating]:
    """The ratings that count in the current cycle for someone who stands where ``stands`` says."""
    officer = catalogue.profile(OFFICER)
    specialist = catalogue.profile(SPECIALIST)
    rule = specialist.rule
    assert rule is not None
    out: dict[int, Rating] = {}
    applicable: list[int] = []
    for c in catalogue.framework.competences:
        req = officer.requirement(c.number)
        if req is None or not req.applies_in(context):
            if rng.random() < 0.5:  # ratings where a competence does not apply are kept too
                out[c.number] = Rating(rng.randint(0, 2), rng.randint(0, 1))
            continue
        applicable.append(c.number)
        t = req.target
        if stands == STANDS_FAR:
            k = t.knowledge - rng.choice((0, 1, 1, 2))
            a = t.application - rng.choice((0, 1, 2, 2))
        else:
            k = t.knowledge + rng.choice((0, 0, 0, 1))
            a = t.application + rng.choice((0, 0, 0, 1))
        out[c.number] = Rating(_level(k), _level(a))

    def target(profile_id: str, number: int) -> tuple[int, int]:
        req = catalogue.profile(profile_id).requirement(number)
        assert req is not None
        return req.target.knowledge, req.target.application

    def at_least(number: int, k: int, a: int) -> None:
        r = out[number]
        out[number] = Rating(max(r.knowledge or 0, k), max(r.application or 0, a))

    if stands == STANDS_SPECIALIST:
        for number in rule.required:
            at_least(number, *rng.choice(((4, 4), (4, 4), (5, 4), (4, 5))))
        for number in rng.sample(rule.deciding, rng.choice((1, 2, 2))):
            at_least(number, *target(SPECIALIST, number))
        for number in applicable:  # the other raised rows: sometimes at specialist level
            if target(SPECIALIST, number) != target(OFFICER, number) and rng.random() < 0.4:
                at_least(number, *target(SPECIALIST, number))
    elif stands == STANDS_OFFICER and profile == SPECIALIST:
        # On the way to specialist: life cycles and one specialism there, governance not yet.
        at_least(rule.required[0], *target(SPECIALIST, rule.required[0]))
        chosen = rng.choice(rule.deciding)
        at_least(chosen, *target(SPECIALIST, chosen))
        gov_k, gov_a = target(SPECIALIST, rule.required[1])
        out[rule.required[1]] = Rating(gov_k, gov_a - 1)
    elif stands == STANDS_NEAR:
        for number in rng.sample(applicable, rng.randint(1, 3)):
            k, a = target(OFFICER, number)
            r = out[number]
            out[number] = (
                Rating(k - 1, r.application) if rng.random() < 0.5 else Rating(r.knowledge, a - 1)
            )
    elif stands == STANDS_FAR:
        gaps = [n for n in applicable if _shortfall(out[n], target(OFFICER, n)) >= 2]
        candidates = [n for n in applicable if n not in gaps and target(OFFICER, n)[1] >= 2]
        for number in rng.sample(candidates, max(0, 4 - len(gaps))):
            out[number] = Rating(out[number].knowledge, target(OFFICER, number)[1] - 2)
    return out


def _thinned(
    catalogue: Catalogue, ratings: Mapping[int, Rating], name: str, context: str
) -> dict[int, Rating]:
    """The ratings with the :data:`THIN` competences that apply in ``context`` one level short
    on application, unless ``name`` is one of the few who hold them."""
    officer = catalogue.profile(OFFICER)
    out = dict(ratings)
    for number, holders in THIN:
        req = officer.requirement(number)
        if req is None or not req.applies_in(context) or name in holders:
            continue
        r = out.get(number, Rating(0, 0))
        out[number] = Rating(r.knowledge, min(r.application or 0, req.target.application - 1))
    return out


def _shortfall(rating: Rating, target: tuple[int, int]) -> int:
    return max(target[0] - (rating.knowledge or 0), target[1] - (rating.application or 0))


def _lower(
    rng: random.Random, ratings: Mapping[int, Rating], drops: Sequence[int]
) -> dict[int, Rating]:
    """Last year's ratings: the same or lower on each axis."""
    return {
        n: Rating(
            None if r.knowledge is None else _level(r.knowledge - rng.choice(drops)),
            None if r.application is None else _level(r.application - rng.choice(drops)),
        )
        for n, r in ratings.items()
    }


def _nudged(
    rng: random.Random, ratings: Mapping[int, Rating], up: float, down: float
) -> dict[int, Rating]:
    """Someone else's view of the same ratings: a level up or down on one axis, now and then."""
    out: dict[int, Rating] = {}
    for n, r in ratings.items():
        x = rng.random()
        delta = 1 if x < up else -1 if x < up + down else 0
        k, a = r.knowledge, r.application
        if delta and k is not None and a is not None:
            if rng.random() < 0.5:
                k = _level(k + delta)
            else:
                a = _level(a + delta)
        out[n] = Rating(k, a)
    return out


def _noted(
    rng: random.Random, ratings: Mapping[int, Rating], notes: Mapping[int, str], chance: float
) -> dict[int, Rating]:
    return {
        n: dataclasses.replace(r, evidence=notes[n])
        if n in notes and r.rated and rng.random() < chance
        else r
        for n, r in ratings.items()
    }


def _assessments(
    rng: random.Random,
    ratings: Mapping[int, Rating],
    days: Sequence[dt.date],
    context: str,
    *,
    stage: str,
    final: str,
) -> tuple[PlannedAssessment, ...]:
    """The assessments of one cycle whose counting ratings are ``ratings``."""
    initiative = rng.choice(INITIATIVES[context])
    own_notes = {n: text.format(i=initiative) for n, text in EVIDENCE.items()}
    if stage != STAGE_AGREED:
        status = SUBMITTED if stage == STAGE_SUBMITTED else DRAFT
        own = _noted(rng, ratings, own_notes, 0.3)
        return (PlannedAssessment(SELF, days[0], status, own),)
    own = _noted(rng, _nudged(rng, ratings, 0.2, 0.05), own_notes, 0.3)
    assessor_notes = {n: rng.choice(ASSESSOR_NOTES) for n in ratings}
    theirs = _noted(rng, _nudged(rng, ratings, 0.0, 0.15), assessor_notes, 0.1)
    agreed = {
        n: dataclasses.replace(r, evidence=own[n].evidence or theirs[n].evidence)
        for n, r in ratings.items()
    }
    return (
        PlannedAssessment(SELF, days[0], REVIEWED, own),
        PlannedAssessment(ASSESSOR, days[1], REVIEWED, theirs),
        PlannedAssessment(AGREED, days[2], final, agreed),
    )


# --- the plan --------------------------------------------------------------------------------


def _email(name: str) -> str:
    return ".".join(part.lower() for part in name.split()) + "@example.org"


def plan_demo(*, seed: int = DEFAULT_SEED, today: dt.date | None = None) -> DemoPlan:
    """Everything the demo holds, decided by ``seed`` alone (and ``today`` for the dates).

    Raises ``RuntimeError`` if the spread is not what :data:`ROSTER` says (a bug).
    """
    today = today or timezone.localdate()
    catalogue = load_catalogue()
    rng = random.Random(seed)  # the ratings: the same whatever the date
    when = random.Random(f"{seed}:dates")  # the dates, which depend on today too
    previous, current = cycles_for(today)
    seniors = {team: _email(name) for name, team, *_ in reversed(ROSTER)}
    people = []
    for index, (name, team_index, stands, profile, stage) in enumerate(ROSTER):
        team = TEAMS[team_index]
        email = _email(name)
        assessor = seniors[team_index]
        if assessor == email:  # a senior member is assessed by the next team's senior member
            assessor = seniors[(team_index + 1) % len(TEAMS)]
        now = _thinned(
            catalogue, _designed(rng, catalogue, stands, profile, team.context), name, team.context
        )
        drops = (0, 0, 1) if stands in (STANDS_SPECIALIST, STANDS_OFFICER) else (0, 1, 1, 2)
        lowered = _lower(rng, now, drops)
        # A cycle of drafts is nobody's result yet: their results show last year's, which is
        # then where the roster says they stand.
        then = now if stage in (STAGE_PARTIAL, STAGE_DRAFT) else lowered
        if stage == STAGE_PARTIAL:  # saved half-way: the second half is not rated yet
            now = {n: r for n, r in now.items() if n <= 14}
        start = previous.opens_on + dt.timedelta(days=30)
        end = (previous.closes_on or today) - dt.timedelta(days=10)
        people.append(
            PlannedPerson(
                name=name,
                email=email,
                employee_id=f"E{1001 + index}",
                team=team,
                profile=profile,
                stands=stands,
                assessor=assessor,
                previous=_assessments(
                    rng,
                    then,
                    _days(when, start, end, 3),
                    team.context,
                    stage=STAGE_AGREED,
                    final=SIGNED_OFF,
                ),
                current=_assessments(
                    rng,
                    now,
                    _days(when, current.opens_on, today, 3),
                    team.context,
                    stage=stage,
                    final=REVIEWED,
                ),
            )
        )
    plan = DemoPlan(seed, previous, current, tuple(people))
    problems = check_plan(plan, catalogue)
    if problems:
        raise RuntimeError(f"demo plan (seed {seed}): " + "; ".join(problems))
    return plan


def stands(catalogue: Catalogue, context: str, ratings: Mapping[int, Rating]) -> str:
    """Where someone stands with these ratings, by the domain's verdicts."""
    officer = assess(catalogue, OFFICER, context, ratings)
    if officer.meets_profile:
        specialist = assess(catalogue, SPECIALIST, context, ratings)
        return STANDS_SPECIALIST if specialist.meets_profile else STANDS_OFFICER
    gaps = sum(1 for r in officer.competences if r.label == GAP)
    return STANDS_FAR if gaps >= 3 else STANDS_NEAR if gaps == 0 else "between"


def check_plan(plan: DemoPlan, catalogue: Catalogue) -> list[str]:
    """Problems with the plan: anyone whose results do not show them where the roster says,
    whose counting ratings fell from one cycle to the next, or a :data:`THIN` competence that
    others hold too."""
    problems = []
    numbers = [c.number for c in catalogue.framework.competences]
    targets = Targets.of(catalogue.profile(OFFICER), catalogue.profile(SPECIALIST), numbers)
    members = [
        (p.name, p.context, {n: (r.knowledge, r.application) for n, r in shown(plan, p).items()})
        for p in plan.people
    ]
    for number, holders in THIN:
        holding = who_meets(members, targets, number)
        if sorted(holding) != sorted(holders):
            problems.append(f"competence {number}: held by {holding}, not only by {holders}")
    for p in plan.people:
        found = stands(catalogue, p.context, shown(plan, p))
        if found != p.stands:
            problems.append(f"{p.name} should be {p.stands!r} but is {found!r}")
        per_cycle = counting(plan, p)
        for earlier, later in itertools.pairwise(per_cycle):
            for n, r in later.ratings.items():
                before = earlier.ratings.get(n)
                if before is None:
                    continue
                for axis in ("knowledge", "application"):
                    a, b = r.level(axis), before.level(axis)
                    if a is not None and b is not None and a < b:
                        problems.append(f"{p.name}: competence {n} {axis} fell from {b} to {a}")
    return problems


# --- the database ----------------------------------------------------------------------------


def _refuse_unless_empty() -> None:
    held = [
        (Person.objects.count(), "people"),
        (Team.objects.count(), "teams"),
        (Pmo.objects.count(), "PMOs"),
        (Cycle.objects.count(), "cycles"),
        (User.objects.count(), "users"),
    ]
    found = [f"{count} {what}" for count, what in held if count]
    if found:
        raise InputError(
            "the demo needs an empty database, and this one already holds " + ", ".join(found)
        )


def _user(username: str, name: str, email: str, password: str, **flags: bool) -> User:
    first, _, last = name.partition(" ")
    return User.objects.create(
        username=username,
        email=email,
        first_name=first,
        last_name=last,
        password=password,
        **flags,
    )


def _write(person: Person, cycle: Cycle, planned: Sequence[PlannedAssessment]) -> None:
    for pa in planned:
        if pa.kind == AGREED:
            # agree() has no date of its own: make the agreed assessment first, dated.
            records.record_assessment(person, cycle, {}, kind=AGREED, assessed_on=pa.assessed_on)
            agreed = records.agree(person, cycle, pa.ratings)
            if pa.status == SIGNED_OFF:
                records.sign_off(agreed)
            continue
        assessment = records.record_assessment(
            person, cycle, pa.ratings, kind=pa.kind, assessed_on=pa.assessed_on
        )
        if pa.status in (SUBMITTED, REVIEWED):
            records.submit(assessment)
        if pa.status == REVIEWED:
            records.review(assessment)


def build_demo(
    *, seed: int = DEFAULT_SEED, today: dt.date | None = None, progress: Progress | None = None
) -> DemoSummary:
    """Fill an empty database with the demo organisation (one transaction, actor ``demo``),
    saying how far it has got to ``progress`` (a line at a time) when given.

    Raises :class:`InputError` if the database already holds people, teams, PMOs, cycles or users.
    """
    plan = plan_demo(seed=seed, today=today)
    with transaction.atomic(), audit.acting_as(DEMO_ACTOR), notify.quiet():
        _refuse_unless_empty()
        password = make_password(DEMO_PASSWORD)  # hashed once: every demo account shares it
        lead = _user(LEAD[0], LEAD[1], f"{LEAD[0]}@example.org", password)
        admin = _user(
            ADMIN[0],
            ADMIN[1],
            f"{ADMIN[0]}@example.org",
            password,
            is_staff=True,
            is_superuser=True,
        )
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
        lead.groups.add(groups[PMO_LEAD])
        admin.groups.add(groups[ADMIN_ROLE])
        pmos = {name: Pmo.objects.create(name=name, context=context) for name, context in PMOS}
        for pmo in pmos.values():
            pmo.leads.add(lead)
        departments: dict[str, Team] = {}
        teams: dict[TeamSpec, Team] = {}
        for spec in TEAMS:
            if spec.department not in departments:
                departments[spec.department] = Team.objects.create(name=spec.department)
            teams[spec] = Team.objects.create(
                name=spec.name, parent=departments[spec.department], pmo=pmos[spec.pmo]
            )
        people: dict[str, Person] = {}
        assessors = {p.assessor for p in plan.people}
        for p in sorted(plan.people, key=lambda p: p.email not in assessors):  # seniors first
            people[p.email] = Person.objects.create(
                name=p.name,
                email=p.email,
                employee_id=p.employee_id,
                team=teams[p.team],
                context=p.context,
                profile=p.profile,
                assessor=people.get(p.assessor or ""),
                user=_user(p.username, p.name, p.email, password),
            )
        for p in plan.people:  # assessors assess; everyone else is a member
            user = people[p.email].user
            assert user is not None
            user.groups.add(groups[ASSESSOR_ROLE if p.email in assessors else MEMBER])
        for p in plan.people:  # the senior members' assessors, now that everyone exists
            person = people[p.email]
            if p.assessor and person.assessor_id is None:
                person.assessor = people[p.assessor]
                person.save()
        previous, current = (
            Cycle.objects.create(name=c.name, opens_on=c.opens_on, closes_on=c.closes_on)
            for c in (plan.previous, plan.current)
        )
        for done, p in enumerate(plan.people):
            if progress is not None and done % 5 == 0:
                progress(f"  the assessments: {done} of {len(plan.people)} people...")
            _write(people[p.email], previous, p.previous)
            _write(people[p.email], current, p.current)
        by_name = {p.name: p for p in plan.people}
        sign_ins = (
            (LEAD[0], LEAD[2]),
            (ADMIN[0], ADMIN[2]),
            *((by_name[name].username, what) for name, what in SHOWCASE),
        )
        return DemoSummary(
            people=Person.objects.count(),
            teams=Team.objects.filter(parent__isnull=False).count(),
            pmos=Pmo.objects.count(),
            cycles=Cycle.objects.count(),
            assessments=Assessment.objects.count(),
            ratings=RatingRow.objects.count(),
            sign_ins=sign_ins,
        )
