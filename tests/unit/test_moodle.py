"""Moodle competency framework CSV (tool_lpimportcsv): read back with the csv module."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from competence.domain import Catalogue
from competence.formats.moodle import FIELDS, HEADER, export_moodle

SCALE = "Unaware,Aware,Practised,Competent,Proficient,Expert"


def export(catalogue: Catalogue, **options: int) -> tuple[int, str]:
    out = io.StringIO(newline="")
    count = export_moodle(catalogue, out, **options)
    return count, out.getvalue()


def rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == HEADER
    return [{key: row[label] for key, label in zip(FIELDS, HEADER, strict=True)} for row in reader]


@pytest.fixture(scope="module")
def written(catalogue: Catalogue) -> tuple[int, list[dict[str, str]]]:
    count, text = export(catalogue)
    return count, rows(text)


def test_header_is_moodles_fourteen_columns_in_order() -> None:
    assert FIELDS == (
        "parentidnumber",
        "idnumber",
        "shortname",
        "description",
        "descriptionformat",
        "scalevalues",
        "scaleconfiguration",
        "ruletype",
        "ruleoutcome",
        "ruleconfig",
        "relatedidnumbers",
        "exportid",
        "isframework",
        "taxonomy",
    )
    assert len(HEADER) == 14
    assert HEADER[0] == "Parent ID number"
    assert HEADER[12] == "Is framework"


def test_one_framework_row_and_three_rows_per_competence(
    written: tuple[int, list[dict[str, str]]],
) -> None:
    count, table = written
    assert count == len(table) == 1 + 29 * 3


def test_every_row_has_exactly_fourteen_cells(catalogue: Catalogue) -> None:
    _, text = export(catalogue)
    lengths = {len(r) for r in csv.reader(io.StringIO(text, newline=""))}
    assert lengths == {14}


def test_framework_row_carries_the_scale(
    written: tuple[int, list[dict[str, str]]], catalogue: Catalogue
) -> None:
    framework = written[1][0]
    assert framework["isframework"] == "1"
    assert framework["parentidnumber"] == ""
    assert framework["idnumber"] == "APM-PMO"
    assert framework["shortname"] == catalogue.framework.title
    assert framework["scalevalues"] == SCALE
    assert framework["taxonomy"] == "competency,competency"
    assert catalogue.framework.attribution.notice in framework["description"]
    assert [r["isframework"] for r in written[1][1:]] == [""] * 87


def test_scale_configuration_marks_competent_and_above_proficient(
    written: tuple[int, list[dict[str, str]]],
) -> None:
    config = json.loads(written[1][0]["scaleconfiguration"])
    assert config[0] == {"scaleid": "0"}
    assert config[1:] == [
        {"id": 4, "scaledefault": 1, "proficient": 1},
        {"id": 5, "scaledefault": 0, "proficient": 1},
        {"id": 6, "scaledefault": 0, "proficient": 1},
    ]
    assert SCALE.split(",")[config[1]["id"] - 1] == "Competent"


def test_proficient_level_can_be_chosen(catalogue: Catalogue) -> None:
    _, text = export(catalogue, proficient_from=4)
    config = json.loads(rows(text)[0]["scaleconfiguration"])
    assert [(c["id"], c["scaledefault"]) for c in config[1:]] == [(5, 1), (6, 0)]
    with pytest.raises(ValueError, match="proficient_from"):
        export(catalogue, proficient_from=6)


def test_each_competence_is_a_top_level_competency(
    written: tuple[int, list[dict[str, str]]], catalogue: Catalogue
) -> None:
    parents = [r for r in written[1][1:] if r["parentidnumber"] == ""]
    assert [r["idnumber"] for r in parents] == [f"APM-PMO-{n:02d}" for n in range(1, 30)]
    for row, competence in zip(parents, catalogue.framework.competences, strict=True):
        assert row["shortname"] == competence.name
        assert row["descriptionformat"] == "1"
        assert row["scalevalues"] == ""  # a competency uses its framework's scale
        assert (row["ruletype"], row["ruleoutcome"], row["ruleconfig"]) == ("", "0", "null")


def test_each_competence_has_knowledge_and_application_children(
    written: tuple[int, list[dict[str, str]]],
) -> None:
    table = written[1][1:]
    children: dict[str, list[tuple[str, str]]] = {}
    for row in table:
        if row["parentidnumber"]:
            children.setdefault(row["parentidnumber"], []).append(
                (row["idnumber"], row["shortname"])
            )
    assert len(children) == 29
    for n in range(1, 30):
        parent = f"APM-PMO-{n:02d}"
        assert children[parent] == [(f"{parent}-K", "Knowledge"), (f"{parent}-A", "Application")]
    idnumbers = [r["idnumber"] for r in written[1]]
    assert len(set(idnumbers)) == len(idnumbers)
    # Moodle builds the tree from parentidnumber: a parent row comes before its children.
    seen: set[str] = set()
    for row in table:
        assert row["parentidnumber"] in seen | {""}
        seen.add(row["idnumber"])


def test_child_descriptions_hold_the_level_descriptors_and_targets(
    written: tuple[int, list[dict[str, str]]], catalogue: Catalogue
) -> None:
    by_id = {r["idnumber"]: r for r in written[1]}
    fw = catalogue.framework
    knowledge = by_id["APM-PMO-11-K"]["description"]
    application = by_id["APM-PMO-11-A"]["description"]
    for lv in fw.levels:
        assert f"<li>{lv.level} {lv.name}: " in knowledge
    assert fw.level(5).application.split(".")[0] in application
    assert "PMO officer: 2 Practised (programme only)" in knowledge
    officer_6 = catalogue.profile("pmo-officer").requirement(6)
    assert officer_6 is not None
    assert officer_6.contexts == {"portfolio"}
    assert "(portfolio only)" in by_id["APM-PMO-06"]["description"]


def test_text_is_escaped_for_html(written: tuple[int, list[dict[str, str]]]) -> None:
    # Definition 4 holds "organisation's": an apostrophe, escaped in Moodle's HTML format.
    description = {r["idnumber"]: r for r in written[1]}["APM-PMO-04"]["description"]
    assert "organisation&#x27;s" in description
    assert description.startswith("<p>")
    assert description.endswith("</p>")


def test_file_written_with_newline_none_reads_back(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "apm.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        count = export_moodle(catalogue, out)
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert count == len(table) == 88
    assert table[1]["ID number"] == "APM-PMO-01"


def test_a_field_that_starts_like_a_formula_is_escaped(catalogue: Catalogue) -> None:
    fw = catalogue.framework
    first = replace(fw.competences[0], name='=HYPERLINK("http://evil","x")')
    hostile = Catalogue(
        replace(fw, title="@SUM(1)", competences=(first, *fw.competences[1:])), catalogue.profiles
    )
    _, text = export(hostile)
    written = rows(text)
    assert written[0]["shortname"] == "'@SUM(1)"
    assert written[1]["shortname"] == '\'=HYPERLINK("http://evil","x")'
    assert not [v for row in written for v in row.values() if v[:1] in ("=", "+", "-", "@")]
