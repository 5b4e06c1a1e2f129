"""Counts in words, with the right plural: "1 person", "2 people", "1 level", "3 levels"."""

from __future__ import annotations


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one (``many`` defaults to ``one`` + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def people(n: int) -> str:
    return count(n, "person", "people")


def levels(n: int) -> str:
    return count(n, "level")


def in_sentence(name: str) -> str:
    """A competence's name as it reads inside a sentence ("a course on life cycles"): only a
    sentence-case name (a capital first letter and no other capital: "Life cycles") starts
    lower-case. A name with any other capital (an item's code, an acronym, a proper name, as in
    "CCSS.Math.Content.6.RP.A.1 Understand…") keeps the case its framework gives it."""
    if name[:1].isupper() and not any(ch.isupper() for ch in name[1:]):
        return name[0].lower() + name[1:]
    return name
