"""The profile editor (admins): a copy of APM's officer profile or a blank one, targets and
contexts per competence, the rule, a preview of what changed, and publishing a new version each
time; every problem shown beside the field it names, and nothing published then."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client

from competence.store.models import AuditEntry, ProfileVersion
from tests.web.conftest import Org, signed_in


class FormValues(HTMLParser):
    """What a browser would send for the page's POST form, as the page fills it in."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_post_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_post_form = a.get("method") == "post" and not a.get("action")
        if not self._in_post_form:
            return
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values.setdefault(name, []).append(a.get("value", "on"))
            else:
                self.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = [a.get("value", "")]
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_post_form = False


def form_of(html: str) -> dict[str, Any]:
    parser = FormValues()
    parser.feed(html)
    return {k: v if k.startswith("ctx-") else (v[0] if v else "") for k, v in parser.values.items()}


def analyst_form(client: Client) -> dict[str, Any]:
    """The editor's copy of PMO officer, made into a PMO analyst: schedule management (23)
    raised to 4/4, transition management (11) dropped."""
    page = client.get("/profiles/new?from=pmo-officer")
    assert page.status_code == 200
    form = form_of(page.content.decode())
    assert form["k-23"] == "3"
    assert form["ctx-11"] == ["programme"]
    form.update({"id": "pmo-analyst", "name": "PMO analyst", "k-23": "4", "a-23": "4"})
    form["ctx-11"] = []
    return form


def test_everyone_signed_in_reads_the_profiles_and_only_admins_edit(org: Org) -> None:
    member = signed_in(org.grace_user)
    page = member.get("/profiles").content.decode()
    assert "PMO officer v1" in page
    assert "PMO specialist v1" in page
    assert page.count("APM (read-only)") == 2
    assert "Copy" not in page
    assert member.get("/profiles/pmo-officer/versions/1").status_code == 200
    assert member.get("/profiles/new").status_code == 403
    assert member.get("/profiles/new?from=pmo-officer").status_code == 403
    assert member.post("/profiles/new", {"id": "x"}).status_code == 403
    assert member.get("/profiles/pmo-officer/versions/9").status_code == 404
    admin = signed_in(org.lead)
    assert 'aria-label="Copy PMO officer"' in admin.get("/profiles").content.decode()
    assert admin.get("/profiles/new").status_code == 200


