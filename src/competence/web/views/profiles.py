"""Profiles: the list, each version, and the editor (admins) that tailors a copy or starts from
blank, previews what changed and publishes the next version.

The form only carries values: the document it makes is checked by
:func:`competence.services.profiles.check` (the same check as ``competence profile import``), and
each problem is shown beside the field it names.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from competence.data import problem_field
from competence.domain.framework import ALL_REQUIREMENTS, CONTEXTS, BuildsOn, Framework, Profile
from competence.errors import InputError
from competence.services import catalogue, profiles
from competence.web.views.common import credit, require

SOURCE = "profile"
"""How the editor's document is named in its problems (``profile: name: ...``)."""
FORM_LIMIT = 200_000
"""The most characters the editor takes in any one field."""

_ROW_FIELDS = {"knowledge": "k", "application": "a", "contexts": "ctx", "qualifier": "q"}
_RULE_FIELDS = {
    "kind": "rule_kind",
    "statement": "rule_statement",
    "base_profile": "rule_base",
    "required": "rule_required",
    "specialisms": "rule_specialisms",
    "deciding": "rule_deciding",
    "at_least": "rule_at_least",
}
_NUMBER_LISTS = ("required", "specialisms", "deciding")


def _version(slug: str, number: int | None = None) -> tuple[Any, Profile]:
    try:
        row = profiles.version(slug, number)
    except InputError:
        raise Http404("no such profile or version") from None
    return row, profiles.pinned(row)[1]


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    require(request, "signed-in")
    history = profiles.history()
    rows = [{**p, "versions": history.get(p["id"], [])} for p in profiles.listing()]
    return render(
        request,
        "competence/profiles.html",
        {"profiles": rows, "can_edit": _can_edit(request)},
    )


@login_required
def profile_latest(request: HttpRequest, slug: str) -> HttpResponse:
    row, _ = _version(slug)
    return redirect("profile_version", slug=slug, number=row.number)


@login_required
def profile_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    require(request, "signed-in")
    row, profile = _version(slug, number)
    cat, _ = profiles.pinned(row)
    data = catalogue.profile_data(profile.id, None, cat)
    for r in data["requirements"]:  # on the framework's own axes: "4 / 3", or "3" on one
        r["target"] = " / ".join(str(r[axis]) for axis in data["axes"])
    history = profiles.versions(slug)
    return render(
        request,
        "competence/profile.html",
        {
            "profile": data,
            "credit": credit(cat.framework),
            "rule": catalogue.rule_data(profile),
            "versions": history,
            "latest": history[-1]["version"],
            "published": row,
            "based_on": profile.based_on,
            "can_edit": _can_edit(request),
        },
    )


def _can_edit(request: HttpRequest) -> bool:
    from competence.services import policy

    return policy.allowed(request.user, "profile.edit")


@login_required
@require_http_methods(["GET", "POST"])
def profile_new(request: HttpRequest) -> HttpResponse:
    """A new profile: a copy of ``?from=SLUG`` (``&version=N``), or blank."""
    require(request, "profile.edit")
    if request.method == "POST":
        return _submitted(request, editing=None)
    framework = profiles.catalogue().framework
    source = request.GET.get("from") or None
    if source is None:
        return _editor(request, _blank_values(framework), editing=None)
    number = request.GET.get("version")
    _, copied = _version(source, int(number) if number and number.isdigit() else None)
    values = _values_of(copied, framework)
    values.update(
        id="",
        name=f"{copied.name} (copy)",
        based_on=f"{copied.id}@{copied.version}",
        source="",
    )
    return _editor(request, values, editing=None, copied=copied)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's profile, to publish its next version; APM's are read-only (a copy)."""
    require(request, "profile.edit")
    _, latest = _version(slug)
    if latest.read_only:
        messages.info(request, f"{latest.name} is APM's profile and read-only: this is a copy.")
        return redirect(f"/profiles/new?from={latest.id}")
    if request.method == "POST":
        return _submitted(request, editing=latest)
    return _editor(request, _values_of(latest, profiles.catalogue().framework), editing=latest)


def _blank_values(framework: Framework) -> dict[str, Any]:
    values: dict[str, Any] = {"id": "", "name": "", "description": "", "notes": ""}
    values.update(based_on="", source="", rule_kind=ALL_REQUIREMENTS, rule_at_least="1")
    for c in framework.competences:
        values.update({f"k-{c.number}": "0", f"a-{c.number}": "0", f"ctx-{c.number}": []})
    return values


def _numbers(values: tuple[int, ...]) -> str:
    return ", ".join(str(n) for n in values)


def _values_of(profile: Profile, framework: Framework) -> dict[str, Any]:
    """The form's values for a stored profile."""
    values = _blank_values(framework)
    values.update(
        id=profile.id,
        name=profile.name,
        description=profile.description,
        notes="\n\n".join(profile.notes),
        based_on=profile.based_on or "",
        source=profile.source,
    )
    for number, r in profile.requirements.items():
        values[f"k-{number}"] = str(r.target.knowledge)
        values[f"a-{number}"] = str(r.target.application)
        values[f"ctx-{number}"] = [c for c in CONTEXTS if c in r.contexts]
        values[f"q-{number}"] = r.qualifier or ""
        values[f"def-{number}"] = r.definition or ""
    if profile.rule is not None:
        rule = profile.rule
        values.update(
            rule_kind=BuildsOn.kind,
            rule_statement=rule.statement,
            rule_base=rule.base_profile,
            rule_required=_numbers(rule.required),
            rule_specialisms=_numbers(rule.specialisms),
            rule_deciding=_numbers(rule.deciding),
            rule_at_least=str(rule.at_least),
        )
    return values


