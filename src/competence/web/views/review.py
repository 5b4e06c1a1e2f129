"""Review: the people an assessor reviews, and one person's review page (the assessor's own
ratings beside the self-assessment, comments, agree and sign off)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from competence.domain.framework import AXES
from competence.domain.ratings import Rating
from competence.domain.workflow import Kind
from competence.errors import InputError
from competence.services import catalogue, policy, records, review
from competence.web.views.common import person_for, require

LEVEL_CHOICES = [("", "–"), *((str(n), str(n)) for n in range(6))]


class ReviewForm(forms.Form):
    """The assessor's own ratings per competence, and a comment on each."""

    def __init__(self, competences: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competences = competences
        for c in competences:
            n = c["number"]
            for axis in AXES:
                self.fields[f"{axis}-{n}"] = forms.TypedChoiceField(
                    choices=LEVEL_CHOICES,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    label=f"{c['name']}: assessor's {axis}",
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
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for(request, person_id, "person.review")
    cycle = records.current_cycle()
    if cycle is None:
        return render(request, "competence/no_cycle.html", status=404)
    competences = catalogue.applicable(person.profile, person.context)
    sheet = review.sheet(person, cycle)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save":
                form = ReviewForm(competences, request.POST)
                if not form.is_valid():
                    messages.error(request, "Some ratings are not levels 0 to 5.")
                    return redirect("review", person_id=person.pk)
                theirs = records.record_assessment(
                    person,
                    cycle,
                    form.ratings(),
                    kind=Kind.ASSESSOR,
                    version=records.posted_version(request.POST),
                )
                records.add_comments(theirs, form.comments())
                messages.success(request, "Your ratings and comments are saved.")
            elif action == "reviewed" and sheet.own is not None:
                records.review(sheet.own)
                messages.success(request, "The self-assessment is marked as reviewed.")
            elif action == "agree":
                records.agree(person, cycle)
                messages.success(request, "The agreed ratings are recorded: check and sign off.")
            elif action == "sign-off" and sheet.agreed is not None:
                records.sign_off(sheet.agreed)
                messages.success(request, "Signed off. The agreed assessment is now read-only.")
            elif action == "reopen":
                require(request, "admin")
                records.reopen(person, cycle, request.POST.get("reason") or "")
                messages.success(request, "Reopened: the assessor can change and sign off again.")
            else:
                raise Http404("no such action")
        except InputError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        return redirect("review", person_id=person.pk)

    mine, yours = sheet.ratings[Kind.SELF], sheet.ratings[Kind.ASSESSOR]
    initial: dict[str, Any] = {}
    for n, r in (yours or mine).items():  # start from the self-assessment
        initial[f"knowledge-{n}"] = "" if r.knowledge is None else str(r.knowledge)
        initial[f"application-{n}"] = "" if r.application is None else str(r.application)
    form = ReviewForm(competences, initial=initial)
    rows = [
        {
            "competence": c,
            "self": mine.get(c["number"]),
            "assessor": yours.get(c["number"]),
            "agreed": sheet.ratings[Kind.AGREED].get(c["number"]),
            "far": sheet.disagrees(c["number"]),
            "knowledge": form[f"knowledge-{c['number']}"],
            "application": form[f"application-{c['number']}"],
            "comment": form[f"comment-{c['number']}"],
            "comments": sheet.comments.get(c["number"], []),
        }
        for c in competences
    ]
    return render(
        request,
        "competence/review.html",
        {
            "person": person,
            "cycle": cycle,
            "rows": rows,
            "own": sheet.own,
            "theirs": sheet.theirs,
            "agreed": sheet.agreed,
            "editable": sheet.editable,
            "can_mark_reviewed": sheet.can("review"),
            "can_agree": sheet.can("agree"),
            "can_sign_off": sheet.can("sign-off"),
            "can_reopen": not sheet.editable and policy.allowed(request.user, "admin"),
            "far_count": sum(r["far"] for r in rows),
            "version": records.version_of(sheet.theirs),
        },
    )
