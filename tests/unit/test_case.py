"""CASE 1.1 interchange: the export validates against the official schema and reads back; real
OpenSALT files import, and what cannot be used is reported."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator

from competence.domain import Catalogue
from competence.errors import InputError
from competence.formats.case import (
    ASSOCIATION_FIELDS,
    CRITERION_FIELDS,
    DOCUMENT_FIELDS,
    ITEM_FIELDS,
    LEVEL_FIELDS,
    PACKAGE_FIELDS,
    RUBRIC_FIELDS,
    ImportedFramework,
    export_case,
    imported_from_dict,
    imported_to_dict,
    parse_case,
    read_case,
)
from tests.conftest import CASE_FILES, CASE_SCHEMA

MESSY = "opensalt-sample-framework.json"


def fixture_file(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"a test fixture is missing: {path}")
    return path


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(fixture_file(CASE_SCHEMA).read_text("utf-8"))
    return doc


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft201909Validator:
    assert schema["$schema"].startswith("https://json-schema.org/draft/2019-09/")
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def package(catalogue: Catalogue) -> dict[str, Any]:
    return export_case(catalogue)


def fixture_doc(name: str) -> Any:
    return json.loads(fixture_file(CASE_FILES / name).read_text("utf-8"))


def all_values(doc: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a JSON document."""
    found = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == key:
                found.append(v)
            found += all_values(v, key)
    elif isinstance(doc, list):
        for v in doc:
            found += all_values(v, key)
    return found


# -- export ----------------------------------------------------------------------------------


def test_export_validates_against_the_case_1_1_schema(
    package: dict[str, Any], validator: Draft201909Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]
    assert errors == []


def test_export_timestamps_are_iso_8601_with_a_time_zone(package: dict[str, Any]) -> None:
    # jsonschema does not check "date-time" without an extra package, so check it here.
    stamps = all_values(package, "lastChangeDateTime")
    assert len(stamps) > 29 * 2 * 6
    for stamp in set(stamps):
        assert datetime.fromisoformat(stamp).utcoffset() is not None


def test_two_exports_are_identical(catalogue: Catalogue) -> None:
    first = json.dumps(export_case(catalogue), sort_keys=True)
    assert json.dumps(export_case(catalogue), sort_keys=True) == first


def test_identifiers_are_distinct_uuid5(package: dict[str, Any]) -> None:
    records = [
        package["CFDocument"],
        *package["CFItems"],
        *package["CFAssociations"],
        *package["CFDefinitions"]["CFItemTypes"],
        *package["CFDefinitions"]["CFLicenses"],
    ]
    for rubric in package["CFRubrics"]:
        records.append(rubric)
        for criterion in rubric["CFRubricCriteria"]:
            records.append(criterion)
            records += criterion["CFRubricCriterionLevels"]
    ids = [r["identifier"] for r in records]
    assert len(ids) == 1 + 29 + 29 + 1 + 1 + 2 * (1 + 29 * (1 + 6))
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {5}


def test_identifiers_depend_on_the_framework_version(catalogue: Catalogue) -> None:
    newer = Catalogue(replace(catalogue.framework, version="3.0.1"), catalogue.profiles)
    old, new = export_case(catalogue), export_case(newer)
    assert old["CFDocument"]["identifier"] != new["CFDocument"]["identifier"]
    old_items = {i["identifier"] for i in old["CFItems"]}
    assert old_items.isdisjoint(i["identifier"] for i in new["CFItems"])


def test_base_uri_changes_uris_but_not_identifiers(catalogue: Catalogue) -> None:
    plain = export_case(catalogue)
    web = export_case(catalogue, base_uri="https://pmo.example.org/case/")
    doc = web["CFDocument"]
    assert doc["identifier"] == plain["CFDocument"]["identifier"]
    assert doc["uri"] == "https://pmo.example.org/case/" + doc["identifier"]
    assert all(u.startswith("https://pmo.example.org/case/") for u in all_values(web, "uri"))
    assert all(u.startswith("urn:competence:") for u in all_values(plain, "uri"))


def test_changed_sets_every_timestamp(catalogue: Catalogue) -> None:
    when = datetime.fromisoformat("2030-01-02T03:04:05+01:00")
    stamps = set(all_values(export_case(catalogue, changed=when), "lastChangeDateTime"))
    assert stamps == {"2030-01-02T02:04:05+00:00"}


def test_document_carries_the_framework_and_apm_attribution(
    package: dict[str, Any], catalogue: Catalogue
) -> None:
    fw = catalogue.framework
    doc = package["CFDocument"]
    assert doc["title"] == fw.title
    assert doc["version"] == fw.version
    assert doc["caseVersion"] == "1.1"
    assert doc["creator"] == fw.attribution.owner
    assert fw.attribution.notice in doc["notes"]
    (licence,) = package["CFDefinitions"]["CFLicenses"]
    assert doc["licenseURI"]["identifier"] == licence["identifier"]
    assert licence["licenseText"] == fw.attribution.notice


