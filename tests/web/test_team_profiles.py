"""The team view and the team reports with people judged against different profiles and
versions: they say which versions they mix, and each heatmap row is coloured against that
person's own profile in the version they are judged against."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from competence.domain import Rating
from competence.services import people, profiles, records
from competence.services.results import judged_mix
from competence.store import audit
from tests.web.conftest import Org, signed_in

MIX = "Judged against PMO analyst v1 (1 person) and v2 (1 person); PMO specialist v1 (1 person)."


def analyst(schedule: int, budgeting: int) -> dict[str, Any]:
    doc = profiles.export("pmo-officer")
    doc.pop("owner")
    raised = {23: schedule, 26: budgeting}
    doc["requirements"] = [
        {**r, "knowledge": raised[r["competence"]], "application": raised[r["competence"]]}
        if r["competence"] in raised
        else r
        for r in doc["requirements"]
    ]
    return {**doc, "id": "pmo-analyst", "name": "PMO analyst"}


def mixed(org: Org) -> None:
    """Ada: PMO specialist v1 (signed off). Grace: assessed under PMO analyst v1 (23 at 4/4).
    Alan: assessed after v2 (26 raised to 4/4 too)."""
    with audit.acting_as("test-setup"):
        profiles.publish(analyst(schedule=4, budgeting=3), of=profiles.NEW)
        people.set_profiles(org.grace, "pmo-analyst", None)
        records.submit(records.record_assessment(org.grace, org.cycles[1], {23: Rating(4, 3)}))
        profiles.publish(analyst(schedule=4, budgeting=4), of="pmo-analyst")
        people.set_profiles(org.alan, "pmo-analyst", None)
        records.submit(records.save_draft(org.alan, org.cycles[1], {1: Rating(2, 1)}))


def test_the_team_view_says_which_versions_it_mixes_and_colours_each_row_by_its_own(
    org: Org,
) -> None:
    mixed(org)
    lead = signed_in(org.lead)
    page = lead.get("/team").content.decode()
    assert MIX in page
    assert "<td>PMO analyst v1</td>" in page
    summary = lead.get("/api/v1/team/summary").json()
    assert summary["judged_against"]["text"] == MIX
    rows = {p["name"]: p for p in summary["people"]}
    grace, alan, ada = rows["Grace Hopper"], rows["Alan Turing"], rows["Ada Lovelace"]
    assert grace["judged_against"]["label"] == "PMO analyst v1"
    assert alan["judged_against"]["label"] == "PMO analyst v2"
    assert ada["judged_against"]["label"] == "PMO specialist v1"
    assert grace["targets"]["23"] == {"knowledge": 4, "application": 4}
    assert grace["targets"]["26"] == {"knowledge": 3, "application": 3}
    assert alan["targets"]["26"] == {"knowledge": 4, "application": 4}
    assert ada["targets"]["1"] == {"knowledge": 4, "application": 4}  # the specialist's
    assert grace["meets_own"] is False
    # The heatmap's table says the target each cell is coloured against (23: 3 of 4).
    application = lead.get("/team?axis=application").content.decode()
    grace_row = re.search(r'<tr><th scope="row">Grace Hopper</th>(.*?)</tr>', application)
    assert grace_row is not None
    assert re.findall(r"<td>([^<]*)</td>", grace_row.group(1))[22] == "3/4"


def test_the_team_workbook_and_summary_say_which_versions_they_mix(org: Org) -> None:
    mixed(org)
    lead = signed_in(org.lead)
    book = load_workbook(io.BytesIO(lead.get("/team/report.xlsx").content))
    targets = {r[0].value: [c.value for c in r] for r in book["Application targets"].iter_rows()}
    assert targets["Grace Hopper"][2] == "PMO analyst v1"
    assert targets["Grace Hopper"][3 + 22] == 4  # 23, raised
    assert targets["Grace Hopper"][3 + 25] == 3  # 26, raised in v2 only
    assert targets["Alan Turing"][3 + 25] == 4
    gaps = [tuple(c.value for c in r) for r in book["Gaps"].iter_rows(min_row=2)]
    assert ("Grace Hopper", 23, "Schedule management", "application", 3, 4, 1) in gaps
    pdf = PdfReader(io.BytesIO(lead.get("/team/report.pdf").content))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert MIX in text


def test_figures_without_names_do_not_name_a_version_too_few_people_share() -> None:
    from competence.data import load_catalogue

    officer = load_catalogue().profile("pmo-officer")
    versions = {1: (None, officer), 2: (None, replace(officer, version=2))}
    counts = {1: 3, 2: 1}  # people judged against each version
    assert judged_mix(counts, versions)["text"] == (
        "Judged against PMO officer v1 (3 people) and v2 (1 person)."
    )
    assert judged_mix(counts, versions, min_group=3)["text"] == (
        "Judged against PMO officer v1 (3 people); other versions."
    )
