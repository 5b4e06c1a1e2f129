"""A person's ratings: a level 0-5 on each axis, or not rated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from competence.domain.framework import MAX_LEVEL, MIN_LEVEL


@dataclass(frozen=True)
class Rating:
    """Knowledge and application levels for one competence; ``None`` means not rated.

    Whether a competence applies is not part of a rating: it belongs to a requirement in a context.
    """

    knowledge: int | None = None
    application: int | None = None
    evidence: str | None = None

    def __post_init__(self) -> None:
        for axis in ("knowledge", "application"):
            value = getattr(self, axis)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{axis} must be a whole number, got {value!r}")
            if not MIN_LEVEL <= value <= MAX_LEVEL:
                raise ValueError(f"{axis} must be from {MIN_LEVEL} to {MAX_LEVEL}, got {value}")

    @property
    def rated(self) -> bool:
        return self.knowledge is not None or self.application is not None

    @property
    def complete(self) -> bool:
        """Rated on both axes: what "rated" means when counting a form's progress."""
        return self.knowledge is not None and self.application is not None

    def level(self, axis: str) -> int | None:
        value: int | None = getattr(self, axis)
        return value

    def as_dict(self) -> dict[str, int | None]:
        return {"knowledge": self.knowledge, "application": self.application}


NOT_RATED = Rating()


def unrated(numbers: Iterable[int], ratings: Mapping[int, Rating]) -> list[int]:
    """The competences of ``numbers`` (in their order) not rated on both axes: those a
    submission must confirm, since a verdict counts them as 0."""
    return [n for n in numbers if not ratings.get(n, NOT_RATED).complete]
