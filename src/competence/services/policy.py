"""Who may do what: the one access policy. Every page, API route, download, report and command
that touches people's data asks here, by a rule's name in :data:`RULES`; nowhere else decides.

A user always sees their own person's data; their role adds to it (CONTRACT.md "Identity"):

- ``member``: nothing more;
- ``assessor``: the people whose assessor they are, and their PMO's team figures without names,
  over the people of the PMO they do not see by name (:func:`figures_over`);
- ``pmo-lead``: everyone in the PMOs they lead (at any depth of teams), and their team analytics;
- ``admin``: everything, including managing people, data and frameworks.

The command line acts as :data:`OPERATOR` (full rights: whoever can open the database is its
administrator) unless ``--as USER`` names a user, whose rights then apply exactly as on the web.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import Q, QuerySet

from competence.domain.errors import InputError
from competence.domain.roles import ADMIN, ASSESSOR, MEMBER, PMO_LEAD, ROLES
from competence.services.steps import step_rule
from competence.store import scope
from competence.store.models import Person, Pmo
from competence.store.queries import team_tree


class Operator:
    """Whoever runs the command line without ``--as``: an administrator."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None

    def get_username(self) -> str:
        return "operator"


OPERATOR = Operator()
User = AbstractBaseUser | AnonymousUser | Operator


class Forbidden(InputError):
    """The user may not do this (403 on the web and the API, exit 2 on the command line)."""


def role(user: User) -> str | None:
    """The user's role; a superuser or staff account is an admin."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return ADMIN
    cached = getattr(user, "_competence_role", None)
    if cached is None:
        # all(): the groups prefetched with a list of users, else one query
        names = {g.name for g in user.groups.all()}  # type: ignore[union-attr]
        cached = next((r for r in reversed(ROLES) if r in names), MEMBER)
        user._competence_role = cached  # type: ignore[union-attr]
    return str(cached)


def with_role(users: QuerySet[AuthUser], wanted: str) -> QuerySet[AuthUser]:
    """The users whose :func:`role` is ``wanted``, in SQL (for a page of users): the same rule,
    a superuser or staff account an admin, else the highest role among the user's groups."""
    elevated = Q(is_superuser=True) | Q(is_staff=True)
    higher = ROLES[ROLES.index(wanted) + 1 :]
    if wanted == ADMIN:
        return users.filter(elevated | Q(groups__name=ADMIN)).distinct()
    users = users.exclude(elevated).exclude(groups__name__in=higher)
    if wanted == MEMBER:
        return users
    return users.filter(groups__name=wanted).distinct()


def own_person(user: User) -> Person | None:
    if not user.is_authenticated or user.pk is None:
        return None
    found = Person.objects.filter(user_id=user.pk).select_related("team", "assessor")
    return scope.once(("own-person", user.pk), found.first)  # the menu asks on every page


def _led_teams(user: User) -> list[int]:
    """The teams in the PMOs the user leads, at any depth."""
    led = list(Pmo.objects.filter(leads=user.pk).values_list("id", flat=True))
    return sorted(team_tree().in_pmos(led)) if led else []


def visible_people(user: User) -> QuerySet[Person]:
    """Everyone the user may see by name."""
    people = Person.objects.select_related("team", "assessor")
    who = role(user)
    if who is None:
        return people.none()
    if who == ADMIN:
        return people
    rule = Q(user_id=user.pk)
    if who in (ASSESSOR, PMO_LEAD):
        rule |= Q(assessor__user_id=user.pk)
    if who == PMO_LEAD:
        rule |= Q(team_id__in=_led_teams(user))
    return people.filter(rule)


def can_view_person(user: User, person: Person | None) -> bool:
    if person is None or not user.is_authenticated:
        return False
    if (user.pk is not None and person.user_id == user.pk) or role(user) == ADMIN:
        return True
    return visible_people(user).filter(pk=person.pk).exists()


def is_self_or_admin(user: User, person: Person | None) -> bool:
    """The person's own data and self-assessment: theirs, or an admin's."""
    if person is None or not user.is_authenticated:
        return False
    return (user.pk is not None and person.user_id == user.pk) or role(user) == ADMIN


def can_review(user: User, person: Person | None) -> bool:
    """Enter assessor ratings, comment, agree and sign off: the person's assessor, or an admin;
    never for one's own assessment."""
    if person is None or not user.is_authenticated:
        return False
    if user.pk is not None and person.user_id == user.pk:
        return False
    if role(user) == ADMIN:
        return True
    assessor = person.assessor
    return (
        role(user) in (ASSESSOR, PMO_LEAD) and assessor is not None and assessor.user_id == user.pk
    )


