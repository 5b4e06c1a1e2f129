"""Analyse a ratings file or a set of ratings against a profile in a context."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from competence.data import load_catalogue
from competence.domain.analysis import Verdict, assess
from competence.domain.framework import CONTEXTS, Catalogue
from competence.domain.ratings import Rating
from competence.errors import InputError
from competence.formats.ratings import (
    RatingsFile,
    parse_level,
    people_one_at_a_time,
    read_ratings,
)
from competence.services.catalogue import resolve


@dataclass(frozen=True)
class Analysis:
    file: RatingsFile
    profile: str
    context: str
    verdicts: Iterable[Verdict]
    """A list, or (from :func:`analyse_file_streamed`) an iterator to read once."""

    def as_data(self) -> dict[str, Any] | list[dict[str, Any]]:
        """One object, or a list in file order when the file names people."""
        out = [v.as_dict() for v in self.verdicts]
        return out if self.file.several else out[0]


def analyse_file(
    path: str | Path,
    profile: str | None = None,
    context: str | None = None,
    catalogue: Catalogue | None = None,
) -> Analysis:
    """Read a ratings file and give each person's verdict.

    ``profile`` and ``context`` win over what a workbook records; a CSV or JSON file needs both.
    ``profile`` is a profile's slug or the path of a profile file.
    """
    cat = catalogue or load_catalogue()
    if catalogue is None:
        cat, profile = resolve(profile)
    file = read_ratings(path, cat.framework)
    chosen_profile, chosen_context = _chosen(cat, file, profile, context)
    verdicts = [
        assess(cat, chosen_profile, chosen_context, p.ratings, p.person) for p in file.people
    ]
    return Analysis(file, chosen_profile, chosen_context, verdicts)


def analyse_file_streamed(
    path: str | Path, profile: str | None = None, context: str | None = None
) -> Analysis:
    """:func:`analyse_file` in bounded memory for a CSV file of many people: the file is checked
    in full first, then each person is read, analysed and given in turn (``verdicts`` is an
    iterator). Any other file is read whole."""
    cat, profile = resolve(profile)
    people = people_one_at_a_time(path, cat.framework)
    if people is None:
        return analyse_file(path, profile, context, cat)
    file = RatingsFile(str(path), [], several=True)
    chosen_profile, chosen_context = _chosen(cat, file, profile, context)

    def verdicts() -> Iterator[Verdict]:
        for p in people:
            yield assess(cat, chosen_profile, chosen_context, p.ratings, p.person)

    return Analysis(file, chosen_profile, chosen_context, verdicts())


def _chosen(
    cat: Catalogue, file: RatingsFile, profile: str | None, context: str | None
) -> tuple[str, str]:
    """The profile and context to assess against: the options', else the file's."""
    chosen_profile = profile or file.profile
    chosen_context = context or file.context
    problems = []
    if chosen_profile is None:
        problems.append(
            f"{file.source}: no profile given: use --profile ({' or '.join(cat.profiles)})"
        )
    elif chosen_profile not in cat.profiles:
        where = "--profile" if profile else f"{file.profile_where or file.source}: Profile"
        problems.append(
            f"{where}: unknown profile {chosen_profile!r}: choose one of {', '.join(cat.profiles)}"
        )
    if chosen_context is None:
        problems.append(f"{file.source}: no context given: use --context ({', '.join(CONTEXTS)})")
    elif chosen_context not in CONTEXTS:
        where = "--context" if context else f"{file.context_where or file.source}: Context"
        problems.append(
            f"{where}: unknown context {chosen_context!r}: choose one of {', '.join(CONTEXTS)}"
        )
    if problems:
        raise InputError(problems)
    assert chosen_profile is not None
    assert chosen_context is not None
    return chosen_profile, chosen_context


def analyse_stored(
    path: str | Path, profile: str | None = None, context: str | None = None
) -> Analysis:
    """:func:`analyse_file` with the stored profiles: ``profile`` (or, without one, the profile a
    workbook records) is a stored profile's slug over any framework, one of APM's, or a file."""
    from competence.services import profiles

    catalogue, chosen = profiles.resolve(profile)
    if chosen is None:
        try:
            recorded = read_ratings(path, catalogue.framework).profile
        except InputError:
            recorded = None  # analyse_file reports the file's problems
        if recorded is not None and recorded not in catalogue.profiles:
            catalogue = profiles.catalogue_for(recorded)
    return analyse_file(path, chosen, context, catalogue)


def ratings_from_mapping(
    ratings: Mapping[int | str, Any], catalogue: Catalogue
) -> dict[int, Rating]:
    """Accept ``{competence: {"knowledge": k, "application": a}}`` or ``{competence: (k, a)}``,
    where a competence is a number, a slug or a name."""
    out: dict[int, Rating] = {}
    problems = []
    for key, value in ratings.items():
        competence = catalogue.framework.find(key)
        if competence is None:
            problems.append(f"{key!r}: unknown competence")
            continue
        if competence.number in out:
            problems.append(f"{key!r}: {competence.name} is given twice")
            continue
        if isinstance(value, Mapping):
            k, a, e = value.get("knowledge"), value.get("application"), value.get("evidence")
        elif isinstance(value, tuple | list) and len(value) == 2:
            (k, a), e = value, None
        else:
            problems.append(f"{key!r}: give (knowledge, application) or a mapping, got {value!r}")
            continue
        try:
            if isinstance(k, str) or isinstance(a, str):
                raise ValueError
            out[competence.number] = Rating(parse_level(k), parse_level(a), e)
        except ValueError:
            problems.append(
                f"{key!r}: levels must be whole numbers from 0 to 5 or None, got {k!r}, {a!r}"
            )
    if problems:
        raise InputError(problems)
    return out
