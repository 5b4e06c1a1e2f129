"""The framework and its profiles as plain data (the shape of ``--json`` and the API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from competence.data import is_profile_file, load_catalogue, with_profile_file
from competence.domain.framework import (
    AXES,
    CONTEXTS,
    Catalogue,
    Framework,
    Profile,
    check_context,
)


def resolve(profile: str | None) -> tuple[Catalogue, str | None]:
    """The catalogue to use for a ``--profile`` value and the profile's id: a slug names one of
    the built-in profiles; a path names a profile file, added to them (CONTRACT.md: wherever a
    command takes --profile, it also takes the path of a profile file)."""
    if profile is not None and is_profile_file(profile):
        return with_profile_file(profile)
    return load_catalogue(), profile


def framework_data(catalogue: Catalogue | None = None) -> dict[str, Any]:
    fw = (catalogue or load_catalogue()).framework
    a = fw.attribution
    return {
        "id": fw.id,
        "title": fw.title,
        "version": fw.version,
        "attribution": {"source": a.source, "owner": a.owner, "notice": a.notice},
        "levels": [
            {
                "level": lv.level,
                "name": lv.name,
                "knowledge": lv.knowledge,
                "application": lv.application,
                "from_source": lv.from_source,
            }
            for lv in fw.levels
        ],
        "competences": [
            {"number": c.number, "slug": c.slug, "name": c.name, "definition": c.definition}
            for c in fw.competences
        ],
    }


def profiles_data(catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    cat = catalogue or load_catalogue()
    return [
        {
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "builds_on": p.rule.base_profile if p.rule else None,
        }
        for p in cat.profiles.values()
    ]


def profile_data(
    profile_id: str, context: str | None = None, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """A profile's requirements; with a context, whether each applies there. ``profile_id`` is a
    slug, or the path of a profile file when no catalogue is given."""
    cat, chosen = (catalogue, profile_id) if catalogue else resolve(profile_id)
    check_context(context)
    p = cat.profile(chosen or profile_id)
    requirements = []
    for c in cat.framework.competences:
        r = p.requirement(c.number)
        if r is None:
            continue
        requirements.append(
            {
                "number": c.number,
                "slug": c.slug,
                "name": c.name,
                "definition": r.definition or c.definition,
                **r.target.as_dict(),
                "contexts": [x for x in CONTEXTS if x in r.contexts],
                "qualifier": r.qualifier,
                "applicable": r.applies_in(context),
            }
        )
    rule = p.rule.as_dict() if p.rule else None
    return {
        "id": p.id,
        "name": p.name,
        "version": p.version,
        "owner": p.owner,
        "framework": p.framework,
        "description": p.description,
        "notes": list(p.notes),
        "context": context,
        "rule": rule,
        "axes": list(cat.framework.axes),
        "requirements": requirements,
    }


def profile_diff_data(
    first: str, second: str, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """The requirements whose targets differ between two profiles, and by how much (either may
    be the path of a profile file when no catalogue is given)."""
    cat = catalogue or load_catalogue()
    ids = []
    for value in (first, second):
        if catalogue is None and is_profile_file(value):
            cat, value = with_profile_file(value, cat)
        ids.append(value)
    first, second = ids
    a, b = cat.profile(first), cat.profile(second)
    changes = []
    for c in cat.framework.competences:
        ra, rb = a.requirement(c.number), b.requirement(c.number)
        ta = ra.target.as_dict() if ra else None
        tb = rb.target.as_dict() if rb else None
        ca = sorted(ra.contexts, key=CONTEXTS.index) if ra else []
        cb = sorted(rb.contexts, key=CONTEXTS.index) if rb else []
        if ta == tb and ca == cb:
            continue
        changes.append(
            {
                "number": c.number,
                "slug": c.slug,
                "name": c.name,
                first: ta,
                second: tb,
                "rise": {
                    axis: (tb[axis] if tb else 0) - (ta[axis] if ta else 0)
                    for axis in cat.framework.axes
                },
                "contexts": {first: ca, second: cb},
            }
        )
    return {"from": first, "to": second, "changes": changes}


def framework_page(
    profile_id: str, context: str | None, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """The framework browser: the framework, one profile, and the requirements shown (those
    that apply in ``context``, or all)."""
    cat = catalogue or load_catalogue()
    data = profile_data(profile_id, context, cat)
    shown = (
        [r for r in data["requirements"] if r["applicable"]] if context else data["requirements"]
    )
    return {
        "framework": framework_data(cat),
        "profile": data,
        "requirements": shown,
        "profiles": profiles_data(cat),
        "chosen_context": context,
    }


def _side(profile: Profile, number: int) -> dict[str, Any] | None:
    r = profile.requirement(number)
    if r is None:
        return None
    return {
        "knowledge": r.target.knowledge,
        "application": r.target.application,
        "contexts": [x for x in CONTEXTS if x in r.contexts],
        "qualifier": r.qualifier,
    }


def rule_data(profile: Profile) -> dict[str, Any] | None:
    """A profile's rule as data, with the members of its list that cannot decide."""
    if profile.rule is None:
        return None
    rule = profile.rule.as_dict()
    return {
        **rule,
        "cannot_decide": [n for n in profile.rule.specialisms if n not in profile.rule.deciding],
    }