def test_each_competence_is_an_item(package: dict[str, Any], catalogue: Catalogue) -> None:
    items = package["CFItems"]
    assert [i["humanCodingScheme"] for i in items] == [str(n) for n in range(1, 30)]
    for item, competence in zip(items, catalogue.framework.competences, strict=True):
        assert item["fullStatement"] == competence.definition
        assert item["abbreviatedStatement"] == competence.name
        assert item["CFItemType"] == "Competence"
        assert item["extensions"]["slug"] == competence.slug


def test_each_item_is_child_of_the_document(package: dict[str, Any]) -> None:
    doc_id = package["CFDocument"]["identifier"]
    links = {
        a["originNodeURI"]["identifier"]: a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    assert set(links) == {i["identifier"] for i in package["CFItems"]}
    assert {a["destinationNodeURI"]["identifier"] for a in links.values()} == {doc_id}
    numbers = {i["identifier"]: int(i["humanCodingScheme"]) for i in package["CFItems"]}
    assert all(a["sequenceNumber"] == numbers[o] for o, a in links.items())


def test_knowledge_and_application_rubrics_have_levels_0_to_5(
    package: dict[str, Any], catalogue: Catalogue
) -> None:
    fw = catalogue.framework
    item_ids = [i["identifier"] for i in package["CFItems"]]
    assert [r["title"] for r in package["CFRubrics"]] == ["Knowledge", "Application"]
    for rubric, axis in zip(package["CFRubrics"], ("knowledge", "application"), strict=True):
        criteria = rubric["CFRubricCriteria"]
        assert [c["CFItemURI"]["identifier"] for c in criteria] == item_ids
        for criterion in criteria:
            assert criterion["rubricId"] == rubric["identifier"]
            levels = criterion["CFRubricCriterionLevels"]
            assert [lv["score"] for lv in levels] == [0, 1, 2, 3, 4, 5]
            assert [lv["quality"] for lv in levels] == [lv.name for lv in fw.levels]
            assert [lv["description"] for lv in levels] == [getattr(lv, axis) for lv in fw.levels]
            assert {lv["rubricCriterionId"] for lv in levels} == {criterion["identifier"]}


def test_profile_targets_and_contexts_are_in_item_extensions(
    package: dict[str, Any], catalogue: Catalogue
) -> None:
    by_code = {i["humanCodingScheme"]: i["extensions"]["profiles"] for i in package["CFItems"]}
    assert by_code["11"]["pmo-officer"] == {
        "knowledge": 2,
        "application": 2,
        "contexts": ["programme"],
        "qualifier": "programme only",
        "definition": None,
    }
    assert by_code["6"]["pmo-officer"]["contexts"] == ["portfolio"]
    for profile in catalogue.profiles.values():
        for number, req in profile.requirements.items():
            stored = by_code[str(number)][profile.id]
            assert (stored["knowledge"], stored["application"]) == (
                req.target.knowledge,
                req.target.application,
            )
            assert set(stored["contexts"]) == req.contexts
            assert stored["definition"] == req.definition


def test_specialist_rule_is_in_document_extensions(
    package: dict[str, Any], catalogue: Catalogue
) -> None:
    rule = catalogue.profile("pmo-specialist").rule
    assert rule is not None
    profiles = package["CFDocument"]["extensions"]["profiles"]
    assert profiles["pmo-officer"]["rule"] is None
    assert profiles["pmo-specialist"]["rule"] == {
        "kind": "builds-on",
        "statement": rule.statement,
        "base_profile": "pmo-officer",
        "required": [1, 2],
        "specialisms": list(rule.specialisms),
        "deciding": list(rule.deciding),
        "at_least": rule.at_least,
    }
    assert 13 not in profiles["pmo-specialist"]["rule"]["deciding"]


def test_field_lists_match_the_schema(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    assert set(schema["properties"]) == PACKAGE_FIELDS
    assert set(defs["CFPckgDocument"]["properties"]) == DOCUMENT_FIELDS
    assert set(defs["CFPckgItem"]["properties"]) == ITEM_FIELDS
    assert set(defs["CFPckgAssociation"]["properties"]) == ASSOCIATION_FIELDS
    assert set(defs["CFRubric"]["properties"]) == RUBRIC_FIELDS
    assert set(defs["CFRubricCriterion"]["properties"]) == CRITERION_FIELDS
    assert set(defs["CFRubricCriterionLevel"]["properties"]) == LEVEL_FIELDS


# -- round trip ------------------------------------------------------------------------------


def test_export_then_import_gives_back_the_framework(catalogue: Catalogue) -> None:
    fw = catalogue.framework
    text = json.dumps(export_case(catalogue))
    imported = parse_case(json.loads(text), "apm.json")
    assert imported.skipped == ()
    assert imported.title == fw.title
    assert imported.version == fw.version
    assert imported.licence == fw.attribution.notice
    assert [(i.code, i.name, i.statement) for i in imported.items] == [
        (str(c.number), c.name, c.definition) for c in fw.competences
    ]
    assert {i.parent for i in imported.items} == {None}
    assert {i.item_type for i in imported.items} == {"Competence"}
    assert [i.code for i in imported.children(None)] == [str(n) for n in range(1, 30)]
    assert [r.title for r in imported.rubrics] == ["Knowledge", "Application"]
    for rubric, axis in zip(imported.rubrics, ("knowledge", "application"), strict=True):
        assert len(rubric.criteria) == 29
        assert [(lv.score, lv.quality, lv.description) for lv in rubric.levels] == [
            (lv.level, lv.name, getattr(lv, axis)) for lv in fw.levels
        ]
        assert [imported.item(c.item or "") is not None for c in rubric.criteria] == [True] * 29
    assert imported.extensions["profiles"]["pmo-specialist"]["rule"]["required"] == [1, 2]
    assert imported.items[10].extensions["profiles"]["pmo-officer"]["contexts"] == ["programme"]


def test_imported_framework_stores_as_json_and_reads_back(catalogue: Catalogue) -> None:
    for imported in (
        parse_case(export_case(catalogue), "apm.json"),
        read_case(fixture_file(CASE_FILES / MESSY)),
    ):
        stored = json.loads(json.dumps(imported_to_dict(imported)))
        assert stored["items"][0]["identifier"] == imported.items[0].identifier
        assert isinstance(stored["skipped"], list)
        assert imported_from_dict(stored) == imported


# -- real files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "items", "top"),
    [
        ("opensalt-sample-framework.json", 16, 2),
        ("opensalt-smart-level-framework.json", 14, 2),
        ("opensalt-utf8-framework.json", 1, 1),
    ],
)
def test_opensalt_files_import(name: str, items: int, top: int) -> None:
    imported = read_case(fixture_file(CASE_FILES / name))
    assert isinstance(imported, ImportedFramework)
    assert imported.source.endswith(name)
    assert len(imported.items) == items
    assert len(imported.children(None)) == top
    parents = {i.parent for i in imported.items} - {None}
    assert parents <= {i.identifier for i in imported.items}


def test_clean_opensalt_files_skip_nothing() -> None:
    for name in ("opensalt-smart-level-framework.json", "opensalt-utf8-framework.json"):
        assert read_case(fixture_file(CASE_FILES / name)).skipped == ()


def test_utf8_file_keeps_its_characters() -> None:
    imported = read_case(fixture_file(CASE_FILES / "opensalt-utf8-framework.json"))
    assert imported.title == "UTF8 𝑑 Test"
    assert imported.items[0].statement == "Item 𝑑 1"


def test_smart_level_hierarchy_comes_from_is_child_of() -> None:
    imported = read_case(fixture_file(CASE_FILES / "opensalt-smart-level-framework.json"))
    tops = {i.statement: i for i in imported.children(None)}
    assert set(tops) == {"Item 1", "Item 2"}
    under_1 = {i.statement for i in imported.children(tops["Item 1"].identifier)}
    assert under_1 == {f"Item 1.{n}" for n in range(1, 11)}
    under_2 = {i.statement for i in imported.children(tops["Item 2"].identifier)}
    assert under_2 == {"Item 2.1", "Item 2.2"}


def test_messy_file_imports_what_it_can_and_reports_the_rest(
    validator: Draft201909Validator,
) -> None:
    doc = fixture_doc(MESSY)
    assert list(validator.iter_errors(doc)) != []  # it really is not strict CASE 1.1
    imported = parse_case(doc, MESSY)
    clusters = imported.children(None)
    assert [i.code for i in clusters] == ["CCSS.Math.Content.6.RP.A", "CCSS.Math.Content.7.RP.A"]
    assert [i.position for i in clusters] == [1, 2]
    assert {i.item_type for i in imported.items} == {"Cluster", "Standard", "Component"}
    grade6 = {i.code for i in imported.children(clusters[0].identifier)}
    assert grade6 == {f"CCSS.Math.Content.6.RP.A.{n}" for n in (1, 2, 3)}
    skipped = "\n".join(imported.skipped)
    assert "CFDocument: field 'CFPackageURI' is not in CASE 1.1" in skipped
    assert "CFItems: field 'educationalLevel' is not in CASE 1.1" in skipped
    assert "CFAssociations: field 'CFDocumentURI' is not in CASE 1.1; ignored in 39" in skipped
    assert "CFAssociations[15].sequenceNumber: '1' is a string" in skipped
    assert "16 'exactMatchOf' associations, 16 of them linking outside this file" in skipped
    assert "3 'precedes' associations" in skipped


# -- what is skipped, and what is refused ----------------------------------------------------


def small_package() -> dict[str, Any]:
    def link(ident: str) -> dict[str, str]:
        return {"title": ident, "identifier": ident, "uri": f"urn:{ident}"}

    def child(n: int, origin: str, destination: str) -> dict[str, Any]:
        return {
            "identifier": f"a{n}",
            "associationType": "isChildOf",
            "originNodeURI": link(origin),
            "destinationNodeURI": link(destination),
        }

    return {
        "CFDocument": {"identifier": "doc", "title": "Small", "creator": "us"},
        "CFItems": [
            {"identifier": "i1", "fullStatement": "One", "humanCodingScheme": "1"},
            {"identifier": "i2", "fullStatement": "Two", "humanCodingScheme": "1.1"},
            {"identifier": "i3", "humanCodingScheme": "3"},
        ],
        "CFAssociations": [
            child(1, "i1", "doc"),
            child(2, "i2", "i1"),
            child(3, "i2", "doc"),
            child(4, "i1", "elsewhere"),
            child(5, "i3", "doc"),
        ],
    }


def test_item_without_full_statement_is_skipped() -> None:
    imported = parse_case(small_package(), "small.json")
    assert [i.identifier for i in imported.items] == ["i1", "i2"]
    assert "CFItems[2] (i3): no fullStatement; item skipped" in imported.skipped


def test_links_to_unknown_items_and_second_parents_are_skipped() -> None:
    imported = parse_case(small_package(), "small.json")
    assert imported.item("i2") == replace(imported.items[1], parent="i1")
    assert imported.item("i1") == replace(imported.items[0], parent=None)
    assert imported.skipped == (
        "CFItems[2] (i3): no fullStatement; item skipped",
        "CFAssociations[2]: i2 already has a parent; this second isChildOf is skipped",
        "CFAssociations[3]: isChildOf from i1 to elsewhere, which is neither the document nor "
        "an item here; skipped",
        "CFAssociations[4]: isChildOf from i3, which is not an item here; skipped",
    )


def test_a_cycle_is_broken_and_reported() -> None:
    doc = small_package()
    doc["CFAssociations"] = [
        {**doc["CFAssociations"][1]},
        {
            "identifier": "a9",
            "associationType": "isChildOf",
            "originNodeURI": {"title": "", "identifier": "i1", "uri": ""},
            "destinationNodeURI": {"title": "", "identifier": "i2", "uri": ""},
        },
    ]
    imported = parse_case(doc, "loop.json")
    assert any("makes a cycle" in m for m in imported.skipped)
    assert None in {i.parent for i in imported.items}


def test_rubric_scores_written_as_text_are_read_and_reported(catalogue: Catalogue) -> None:
    doc = copy.deepcopy(export_case(catalogue))
    level = doc["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][3]
    level["score"] = "3"
    imported = parse_case(doc, "apm.json")
    assert imported.rubrics[0].criteria[0].levels[3].score == 3
    assert len(imported.skipped) == 1
    assert "score: '3' is a string, CASE wants a number; read as 3" in imported.skipped[0]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "bad.json: expected a JSON object holding a CASE package, got list"),
        ({"CFItems": []}, "bad.json: CFDocument: missing"),
        ({"CFDocument": {"title": "T"}, "CFItems": []}, "bad.json: CFDocument.identifier: missing"),
        ({"CFDocument": {"identifier": "d"}, "CFItems": []}, "bad.json: CFDocument.title: missing"),
        ({"CFDocument": {"identifier": "d", "title": "T"}}, "bad.json: CFItems: no items"),
        (
            {"CFDocument": {"identifier": "d", "title": "T"}, "CFItems": [{"identifier": "x"}]},
            "bad.json: CFItems: none of the 1 items can be used",
        ),
    ],
)
def test_unusable_input_is_refused_naming_the_source_and_field(doc: Any, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_case(doc, "bad.json")
    assert info.value.problems[0].startswith(message)


def test_reading_a_file_that_is_not_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "CFDocument": \n}\n', "utf-8")
    with pytest.raises(InputError, match=r"broken\.json, line 3: not valid JSON"):
        read_case(path)


def test_reading_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_case(tmp_path / "nowhere.json")
