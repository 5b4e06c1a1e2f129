"""An imported CASE framework as one to assess against: items numbered depth first, one axis,
and the levels of its rubric (or the product's 0-5 scale)."""

from __future__ import annotations

from typing import Any

from competence.formats.case import assessable, parse_case, read_case
from tests.conftest import CASE_FILES


def package(scores: list[Any]) -> dict[str, Any]:
    doc = {"identifier": "doc-1", "title": "Drawing"}
    items = [
        {"identifier": "b", "fullStatement": "Shade a sphere", "humanCodingScheme": "D.2"},
        {"identifier": "a", "fullStatement": "Draw a line", "humanCodingScheme": "D.1"},
        {"identifier": "a1", "fullStatement": "Draw a straight line freehand"},
    ]
    link = [("a", "doc-1", 1), ("b", "doc-1", 2), ("a1", "a", 1)]
    return {
        "CFDocument": doc,
        "CFItems": items,
        "CFAssociations": [
            {
                "identifier": f"as-{child}",
                "associationType": "isChildOf",
                "originNodeURI": {"identifier": child, "title": child, "uri": child},
                "destinationNodeURI": {"identifier": parent, "title": parent, "uri": parent},
                "sequenceNumber": n,
            }
            for child, parent, n in link
        ],
        "CFRubrics": [
            {
                "identifier": "r",
                "title": "Skill",
                "CFRubricCriteria": [
                    {
                        "identifier": "c",
                        "CFItemURI": {"identifier": "a", "title": "a", "uri": "a"},
                        "CFRubricCriterionLevels": [
                            {"identifier": f"l{i}", "score": s, "quality": f"Q{i}"}
                            for i, s in enumerate(scores)
                        ],
                    }
                ],
            }
        ],
    }


def test_items_are_numbered_depth_first_and_found_by_identifier_and_code() -> None:
    fw = assessable(parse_case(package([1, 2, 3]), "drawing.json"))
    assert [(c.number, c.name) for c in fw.competences] == [
        (1, "D.1 Draw a line"),
        (2, "Draw a straight line freehand"),
        (3, "D.2 Shade a sphere"),
    ]
    assert fw.axes == ("application",)
    found = (fw.find("a1"), fw.find("D.2"), fw.find("3"))
    assert [c.number if c else None for c in found] == [2, 3, 3]


def test_the_rubric_gives_the_levels_with_a_level_0_added() -> None:
    fw = assessable(parse_case(package([1, 2, 3]), "drawing.json"))
    assert [(lv.level, lv.name, lv.from_source) for lv in fw.levels] == [
        (0, "Not yet", False),
        (1, "Q0", True),
        (2, "Q1", True),
        (3, "Q2", True),
    ]
    assert fw.top_level == 3
    assert fw.level_problem("application", 4) == (
        "application: 4 is above this framework's top level, 3"
    )
    assert fw.level_problem("knowledge", 1) == (
        "knowledge: this framework rates application only; leave it empty"
    )


def test_a_rubric_whose_scores_are_not_levels_0_to_5_gives_the_0_5_scale() -> None:
    for scores in ([0.5, 1.5], [1, 7], [2, 2]):
        fw = assessable(parse_case(package(scores), "drawing.json"))
        assert [lv.level for lv in fw.levels] == [0, 1, 2, 3, 4, 5]
        assert not any(lv.from_source for lv in fw.levels)


def test_the_opensalt_files_become_frameworks_with_every_item() -> None:
    counts = {
        name: len(assessable(read_case(CASE_FILES / name)).competences)
        for name in (
            "opensalt-sample-framework.json",
            "opensalt-smart-level-framework.json",
            "opensalt-utf8-framework.json",
        )
    }
    assert counts == {
        "opensalt-sample-framework.json": 16,
        "opensalt-smart-level-framework.json": 14,
        "opensalt-utf8-framework.json": 1,
    }
