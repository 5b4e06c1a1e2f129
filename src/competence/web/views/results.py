"""A person's results, their downloads, their report, and a member's own data."""

from __future__ import annotations

import io
import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from competence.domain.workflow import Kind
from competence.formats import exports
from competence.reports import charts
from competence.services import (
    freshness,
    people,
    plans,
    policy,
    privacy,
    profiles,
    records,
    results,
    review,
)
from competence.services.export import export_cells
from competence.web.views.common import XLSX_TYPE, attachment, credit, person_for


@login_required
def person_results(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for(request, person_id)
    data = results.person_results(person)
    answers = review.review_data(person, records.current_cycle())
    target = data["own"]
    next_name = data["toward_name"]
    framework = profiles.catalogue_for(person.profile).framework
    names = {c.number: c.name for c in framework.competences}
    trend = [
        {
            **t,
            "name": names[t["number"]],
            "cells": [
                " / ".join("–" if p[axis] is None else str(p[axis]) for axis in framework.axes)
                for p in t["points"]
            ],
            "svg": mark_safe(
                charts.sparkline(t["points"], names[t["number"]], axes=framework.axes)
            ),
        }
        for t in data["history"]["trend"]
    ]
    return render(
        request,
        "competence/results.html",
        {
            "person": person,
            "freshness": freshness.words(person),
            "credit": credit(framework),
            "data": data,
            "target": target,
            "target_name": data["target_name"],
            "missing": data["still_needed"],
            "closest": data["closest_specialisms"],
            "evidence": data["evidence"],
            "chart": mark_safe(charts.bars(target)),
            "basis": basis(data["assessment"]),
            "notes": notes(data["notes"]),
            "shortfall_rows": shortfall_rows(data["by_competence"]),
            "gap_rows": gap_rows(charts.axis_cells(target["competences"], data["axes"])),
            "axes": data["axes"],
            "trend": trend,
            "cycles": trend[0]["points"] if trend else [],
            "show_history": len(data["history"]["assessments"]) >= 2,
            "plan": plans.plan_data(person),
            "next_profile": next_name,
            "can_edit_plan": policy.allowed(request.user, "plan.edit", person),
            "is_own": person.user_id == request.user.pk,
            "review": answers,
            "review_rows": sorted(
                (
                    {
                        **c,
                        "number": str(c["number"]),  # written often: as text, unlocalised
                        "by_axis": [
                            {
                                "axis": axis,
                                "self": (c["self"] or {}).get(axis),
                                "assessor": (c["assessor"] or {}).get(axis),
                                "difference": (c["difference"] or {}).get(axis),
                            }
                            for axis in answers["axes"]
                        ],
                    }
                    for c in answers["competences"]
                ),
                key=lambda c: not c["differs"],
            )
            if answers
            else [],
            "can_answer": answers is not None
            and answers["can_answer"]
            and policy.may_take(request.user, "review", Kind.ASSESSOR, person),
        },
    )


def _shown(level: object, empty: str) -> str:
    return empty if level is None else conditional_escape(str(level))


def gap_rows(rows: list[dict[str, Any]]) -> SafeString:
    """The gap table's rows (:func:`charts.axis_cells`), actual / target per axis and the label,
    written once here rather than by a template loop over 29 rows and their cells."""
    out = []
    for c in rows:
        cells = "".join(
            f'<td class="num">{_shown(cell["actual"], "–")} / {_shown(cell["target"], "")}</td>'
            for cell in c["cells"]
        )
        label = conditional_escape(c["label"])
        result = (
            f'<span class="label {label}">{label}</span>' if c["applicable"] else "does not apply"
        )
        out.append(
            f'\n        <tr class="{"" if c["applicable"] else "muted"}">\n'
            f"          <td>{conditional_escape(c['number'])}</td>"
            f"<td>{conditional_escape(c['name'])}</td>\n"
            f"          {cells}\n          <td>{result}</td>\n        </tr>\n      "
        )
    return mark_safe("".join(out))  # every value escaped as the template escaped it


def notes(by_verdict: dict[str, list[str]]) -> SafeString:
    """Each verdict's reasons that are not one competence's shortfall, a list per verdict."""
    return mark_safe(
        "".join(
            '<ul class="notes">' + "".join(f"<li>{conditional_escape(r)}</li>" for r in found)
            + "</ul>"
            for found in by_verdict.values()
        )
    )  # fmt: skip


def shortfall_rows(by_competence: list[dict[str, Any]]) -> SafeString:
    """The rows of the shortfalls by competence (:func:`results.by_competence`): a row per axis
    short, the competence heading its rows, and what each verdict's profile needs."""
    out = []
    for c in by_competence:
        head = (
            f'<th scope="rowgroup" rowspan="{len(c["axes"])}">'
            f"{conditional_escape(str(c['number']))}. {conditional_escape(c['name'])}</th>"
        )
        rows = "".join(
            f"<tr>{head if i == 0 else ''}<td>{conditional_escape(a['axis'])}</td>"
            f'<td class="num">{_shown(a["actual"], "not rated")}</td>'
            + "".join(f'<td class="num">{_shown(need, "–")}</td>' for need in a["needs"])
            + "</tr>"
            for i, a in enumerate(c["axes"])
        )
        out.append(f"\n      {rows}\n    ")
    return mark_safe("".join(out))  # every value escaped as the template escaped it


def basis(assessment: dict[str, object] | None) -> str:
    """Which assessment the results rest on, and whether it is agreed, in words."""
    if assessment is None:
        return "No assessment yet."
    kind, status = assessment["kind"], assessment["status"]
    where = f"cycle {assessment['cycle']}, {assessment['assessed_on']}"
    if kind == "agreed" and status == "signed-off":
        when = str(assessment["signed_off_at"] or "")[:10]
        return f"Agreed and signed off by {assessment['signed_off_by']} on {when} ({where})."
    if kind == "agreed":
        return f"Agreed with the assessor, not yet signed off ({where})."
    if kind == "assessor":
        return f"The assessor's ratings, not yet agreed ({where})."
    if status == "reviewed":
        return f"The self-assessment, reviewed, not yet agreed ({where})."
    return f"The self-assessment, {status}, not yet reviewed by the assessor ({where})."


@login_required
def person_download(request: HttpRequest, person_id: int, fmt: str) -> HttpResponseBase:
    person = person_for(request, person_id)
    response: HttpResponse
    if fmt == "json":
        response = HttpResponse(
            json.dumps(results.person_results(person), indent=2, ensure_ascii=False),
            content_type="application/json",
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        exports.write_csv_cells(export_cells(history=True, person=person), buffer)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        out = io.BytesIO()
        exports.write_xlsx_cells(export_cells(history=True, person=person), out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    else:
        raise Http404("no such format")
    return attachment(response, f"{people.file_stem(person)}.{fmt}")


@login_required
def person_report(request: HttpRequest, person_id: int, fmt: str) -> HttpResponseBase:
    """The individual report, as a page or an A4 PDF."""
    from competence.reports.individual import render_html, write_pdf

    person = person_for(request, person_id)
    html = render_html(results.person_results(person), plans.plan_data(person))
    if fmt == "html":
        return HttpResponse(html)
    if fmt != "pdf":
        raise Http404("no such format")
    buffer = io.BytesIO()
    write_pdf(html, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    return attachment(response, f"{people.file_stem(person)}-report.pdf")


@login_required
def my_data(request: HttpRequest) -> HttpResponseBase:
    """Everything held about the signed-in user's person, as JSON."""
    person = policy.own_person(request.user)
    if person is None:
        return render(request, "competence/no_person.html", status=404)
    response = HttpResponse(
        json.dumps(privacy.personal_data(person), indent=2, ensure_ascii=False),
        content_type="application/json",
    )
    return attachment(response, "my-competence-data.json")
