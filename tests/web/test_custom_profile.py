"""A person on the organisation's own profile, through the pages: the self-assessment asks only
the competences that apply, and the results, the PDF report and the development plan judge
against that profile (a PMO analyst: PMO officer with transition management dropped and
schedule management raised to 4/4)."""

from __future__ import annotations

import io
from typing import Any

from django.test import Client
from pypdf import PdfReader

from competence.services import catalogue, people, profiles
from competence.store import audit
from competence.store.models import PlanItem
from tests.web.conftest import Org, signed_in, submit_self_assessment

DROPPED, RAISED = 11, 23  # transition management; schedule management


def analyst() -> dict[str, Any]:
    doc = profiles.export("pmo-officer")
    doc.pop("owner")
    doc["requirements"] = [
        {**r, "knowledge": 4, "application": 4} if r["competence"] == RAISED else r
        for r in doc["requirements"]
        if r["competence"] != DROPPED
    ]
    return {**doc, "id": "pmo-analyst", "name": "PMO analyst"}


def on_the_analyst_profile(org: Org, target: str | None = "pmo-specialist") -> Client:
    with audit.acting_as("test-setup"):
        profiles.publish(analyst(), of=profiles.NEW)
        people.set_profiles(org.grace, "pmo-analyst", target)
    return signed_in(org.grace_user)


def rate_at_the_officer_targets(client: Client) -> None:
    """Every competence on the form at the PMO officer's target, then submitted: the analyst's
    raised schedule management stays one level short on each axis."""
    form = {}
    for r in catalogue.applicable("pmo-officer", "programme"):
        form[f"knowledge-{r['number']}"] = str(r["knowledge"])
        form[f"application-{r['number']}"] = str(r["application"])
    form.pop(f"knowledge-{DROPPED}")
    form.pop(f"application-{DROPPED}")
    submit_self_assessment(client, form)


def test_the_self_assessment_asks_only_what_the_profile_asks(org: Org) -> None:
    client = on_the_analyst_profile(org)
    page = client.get("/me/assessment").content.decode()
    assert "<span data-progress>0 of 27</span> competences rated" in page  # officer: 28
    assert page.count('type="radio"') == 27 * 2 * 6
    assert 'name="knowledge-23"' in page
    assert 'name="knowledge-11"' not in page
    section = page[page.index('name="knowledge-23"') - 3000 : page.index('name="knowledge-23"')]
    assert "<legend>Knowledge <small>(target 4)</small></legend>" in section


REASON = (
    "Does not meet the PMO analyst profile in the programme context: 1 of 27 requirements that "
    "apply are not met"
)


def test_results_report_and_plan_judge_against_the_tailored_profile(org: Org) -> None:
    client = on_the_analyst_profile(org, target=None)
    rate_at_the_officer_targets(client)
    page = client.get(f"/people/{org.grace.pk}").content.decode()
    assert "Judged against PMO analyst v1." in page
    assert "<strong>PMO analyst: </strong>not yet met: 1 of 27 requirements" in page
    assert REASON in page
    shortfalls = page[page.index("Shortfalls by competence") : page.index('id="gaps-heading"')]
    assert "23. Schedule management" in shortfalls
    assert shortfalls.count('rowspan="2"') == 1  # the one raised competence, nothing else
    assert "one row per competence that applies (27)" in page
    report = client.get(f"/people/{org.grace.pk}/report.pdf")
    assert report.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(report.content)).pages)
    text = " ".join(text.split())
    assert "Judged against PMO analyst v1" in text
    assert "profile PMO analyst" in text
    assert REASON in text
    assert "Schedule management: knowledge 3, the PMO analyst profile needs 4" in text
    assert "11 Transition management – / – / does not apply" in text
    # The plan: the raised competence, toward the person's own profile.
    made = client.post(f"/people/{org.grace.pk}/plan")
    assert made.status_code == 302
    items = list(PlanItem.objects.filter(person=org.grace).values_list("competence", "axis"))
    assert sorted(items) == [(RAISED, "application"), (RAISED, "knowledge")]
    assert (RAISED, 4) in set(
        PlanItem.objects.filter(person=org.grace).values_list("competence", "target_level")
    )


def test_the_plan_toward_the_next_step_uses_the_target_profile(org: Org) -> None:
    client = on_the_analyst_profile(org, target="pmo-specialist")
    rate_at_the_officer_targets(client)
    response = client.post(f"/people/{org.grace.pk}/plan", {"toward": "next"}, follow=True)
    assert "has no next profile" not in response.content.decode()
    targets = dict(
        PlanItem.objects.filter(person=org.grace, axis="application").values_list(
            "competence", "target_level"
        )
    )
    assert targets  # steps toward the specialist profile, the person's target profile
    specialist = profiles.catalogue().profile("pmo-specialist")
    for number, level in targets.items():
        requirement = specialist.requirement(number)
        assert requirement is not None
        assert requirement.target.application == level
