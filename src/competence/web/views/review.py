"""Review, both ways: the people an assessor reviews; one person's review page (the assessor's
own ratings, empty until given or copied, beside the self-assessment with its evidence and the
level descriptors; comments; sending the review; agreeing; signing off after a confirmation);
and the person's answers to the assessor's ratings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from competence.domain.framework import Framework
from competence.domain.ratings import Rating
from competence.domain.review import REPLY_LIMIT, Answer
from competence.domain.workflow import Kind
from competence.errors import InputError
from competence.services import (
    catalogue,
    evidence,
    freshness,
    policy,
    profiles,
    records,
    review,
    second_views,
)
from competence.web.views import evidence as rating_evidence
from competence.web.views.common import credit, person_for, require


def level_choices(framework: Framework) -> list[tuple[str, str]]:
    """Not rated, then each level of the framework with its name ("3 Competent")."""
    levels = framework.levels
    return [("", "– not rated"), *((str(lv.level), f"{lv.level} {lv.name}") for lv in levels)]


class ReviewForm(forms.Form):
    """The assessor's own ratings per competence, on each axis of the person's framework
    (knowledge and application for APM's), and a comment on each."""

    def __init__(
        self, competences: list[dict[str, Any]], framework: Framework, *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.competences = competences
        choices = level_choices(framework)
        for c in competences:
            n = c["number"]
            for axis in framework.axes:
                self.fields[f"{axis}-{n}"] = forms.TypedChoiceField(
                    choices=choices,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    label=f"{c['name']}: your {axis}",
                )
            self.fields[f"comment-{n}"] = forms.CharField(
                required=False,
                max_length=records.EVIDENCE_LIMIT,
                label=f"{c['name']}: comment",
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def ratings(self) -> dict[int, Rating]:
        return {
            c["number"]: Rating(
                self.cleaned_data.get(f"knowledge-{c['number']}"),
                self.cleaned_data.get(f"application-{c['number']}"),
            )
            for c in self.competences
        }

    def comments(self) -> dict[int, str]:
        return {
            c["number"]: self.cleaned_data.get(f"comment-{c['number']}") or ""
            for c in self.competences
        }


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The people the signed-in user reviews, with where their assessments stand."""
    require(request, "review.list")
    cycle = records.current_cycle()
    rows = review.people_to_review(request.user, cycle)
    return render(request, "competence/review_list.html", {"rows": rows, "cycle": cycle})


@login_required
@require_GET
def due_list(request: HttpRequest) -> HttpResponse:
    """Who is due or overdue among the people the user may see, why and since when."""
    require(request, "review.list")
    rows = freshness.due_list(request.user)
    reviewable = {
        p.pk
        for p in policy.visible_people(request.user).filter(pk__in=[r["person_id"] for r in rows])
        if policy.can_review(request.user, p)
    }
    context = {"rows": rows, "reviewable": reviewable, "months": settings.CONFIG.reassess_months}
    return render(request, "competence/due.html", context)


COPY_ALL = "copy-all"


def copy_choice(action: str) -> set[int] | None:
    """The competence a copy button names (``copy-N``), as a set; None for any other action
    (``copy-all`` included: see :data:`COPY_ALL`)."""
    if action.startswith("copy-") and action[5:].isdigit():
        return {int(action[5:])}
    return None


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for(request, person_id, "person.review")
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    competences = catalogue.applicable(person.profile, person.context)
    framework = profiles.catalogue_for(person.profile).framework
    sheet = review.sheet(person, cycle)
    if request.method == "POST":
        action = request.POST.get("action") or ""
        copy = copy_choice(action)
        copying = copy is not None or action == COPY_ALL
        try:
            if action in ("save", "send") or copying:
                form = ReviewForm(competences, framework, request.POST)
                if not form.is_valid():
                    messages.error(request, "Some ratings are not levels 0 to 5.")
                    return redirect("review", person_id=person.pk)
                given = form.ratings()
                if copying:
                    given = review.with_self_ratings(given, sheet, copy)
                theirs = records.save_draft(
                    person,
                    cycle,
                    given,
                    kind=Kind.ASSESSOR,
                    # The page sends the version it was loaded with; a post without one
                    # (a script of the assessor's own) is not checked.
                    version=(
                        records.posted_version(request.POST) if "version" in request.POST else None
                    ),
                )
                records.add_comments(theirs, form.comments())
                if action == "send":
                    review.send(person, cycle)
                    messages.success(
                        request,
                        f"Your review is sent to {person.name}: they see your ratings and "
                        "comments, and accept or reply on each.",
                    )
                elif action == COPY_ALL:
                    messages.success(request, "The self ratings are copied into every empty one.")
                elif copying:
                    messages.success(request, "The self rating is copied: check it and save.")
                else:
                    messages.success(request, "Your ratings and comments are saved.")
            elif action == "agree":
                records.agree(person, cycle)
                messages.success(request, "The agreed ratings are recorded: check and sign off.")
            elif action == "sign-off":  # a confirmation first, on its own page
                return redirect("review_sign_off", person_id=person.pk)
            elif action == "reopen":
                require(request, "admin")
                records.reopen(person, cycle, request.POST.get("reason") or "")
                messages.success(request, "Reopened: the assessor can change and sign off again.")
            else:
                raise Http404("no such action")
        except InputError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        anchor = f"#competence-{next(iter(copy))}" if copy else ""
        return redirect(f"{request.path}{anchor}")

    mine, yours = sheet.ratings[Kind.SELF], sheet.ratings[Kind.ASSESSOR]
    initial: dict[str, Any] = {}
    axes = framework.axes
    for n, r in yours.items():  # the assessor's own ratings only: nothing starts from the self's
        for axis in axes:
            level = getattr(r, axis)
            initial[f"{axis}-{n}"] = "" if level is None else str(level)
    form = ReviewForm(competences, framework, initial=initial)
    levels = framework.levels
    by_level = {lv.level: lv for lv in levels}

    def described(axis: str, value: int | None) -> dict[str, Any] | None:
        if value is None:
            return None
        lv = by_level[value]
        return {"level": value, "name": lv.name, "descriptor": getattr(lv, axis)}

    held = evidence.files_by_competence(sheet.own)
    others = second_views.shown(request.user, person, cycle)
    other_views = second_views.per_competence(others)
    rows = []
    for c in competences:
        n = c["number"]
        own, assessed, agreed = mine.get(n), yours.get(n), sheet.ratings[Kind.AGREED].get(n)
        rows.append(
            {
                "competence": c,
                "target": " / ".join(str(c[axis]) for axis in axes),
                "self": own,
                "self_levels": [
                    {"axis": axis, "level": described(axis, getattr(own, axis) if own else None)}
                    for axis in axes
                ],
                "evidence": own.evidence if own else "",
                "self_evidence": rating_evidence.shown(own, held.get(n, [])),
                "others": [
                    {
                        "rater": o["rater"],
                        "levels": [(axis, o["rating"].level(axis)) for axis in axes],
                    }
                    for o in other_views.get(n, [])
                ],
                "assessor": assessed,
                "agreed": agreed,
                "far": sheet.disagrees(n),
                "differs": sheet.differs(n),
                "axes": [
                    {
                        "axis": axis,
                        "field": form[f"{axis}-{n}"],
                        "assessor": getattr(assessed, axis) if assessed else None,
                        "agreed": getattr(agreed, axis) if agreed else None,
                    }
                    for axis in axes
                ],
                "comment": form[f"comment-{n}"],
                "comments": sheet.comments.get(n, []),
                "reply": sheet.replies.get(n),
            }
        )
    replies = sum(1 for r in sheet.replies.values() if not r.accepted)
    return render(
        request,
        "competence/review.html",
        {
            "person": person,
            "cycle": cycle,
            "credit": credit(framework),
            "rows": rows,
            "levels": [
                {
                    "level": lv.level,
                    "name": lv.name,
                    "meanings": [(axis, getattr(lv, axis)) for axis in axes],
                }
                for lv in levels
            ],
            "own": sheet.own,
            "theirs": sheet.theirs,
            "agreed": sheet.agreed,
            "editable": sheet.editable,
            "locked": sheet.locked,
            "shared": sheet.shared,
            "answered": sheet.answered,
            "replies": replies,
            "can_send": sheet.can("send"),
            "can_agree": sheet.can("agree"),
            "can_sign_off": sheet.can("sign-off"),
            "can_reopen": sheet.locked and policy.allowed(request.user, "admin"),
            "far_count": sum(r["far"] for r in rows),
            "second_views": others,
            "version": records.version_of(sheet.theirs),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_sign_off(request: HttpRequest, person_id: int) -> HttpResponse:
    """Sign-off asks first, and says what it locks."""
    person = person_for(request, person_id, "person.review")
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    sheet = review.sheet(person, cycle)
    if not sheet.can("sign-off"):
        messages.error(request, "There is no agreed assessment to sign off.")
        return redirect("review", person_id=person.pk)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            records.sign_off(sheet.agreed)  # type: ignore[arg-type]  # can() says there is one
        except InputError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        else:
            messages.success(request, "Signed off. Every record of this cycle is now read-only.")
        return redirect("review", person_id=person.pk)
    return render(
        request,
        "competence/review_sign_off.html",
        {"person": person, "cycle": cycle, "agreed": sheet.agreed},
    )


@login_required
@require_POST
def review_answers(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person answers their assessor's ratings: accept or reply, per competence."""
    person = person_for(request, person_id)
    if not policy.may_take(request.user, "review", Kind.ASSESSOR, person):
        raise PermissionDenied
    cycle = records.current_cycle()
    sheet = review.sheet(person, cycle) if cycle else None
    if sheet is None or sheet.theirs is None:
        raise Http404("no review to answer")
    given: dict[int, Answer] = {}
    for n in sheet.ratings[Kind.ASSESSOR]:
        choice = request.POST.get(f"answer-{n}")
        text = (request.POST.get(f"reply-{n}") or "")[: REPLY_LIMIT + 1]
        if choice == "accept":
            given[n] = Answer(True)
        elif choice == "reply":
            given[n] = Answer(False, text)
    try:
        review.answer(sheet.theirs, given)
    except InputError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect(f"{person_url(person.pk)}#review-heading")
    messages.success(
        request, "Your answers are sent to your assessor, who agrees the ratings next."
    )
    return redirect(f"{person_url(person.pk)}#review-heading")


def person_url(person_id: int) -> str:
    from django.urls import reverse

    return reverse("results", kwargs={"person_id": person_id})
