"""The rows the results page and the self-assessment write in their views, rather than in
template loops, are the bytes those loops wrote: the same markup, every value escaped alike."""

from __future__ import annotations

from typing import Any

from django.template import Context, Template

from competence.data import load_catalogue
from competence.web.views.assessment import labels
from competence.web.views.results import gap_rows, notes, shortfall_rows

TRICKY = "R&D <\"quoted\"> 'PMO'"

GAP_LOOP = """      {% for c in rows %}
        <tr class="{% if not c.applicable %}muted{% endif %}">
          <td>{{ c.number }}</td><td>{{ c.name }}</td>
          {% for cell in c.cells %}<td class="num">{{ cell.actual|default_if_none:"–" }} / {{ cell.target|default_if_none:"" }}</td>{% endfor %}
          <td>{% if c.applicable %}<span class="label {{ c.label }}">{{ c.label }}</span>{% else %}does not apply{% endif %}</td>
        </tr>
      {% endfor %}
"""  # noqa: E501  (the loop as the template had it)

SHORTFALL_LOOP = """    {% for c in by_competence %}
      {% for a in c.axes %}<tr>{% if forloop.first %}<th scope="rowgroup" rowspan="{{ c.axes|length }}">{{ c.number }}. {{ c.name }}</th>{% endif %}<td>{{ a.axis }}</td><td class="num">{{ a.actual|default_if_none:"not rated" }}</td>{% for need in a.needs %}<td class="num">{{ need|default_if_none:"–" }}</td>{% endfor %}</tr>{% endfor %}
    {% endfor %}
"""  # noqa: E501

NOTES_LOOP = """  {% for key, notes in notes.items %}<ul class="notes">{% for r in notes %}<li>{{ r }}</li>{% endfor %}</ul>{% endfor %}
"""  # noqa: E501

LABELS_LOOP = """        {% for radio, id, level, name, descriptor in options %}
        <label class="level" for="{{ id }}">{{ radio }}
          <span><strong>{{ level }} {{ name }}</strong> <small>{{ descriptor }}</small></span>
        </label>
        {% endfor %}
"""


def looped(source: str, **context: Any) -> str:
    return Template(source).render(Context(context))


def test_the_gap_rows_are_the_template_loops_bytes() -> None:
    rows = [
        {"number": 1, "name": TRICKY, "applicable": True, "label": "top-up",
         "cells": [{"actual": 3, "target": 4}, {"actual": None, "target": 2}]},
        {"number": 11, "name": "Transition management", "applicable": False, "label": None,
         "cells": [{"actual": 0, "target": None}, {"actual": None, "target": None}]},
    ]  # fmt: skip
    assert f"      {gap_rows(rows)}\n" == looped(GAP_LOOP, rows=rows)


def test_the_shortfalls_and_notes_are_the_template_loops_bytes() -> None:
    by_competence = [
        {"number": 2, "name": TRICKY, "axes": [
            {"axis": "knowledge", "actual": None, "needs": [3, None]},
            {"axis": "application", "actual": 2, "needs": [4, 5]}]},
        {"number": 9, "name": "Assurance", "axes": [
            {"axis": "application", "actual": 0, "needs": [None, 3]}]},
    ]  # fmt: skip
    assert f"    {shortfall_rows(by_competence)}\n" == looped(
        SHORTFALL_LOOP, by_competence=by_competence
    )
    said = {"own": [TRICKY, "Meets the PMO officer profile"], "toward": []}
    assert f"  {notes(said)}\n" == looped(NOTES_LOOP, notes=said)


def test_the_level_labels_are_the_template_loops_bytes() -> None:
    from django.utils.safestring import mark_safe

    levels = load_catalogue().framework.levels
    options = [
        (mark_safe(f'<input type="radio" value="{lv.level}">'), f"id_k-1_{i}", str(lv.level),
         TRICKY if i == 2 else lv.name, lv.knowledge)
        for i, lv in enumerate(levels)
    ]  # fmt: skip
    assert f"        {labels(options)}\n" == looped(LABELS_LOOP, options=options)