def reviews_anyone(user: User, subject: Any = None) -> bool:
    """The review list: assessors, PMO leads and admins."""
    return role(user) in (ASSESSOR, PMO_LEAD, ADMIN)


def can_edit_plan(user: User, person: Person | None) -> bool:
    """A development plan is the person's and their reviewer's to edit."""
    if person is None or not user.is_authenticated:
        return False
    return (user.pk is not None and person.user_id == user.pk) or can_review(user, person)


def can_view_team(user: User, subject: Any = None) -> bool:
    """The team view: PMO leads and admins with individuals, assessors as figures only."""
    return role(user) in (ASSESSOR, PMO_LEAD, ADMIN)


def sees_individuals_in_team_view(user: User, subject: Any = None) -> bool:
    """Team reports, the capability planner, and names in the team view: leads and admins."""
    return role(user) in (PMO_LEAD, ADMIN)


def team_people(user: User) -> QuerySet[Person]:
    """Whom the team view counts: those a lead or admin may see; for an assessor, the people of
    their own PMO, shown only as figures over those they do not see by name (and not at all
    below COMPETENCE_MIN_GROUP_SIZE): see :func:`figures_over`."""
    if sees_individuals_in_team_view(user):
        return visible_people(user)
    person = own_person(user)
    if person is None or person.team_id is None:
        return Person.objects.none()
    tree = team_tree()
    pmo_id = tree.pmo_of(person.team_id)
    if pmo_id is None:
        return Person.objects.none()
    teams = sorted(tree.in_pmos([pmo_id]))
    return Person.objects.filter(team_id__in=teams).select_related("team", "assessor")


@dataclass(frozen=True)
class FiguresOver:
    """Whom the team figures shown to one user are computed over (see :func:`figures_over`)."""

    people: QuerySet[Person]
    individuals: bool
    """The user may see each of them by name, and as rows (a lead's or an admin's team view)."""
    left_out: int
    """How many of the people counted are left out because the user sees them by name."""


def figures_over(user: User, counted: QuerySet[Person]) -> FiguresOver:
    """The rule for team figures, and the only way to figures without names: the team view, its
    API, and any figures to come (trends, say) ask here.

    Someone who may see every person counted by name gets figures over them all. Anyone else
    gets figures over the people counted whom they may *not* see by name (``counted`` minus
    :func:`visible_people`), so that what they see by name (their own results, their assessees')
    can never be subtracted from the figures to leave one person's; below
    COMPETENCE_MIN_GROUP_SIZE of those, the figures are hidden
    (:func:`competence.services.results.team_figures`). Those people are given as a subquery
    (never a list of ids, which at 100,000 people passes SQLite's limit on a query's values);
    figures kept between requests are kept by the query's SQL with its values and the audit
    position, so they stand for exactly the same people whoever asks."""
    named = visible_people(user).values("pk")
    unnamed = counted.exclude(pk__in=named)
    if not unnamed.exists():
        return FiguresOver(counted, sees_individuals_in_team_view(user), left_out=0)
    people = Person.objects.filter(pk__in=unnamed.values("pk")).select_related("team", "assessor")
    return FiguresOver(people, individuals=False, left_out=counted.filter(pk__in=named).count())


def visible_teams(user: User) -> set[int]:
    """The teams whose people a user may filter the team view by: every team for an admin, the
    teams of the PMOs a lead leads, none for anyone else."""
    who = role(user)
    if who == ADMIN:
        return set(team_tree().nodes)
    if who == PMO_LEAD:
        return set(_led_teams(user))
    return set()


def managed_people(user: User) -> QuerySet[Person]:
    """The people a user may manage on the people pages (edit, move, mark as left, give an
    assessor): everyone for an admin; the people in the teams of the PMOs a lead leads."""
    who = role(user)
    if who == ADMIN:
        return visible_people(user)
    if who == PMO_LEAD:
        return visible_people(user).filter(team_id__in=_led_teams(user))
    return Person.objects.none()


def manages_people(user: User, person: Person | None = None) -> bool:
    """The people pages (no ``person``), or managing one person: an admin; a PMO lead for the
    people in the PMOs they lead."""
    who = role(user)
    if who == ADMIN:
        return True
    if who != PMO_LEAD:
        return False
    if person is None:
        return True
    return person.team_id is not None and person.team_id in set(_led_teams(user))


def is_admin(user: User, subject: Any = None) -> bool:
    """Manage people, users, tokens, cycles and data; import, export, back up and restore."""
    return role(user) == ADMIN


