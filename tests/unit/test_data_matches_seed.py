"""Every cell of both tables of the source document, compared with the data files.

The seed is parsed here, independently of the generator: nothing is retyped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from competence.domain import CONTEXTS, Catalogue, slugify


@dataclass
class SeedRow:
    number: int
    name: str
    definition: str
    knowledge: str
    application: str


def parse_tables(seed: str) -> dict[str, list[SeedRow]]:
    tables: dict[str, list[SeedRow]] = {"officer": [], "specialist": []}
    current = None
    for line in seed.splitlines():
        heading = re.fullmatch(r"Competence ratings - PMO (officer|specialist)", line.strip())
        if heading:
            current = heading.group(1)
            continue
        if line.startswith("Ratings score"):
            current = None
        cells = line.split("\t")
        if current and len(cells) == 4 and re.match(r"\d+ ", cells[0]):
            number, name = cells[0].split(" ", 1)
            tables[current].append(SeedRow(int(number), name, *cells[1:]))
    return tables


def parse_levels(seed: str) -> dict[int, tuple[str, str, str]]:
    body = seed.split("Ratings score", 1)[1]
    levels = {}
    for line in body.splitlines():
        cells = line.split("\t")
        m = re.fullmatch(r"(\d)\. (\w+)", cells[0])
        if m and len(cells) == 3:
            levels[int(m.group(1))] = (m.group(2), cells[1], cells[2])
    return levels


def score(cell: str) -> tuple[int, str | None]:
    m = re.fullmatch(r"(\d)(?: (.+))?", cell.strip())
    assert m, cell
    return int(m.group(1)), m.group(2)


def test_seed_has_two_tables_of_29_rows(seed_text: str) -> None:
    tables = parse_tables(seed_text)
    assert [r.number for r in tables["officer"]] == list(range(1, 30))
    assert [r.number for r in tables["specialist"]] == list(range(1, 30))


def test_competence_names_slugs_and_definitions_follow_the_officer_table(
    seed_text: str, catalogue: Catalogue
) -> None:
    rows = parse_tables(seed_text)["officer"]
    framework = catalogue.framework
    assert len(framework.competences) == 29
    for row, c in zip(rows, framework.competences, strict=True):
        assert (c.number, c.name, c.definition) == (row.number, row.name, row.definition)
        assert c.slug == slugify(row.name)


@pytest.mark.parametrize(
    ("table", "profile_id"), [("officer", "pmo-officer"), ("specialist", "pmo-specialist")]
)
def test_every_cell_of_the_profile_table(
    seed_text: str, catalogue: Catalogue, table: str, profile_id: str
) -> None:
    profile = catalogue.profile(profile_id)
    rows = parse_tables(seed_text)[table]
    assert sorted(profile.requirements) == [r.number for r in rows]
    for row in rows:
        req = profile.requirements[row.number]
        knowledge, k_qualifier = score(row.knowledge)
        application, a_qualifier = score(row.application)
        assert (req.target.knowledge, req.target.application) == (knowledge, application), row
        assert req.qualifier == k_qualifier == a_qualifier, row
        if k_qualifier is None:
            assert req.contexts == frozenset(CONTEXTS)
        else:
            only = re.fullmatch(r"(project|programme|portfolio) only", k_qualifier)
            assert only, k_qualifier
            assert req.contexts == {only.group(1)}
        definition = req.definition or catalogue.framework.competence(row.number).definition
        assert definition == row.definition, row.number


def test_specialist_wording_variants_are_kept_on_the_specialist_profile(
    seed_text: str, catalogue: Catalogue
) -> None:
    tables = parse_tables(seed_text)
    differ = {
        o.number
        for o, s in zip(tables["officer"], tables["specialist"], strict=True)
        if o.definition != s.definition
    }
    assert differ == {2, 9, 12, 14, 26, 28}
    specialist = catalogue.profile("pmo-specialist")
    assert {n for n, r in specialist.requirements.items() if r.definition} == differ
    assert not any(r.definition for r in catalogue.profile("pmo-officer").requirements.values())


def test_levels_1_to_5_come_from_the_seed_and_level_0_is_marked_as_ours(
    seed_text: str, catalogue: Catalogue
) -> None:
    seed_levels = parse_levels(seed_text)
    assert sorted(seed_levels) == [1, 2, 3, 4, 5]
    levels = catalogue.framework.levels
    assert [lv.level for lv in levels] == [0, 1, 2, 3, 4, 5]
    assert (levels[0].name, levels[0].from_source) == ("Unaware", False)
    for lv in levels[1:]:
        assert lv.from_source
        assert (lv.name, lv.knowledge, lv.application) == seed_levels[lv.level]


def test_the_overview_is_kept_as_notes(seed_text: str, catalogue: Catalogue) -> None:
    overview = next(x for x in seed_text.splitlines() if x.startswith("The main role profile"))
    for profile in catalogue.profiles.values():
        assert overview in profile.notes


def test_specialist_rule_reads_the_seed(seed_text: str, catalogue: Catalogue) -> None:
    rule = catalogue.profile("pmo-specialist").rule
    assert rule is not None
    assert rule.statement in seed_text
    assert rule.base_profile == "pmo-officer"
    assert set(rule.required) == {1, 2}
    # The overview's list of specialisms, by name (two names differ from the tables).
    overview = next(x for x in seed_text.splitlines() if x.startswith("The main role profile"))
    listed = overview.split("from the following list: ", 1)[1].split(". At this level", 1)[0]
    *most, last = listed.split(";")
    names = [n.strip() for n in [*most, *last.split(", and ")]]
    framework = catalogue.framework
    numbers = [framework.find(n) for n in names]
    assert None not in numbers, names
    assert [c.number for c in numbers if c] == list(rule.specialisms)
    # A specialism can decide exactly when its specialist rating rises above the officer rating.
    officer = catalogue.profile("pmo-officer")
    specialist = catalogue.profile("pmo-specialist")
    rises = {
        n
        for n in rule.specialisms
        if (
            specialist.requirements[n].target.knowledge,
            specialist.requirements[n].target.application,
        )
        != (officer.requirements[n].target.knowledge, officer.requirements[n].target.application)
    }
    assert set(rule.deciding) == rises
    assert 13 not in rule.deciding


def test_attribution_names_apm(catalogue: Catalogue) -> None:
    attribution = catalogue.framework.attribution
    assert "Association for Project Management" in attribution.owner
    assert "licence" in attribution.notice
