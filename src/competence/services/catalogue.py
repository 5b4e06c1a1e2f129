"""The framework and its profiles as plain data (the shape of ``--json`` and the API)."""

from __future__ import annotations

from typing import Any

from competence.data import load_catalogue
from competence.domain.framework import AXES, CONTEXTS, Catalogue, check_context


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
    """A profile's requirements; with a context, whether each applies there."""
    cat = catalogue or load_catalogue()
    check_context(context)
    p = cat.profile(profile_id)
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
                "knowledge": r.target.knowledge,
                "application": r.target.application,
                "contexts": [x for x in CONTEXTS if x in r.contexts],
                "qualifier": r.qualifier,
                "applicable": r.applies_in(context),
            }
        )
    rule = p.rule.as_dict() if p.rule else None
    return {
        "id": p.id,
        "name": p.name,
        "framework": p.framework,
        "description": p.description,
        "notes": list(p.notes),
        "context": context,
        "rule": rule,
        "requirements": requirements,
    }


def profile_diff_data(
    first: str, second: str, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """The requirements whose targets differ between two profiles, and by how much."""
    cat = catalogue or load_catalogue()
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
                "rise": {axis: (tb[axis] if tb else 0) - (ta[axis] if ta else 0) for axis in AXES},
                "contexts": {first: ca, second: cb},
            }
        )
    return {"from": first, "to": second, "changes": changes}