def reads_audit(user: User, subject: Any = None) -> bool:
    """The audit trail: admins (all of it) and PMO leads (the entries about the people they
    may see: see :func:`competence.services.audit_log.visible`)."""
    return role(user) in (PMO_LEAD, ADMIN)


def edits_profiles(user: User, subject: Any = None) -> bool:
    """Make and publish the organisation's own profiles, and say who is judged against which
    (APM's profiles stay read-only for everyone). Everyone signed in reads every profile."""
    return role(user) == ADMIN


def sees_rater_names(user: User, person: Person | None) -> bool:
    """Who may see the names of a person's second-view raters: whoever reviews the person, and
    then only once enough raters gave a view (:func:`competence.domain.second_views.named`)."""
    return can_review(user, person)


def gives_view(user: User, view: Any) -> bool:
    """A second view is given by its invited rater alone (not the admin who invited them)."""
    rater = getattr(view, "rater_id", None)
    return bool(user.is_authenticated) and rater is not None and rater == user.pk


def visible_jobs(user: User, jobs: QuerySet[Any]) -> QuerySet[Any]:
    """The jobs a user may follow: those they started; every job for an admin (the command
    line's and the schedule's too)."""
    if not user.is_authenticated:
        return jobs.none()
    if role(user) == ADMIN:
        return jobs
    return jobs.filter(owner_id=user.pk) if user.pk is not None else jobs.none()


def can_view_job(user: User, job: Any) -> bool:
    """A job's page, progress and result: whoever started it; an admin."""
    if job is None or not user.is_authenticated:
        return False
    return role(user) == ADMIN or (user.pk is not None and job.owner_id == user.pk)


def signed_in(user: User, subject: Any = None) -> bool:
    return bool(user.is_authenticated)


@dataclass(frozen=True)
class Rule:
    name: str
    check: Callable[[User, Any], bool]
    who: str
    """Who passes, in words (docs/admin.md's table is made from these)."""


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("signed-in", signed_in, "everyone signed in"),
        Rule(
            "person.view",
            can_view_person,
            "the person; their assessor; a lead of their PMO; an admin",
        ),
        Rule("person.own", is_self_or_admin, "the person; an admin"),
        Rule(
            "evidence.view",
            can_view_person,
            "whoever may see the person's assessments: the person; their assessor; a lead of "
            "their PMO; an admin",
        ),
        Rule(
            "person.review",
            can_review,
            "the person's assessor (an assessor or PMO lead); an admin; never the person",
        ),
        Rule("plan.edit", can_edit_plan, "the person; whoever may review them"),
        Rule("review.list", reviews_anyone, "assessors, PMO leads, admins"),
        Rule(
            "team.figures",
            can_view_team,
            "assessors (their PMO's figures without names, over the people they do not see by "
            "name); PMO leads and admins",
        ),
        Rule(
            "team.individuals",
            sees_individuals_in_team_view,
            "PMO leads (the people of the PMOs they lead); admins",
        ),
        Rule("profile.edit", edits_profiles, "admins (APM's profiles stay read-only)"),
        Rule(
            "audit.view",
            reads_audit,
            "PMO leads (entries about the people they may see); admins (every entry)",
        ),
        Rule(
            "person.manage",
            manages_people,
            "admins; PMO leads for the people in the teams of the PMOs they lead",
        ),
        Rule("second-view.invite", is_admin, "admins: invite and remove a person's raters"),
        Rule(
            "second-view.see",
            can_review,
            "whoever reviews the person: their assessor; an admin; never the person",
        ),
        Rule(
            "second-view.names",
            sees_rater_names,
            "whoever reviews the person, once 3 or more raters have given a view (below that, "
            "raters are anonymous to everyone)",
        ),
        Rule("second-view.give", gives_view, "the invited rater alone"),
        Rule("team.manage", is_admin, "admins: teams, PMOs and their leads"),
        Rule("job.view", can_view_job, "whoever started the job; admins"),
        Rule("admin", is_admin, "admins"),
    )
}


def allowed(user: User, rule: str, subject: Any = None) -> bool:
    return RULES[rule].check(user, subject)


def may_take(user: User, step: str, kind: str, person: Person | None) -> bool:
    """Whether ``user`` may take a workflow step on one of ``person``'s assessments: the rule
    the workflow's table gives the step (:func:`competence.services.steps.step_rule`)."""
    return allowed(user, step_rule(step, kind), person)


def require(user: User, rule: str, subject: Any = None) -> None:
    """Raise :class:`Forbidden` unless ``user`` passes ``rule`` (for ``subject``)."""
    if not allowed(user, rule, subject):
        raise Forbidden(
            f"not allowed ({role(user) or 'not signed in'}): this is for {RULES[rule].who}; "
            "nothing was done"
        )
