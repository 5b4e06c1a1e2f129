"""The pure core: framework, profiles, ratings, gap analysis and verdicts. No IO here.

The names below are loaded on first use (PEP 562): importing one module of the core, such as
``competence.domain.errors``, does not load the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from competence.domain.analysis import (
        CompetenceResult,
        Shortfall,
        SpecialismDistance,
        Verdict,
        assess,
        compare,
        label_for,
    )
    from competence.domain.framework import (
        AXES,
        CONTEXTS,
        Attribution,
        BuildsOn,
        Catalogue,
        Competence,
        Framework,
        Level,
        Profile,
        Requirement,
        Target,
        slugify,
    )
    from competence.domain.ratings import NOT_RATED, Rating

_HOMES = {
    "analysis": (
        "CompetenceResult",
        "Shortfall",
        "SpecialismDistance",
        "Verdict",
        "assess",
        "compare",
        "label_for",
    ),
    "framework": (
        "AXES",
        "CONTEXTS",
        "Attribution",
        "BuildsOn",
        "Catalogue",
        "Competence",
        "Framework",
        "Level",
        "Profile",
        "Requirement",
        "Target",
        "slugify",
    ),
    "ratings": ("NOT_RATED", "Rating"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "AXES",
    "CONTEXTS",
    "NOT_RATED",
    "Attribution",
    "BuildsOn",
    "Catalogue",
    "Competence",
    "CompetenceResult",
    "Framework",
    "Level",
    "Profile",
    "Rating",
    "Requirement",
    "Shortfall",
    "SpecialismDistance",
    "Target",
    "Verdict",
    "analysis",
    "assess",
    "compare",
    "framework",
    "label_for",
    "ratings",
    "slugify",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'competence.domain' has no attribute {name!r}")
    return getattr(importlib.import_module(f"competence.domain.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
