"""The pure core: framework, profiles, ratings, gap analysis and verdicts. No IO here."""

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
    "assess",
    "compare",
    "label_for",
    "slugify",
]
