"""Counts in words, with the right plural: "1 person", "2 people", "1 level", "3 levels"."""

from __future__ import annotations


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one (``many`` defaults to ``one`` + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def people(n: int) -> str:
    return count(n, "person", "people")


def levels(n: int) -> str:
    return count(n, "level")