def _meaning(side: dict[str, Any]) -> tuple[Any, ...]:
    return side["knowledge"], side["application"], side["contexts"]


def compare_profiles(first: Profile, second: Profile, framework: Framework) -> dict[str, Any]:
    """Two profiles side by side (they may be two versions of one profile, or a draft): every
    competence either asks for, marked where the targets or the contexts differ."""
    rows = []
    for c in framework.competences:
        a, b = _side(first, c.number), _side(second, c.number)
        if a is None and b is None:
            continue
        changed = a is None or b is None or _meaning(a) != _meaning(b)
        rows.append(
            {
                "number": c.number,
                "name": c.name,
                "first": a,
                "second": b,
                "rise": (
                    {axis: (b[axis] if b else 0) - (a[axis] if a else 0) for axis in AXES}
                    if changed
                    else None
                ),
                "changed": changed,
                "added": a is None,
                "dropped": b is None,
            }
        )
    return {
        "first": {"id": first.id, "name": first.name, "version": first.version},
        "second": {"id": second.id, "name": second.name, "version": second.version},
        "rows": rows,
        "rule": rule_data(second),
        "changed_count": sum(r["changed"] for r in rows),
    }


def comparison(first: str, second: str, catalogue: Catalogue | None = None) -> dict[str, Any]:
    """Two profiles of a catalogue side by side (see :func:`compare_profiles`)."""
    cat = catalogue or load_catalogue()
    return compare_profiles(cat.profile(first), cat.profile(second), cat.framework)


def applicable(
    profile_id: str, context: str | None, catalogue: Catalogue | None = None
) -> list[dict[str, Any]]:
    """The requirements of a profile that apply in a context, as :func:`profile_data` gives
    them: what a person in that context rates (by default, of the stored profiles)."""
    if catalogue is None:
        from competence.services import profiles

        catalogue = profiles.catalogue_for(profile_id)
    chosen = profile_data(profile_id, context, catalogue)
    return [r for r in chosen["requirements"] if r["applicable"]]


def export_framework(fmt: str, out: Path, catalogue: Catalogue | None = None) -> str:
    """Write the framework and its profiles as a CASE 1.1 package (``case``) or Moodle's
    competency framework CSV (``moodle``); return what was written, in words."""
    cat = catalogue or load_catalogue()
    if fmt == "case":
        from competence.formats.case import export_case

        out.write_text(
            json.dumps(export_case(cat), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return f"{len(cat.framework.competences)} competences"
    from competence.formats.moodle import PROFICIENT_FROM, export_moodle

    proficient = min(PROFICIENT_FROM, cat.framework.top_level)  # a scale may stop below 3
    with out.open("w", encoding="utf-8", newline="") as f:
        return f"{export_moodle(cat, f, proficient_from=proficient)} competencies"