def test_an_admin_tailors_a_copy_previews_it_and_publishes_version_one(org: Org) -> None:
    client = signed_in(org.lead)
    form = analyst_form(client)
    preview = client.post("/profiles/new", {**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview: what changed" in html
    assert "Against PMO officer v1" in html
    assert "2 requirements differ" in html
    assert "knowledge +1 application +1" in html  # schedule management, 3/3 to 4/4
    assert "dropped" in html  # transition management
    assert not ProfileVersion.objects.filter(profile_id="pmo-analyst").exists()
    # The preview keeps what was entered.
    assert form_of(html)["k-23"] == "4"
    assert form_of(html).get("ctx-11") is None
    published = client.post("/profiles/new", {**form, "action": "publish"})
    assert published.status_code == 302
    assert published["Location"] == "/profiles/pmo-analyst/versions/1"
    row = ProfileVersion.objects.get(profile_id="pmo-analyst")
    assert (row.number, row.owner, row.published_by) == (1, "organisation", "lead")
    requirements = {r["competence"]: r for r in row.document["requirements"]}
    assert 11 not in requirements
    assert (requirements[23]["knowledge"], requirements[23]["application"]) == (4, 4)
    assert row.document["based_on"] == "pmo-officer@1"
    assert AuditEntry.objects.filter(model="ProfileVersion", action="publish").count() == 1
    shown = client.get(published["Location"]).content.decode()
    assert "Published PMO analyst v1." in shown
    assert "28 competences" in shown


def test_editing_publishes_the_next_version_and_the_earlier_one_stays(org: Org) -> None:
    client = signed_in(org.lead)
    client.post("/profiles/new", {**analyst_form(client), "action": "publish"})
    form = form_of(client.get("/profiles/pmo-analyst/edit").content.decode())
    assert form["k-23"] == "4"
    assert "ctx-11" not in form
    form.update({"k-26": "4", "id": "something-else"})  # the id of a published profile stays
    preview = client.post("/profiles/pmo-analyst/edit", {**form, "action": "preview"})
    assert "Against PMO analyst v1" in preview.content.decode()
    done = client.post("/profiles/pmo-analyst/edit", {**form, "action": "publish"})
    assert done["Location"] == "/profiles/pmo-analyst/versions/2"
    assert list(
        ProfileVersion.objects.filter(profile_id="pmo-analyst").values_list("number", flat=True)
    ) == [1, 2]
    first = client.get("/profiles/pmo-analyst/versions/1").content.decode()
    assert "A newer version exists" in first
    listing = client.get("/profiles").content.decode()
    assert "PMO analyst v2" in listing
    assert 'aria-label="PMO analyst v1"' in listing


def test_apm_profiles_are_read_only_in_the_editor(org: Org) -> None:
    client = signed_in(org.lead)
    response = client.get("/profiles/pmo-officer/edit")
    assert response.status_code == 302
    assert response["Location"] == "/profiles/new?from=pmo-officer"
    form = form_of(client.get("/profiles/new?from=pmo-officer").content.decode())
    form.update({"id": "pmo-officer", "name": "Ours", "action": "publish"})
    refused = client.post("/profiles/new", form)
    assert refused.status_code == 422
    assert "is APM&#x27;s profile and read-only" in refused.content.decode()
    assert ProfileVersion.objects.filter(profile_id="pmo-officer").count() == 1


def test_each_problem_is_shown_beside_its_field_and_nothing_is_published(org: Org) -> None:
    client = signed_in(org.lead)
    form = analyst_form(client)
    form.update(
        {
            "k-23": "9",
            "ctx-5": ["project", "everywhere"],
            "rule_kind": "builds-on",
            "rule_base": "pmo-officer",
            "rule_statement": "Officer, plus schedules",
            "rule_required": "23",
            "rule_specialisms": "26",
            "rule_deciding": "28",
            "rule_at_least": "1",
            "action": "publish",
        }
    )
    before = ProfileVersion.objects.count()
    response = client.post("/profiles/new", form)
    assert response.status_code == 422
    html = response.content.decode()
    assert '<small class="error" id="e-k-23">9 is greater than the maximum of 5</small>' in html
    assert 'id="e-ctx-5">&#x27;everywhere&#x27; is not one of' in html
    assert 'aria-describedby="e-k-23"' in html
    assert ProfileVersion.objects.count() == before
    # The schema is right now; the framework's rules come next, by the same check as the CLI.
    form.update({"k-23": "4", "ctx-5": ["project"]})
    html = client.post("/profiles/new", form).content.decode()
    assert 'id="e-rule-deciding">28 is not in rule.specialisms</small>' in html
    form.update({"rule_required": "23, x", "rule_deciding": "26"})
    html = client.post("/profiles/new", form).content.decode()
    assert 'id="e-rule-required">&#x27;x&#x27; is not of type &#x27;integer&#x27;</small>' in html
    assert ProfileVersion.objects.count() == before


def test_a_new_profile_cannot_take_the_id_of_an_existing_one(org: Org) -> None:
    client = signed_in(org.lead)
    form = analyst_form(client)
    client.post("/profiles/new", {**form, "action": "publish"})
    again = client.post("/profiles/new", {**form, "action": "publish"})
    assert again.status_code == 422
    assert 'id="e-id">&#x27;pmo-analyst&#x27; exists already' in again.content.decode()
    assert ProfileVersion.objects.filter(profile_id="pmo-analyst").count() == 1


def test_a_blank_profile_needs_at_least_one_competence(org: Org) -> None:
    client = signed_in(org.lead)
    form = form_of(client.get("/profiles/new").content.decode())
    assert not any(f"ctx-{n}" in form for n in range(1, 30))
    form.update({"id": "head-of-pmo", "name": "Head of PMO", "action": "preview"})
    response = client.post("/profiles/new", form)
    assert response.status_code == 422
    assert 'id="e-requirements"' in response.content.decode()
    form.update({"ctx-2": ["project", "programme", "portfolio"], "k-2": "5", "a-2": "4"})
    preview = client.post("/profiles/new", form).content.decode()
    assert "There is no profile to compare with" in preview
    done = client.post("/profiles/new", {**form, "action": "publish"})
    assert done["Location"] == "/profiles/head-of-pmo/versions/1"


def test_the_comparison_page_compares_any_two_stored_profiles(org: Org) -> None:
    client = signed_in(org.lead)
    client.post("/profiles/new", {**analyst_form(client), "action": "publish"})
    page = signed_in(org.grace_user).get("/framework/compare?first=pmo-officer&second=pmo-analyst")
    html = page.content.decode()
    assert "PMO officer and PMO analyst, side by side" in html
    assert "2 requirements differ" in html
    assert client.get("/framework/compare?second=nobody").status_code == 404