def _values_from(post: QueryDict, framework: Framework) -> dict[str, Any]:
    """The posted values, each cut to :data:`FORM_LIMIT` characters."""
    values: dict[str, Any] = {}
    for key in post:
        if key.startswith("ctx-"):
            values[key] = [v[:20] for v in post.getlist(key)][: len(CONTEXTS) + 1]
        else:
            values[key] = (post.get(key) or "")[:FORM_LIMIT]
    for c in framework.competences:
        values.setdefault(f"ctx-{c.number}", [])
    return values


def _level(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 4 else text


def document_from(values: dict[str, Any], framework: Framework) -> tuple[dict[str, Any], list[int]]:
    """The profile document the form's values make, and the competence of each requirement in
    its order (so that ``requirements[i]`` names a row). A competence that applies in no
    context is not in the profile. Values that are not numbers are kept as they are, for the
    check to name."""
    document: dict[str, Any] = {
        "schema": "competence/profile/1",
        "id": values.get("id", "").strip(),
        "name": values.get("name", "").strip(),
        "framework": framework.id,
        "owner": "organisation",
        "description": values.get("description", "").strip(),
        "notes": [n.strip() for n in re.split(r"\n\s*\n", values.get("notes", "")) if n.strip()],
    }
    for key in ("based_on", "source"):
        if values.get(key, "").strip():
            document[key] = values[key].strip()
    requirements, order = [], []
    for c in framework.competences:
        contexts = values.get(f"ctx-{c.number}") or []
        if not contexts:
            continue
        item: dict[str, Any] = {
            "competence": c.number,
            "knowledge": _level(values.get(f"k-{c.number}", "")),
            "application": _level(values.get(f"a-{c.number}", "")),
            "contexts": [x for x in CONTEXTS if x in contexts]
            + [x for x in contexts if x not in CONTEXTS],
        }
        for key, field in (("qualifier", "q"), ("definition", "def")):
            text = values.get(f"{field}-{c.number}", "").strip()
            if text:
                item[key] = text
        requirements.append(item)
        order.append(c.number)
    document["requirements"] = requirements
    kind = values.get("rule_kind") or ALL_REQUIREMENTS
    if kind != ALL_REQUIREMENTS:
        rule: dict[str, Any] = {
            "kind": kind,
            "statement": values.get("rule_statement", "").strip(),
            "base_profile": values.get("rule_base", "").strip(),
            "at_least": _level(values.get("rule_at_least", "")),
        }
        for key in _NUMBER_LISTS:
            text = values.get(_RULE_FIELDS[key], "")
            rule[key] = [_level(t) for t in re.split(r"[\s,;]+", text) if t]
        document["rule"] = rule
    return document, order


def field_errors(problems: list[str], order: list[int]) -> dict[str, list[str]]:
    """Each problem of the check under the form field it names (``""``: the whole profile)."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        path, reason = problem_field(problem, SOURCE)
        found = re.fullmatch(r"requirements\[(\d+)\](?:\.(\w+))?.*", path)
        if found and int(found.group(1)) < len(order):
            number = order[int(found.group(1))]
            key = f"{_ROW_FIELDS.get(found.group(2) or '', 'row')}-{number}"
        elif path.startswith("rule"):
            key = _RULE_FIELDS.get(path.partition(".")[2].split("[")[0], "rule_kind")
        elif path.split("[")[0] in ("id", "name", "description", "notes", "based_on", "source"):
            key = path.split("[")[0]
        elif path == "requirements":
            key = "requirements"
        else:
            key = ""
        out.setdefault(key, []).append(reason)
    return out


def _submitted(request: HttpRequest, editing: Profile | None) -> HttpResponse:
    current = profiles.catalogue()
    values = _values_from(request.POST, current.framework)
    if editing is not None:
        values["id"] = editing.id  # the slug of a published profile never changes
    document, order = document_from(values, current.framework)
    try:
        draft = profiles.check(document, SOURCE)
    except InputError as exc:
        return _editor(
            request, values, editing, errors=field_errors(exc.problems, order), status=422
        )
    if request.POST.get("action") != "publish":
        return _editor(request, values, editing, preview=_preview(draft, editing))
    try:
        with_of = editing.id if editing is not None else profiles.NEW
        row = profiles.publish(document, SOURCE, of=with_of)
    except InputError as exc:
        return _editor(
            request, values, editing, errors=field_errors(exc.problems, order), status=422
        )
    messages.success(request, f"Published {row.name} v{row.number}.")
    return redirect("profile_version", slug=row.profile_id, number=row.number)


def _preview(draft: Profile, editing: Profile | None) -> list[dict[str, Any]]:
    """What the draft changes against the profile it was copied from, the profile it builds
    on, and the version it replaces (each once)."""
    current = profiles.catalogue()
    number = (editing.version + 1) if editing else 1
    draft = replace(draft, version=number)
    against: list[Profile] = []
    if draft.based_on:
        slug, _, version = draft.based_on.partition("@")
        with contextlib.suppress(InputError):  # a copy of a profile this database lacks
            against.append(profiles.pinned(profiles.version(slug, int(version)))[1])
    if draft.rule is not None:
        against.append(current.profile(draft.rule.base_profile))
    if editing is not None:
        against.append(editing)
    seen: set[tuple[str, int]] = set()
    out = []
    for base in against:
        if (base.id, base.version) in seen:
            continue
        seen.add((base.id, base.version))
        out.append(catalogue.compare_profiles(base, draft, current.framework))
    return out


def _editor(
    request: HttpRequest,
    values: dict[str, Any],
    editing: Profile | None,
    copied: Profile | None = None,
    errors: dict[str, list[str]] | None = None,
    preview: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    current = profiles.catalogue()
    framework = current.framework
    errors = errors or {}
    rows = []
    for c in framework.competences:
        n = c.number
        rows.append(
            {
                "number": n,
                "name": c.name,
                "definition": values.get(f"def-{n}") or c.definition,
                "variant": values.get(f"def-{n}", ""),
                "knowledge": str(values.get(f"k-{n}", "")),
                "application": str(values.get(f"a-{n}", "")),
                "contexts": values.get(f"ctx-{n}") or [],
                "qualifier": values.get(f"q-{n}", ""),
                "errors": {
                    field: errors.get(f"{field}-{n}", []) for field in ("k", "a", "ctx", "q", "row")
                },
                "invalid": any(errors.get(f"{f}-{n}") for f in ("k", "a", "ctx", "q", "row")),
            }
        )
    bases = [p for p in current.profiles.values() if editing is None or p.id != editing.id]
    shown = {k: v for k, v in errors.items() if k}
    return render(
        request,
        "competence/profile_edit.html",
        {
            "values": values,
            "credit": credit(framework),
            "rows": rows,
            "levels": framework.levels,
            "contexts": CONTEXTS,
            "editing": editing,
            "copied": copied,
            "bases": bases,
            "errors": shown,
            "general": errors.get("", []),
            "error_count": sum(len(v) for v in errors.values()),
            "preview": preview,
            "kinds": (ALL_REQUIREMENTS, BuildsOn.kind),
        },
        status=status,
    )
