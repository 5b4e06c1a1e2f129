"""The individual report: one HTML document, shown as a page or printed to PDF by WeasyPrint.

It is fed by plain data (the results and plan services), never by the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from competence.reports import charts


def render_html(results: dict[str, Any], plan: list[dict[str, Any]]) -> str:
    person = results["person"]
    target = results["own"]
    names = {c["number"]: c["name"] for c in target["competences"]}  # the person's framework
    trend = results["history"]["trend"]
    cycles = [p["cycle"] for p in trend[0]["points"]] if trend else []
    return render_to_string(
        "reports/individual.html",
        {
            "r": results,
            "person": person,
            "target": target,
            "chart": mark_safe(charts.bars(target)),
            "axes": results["axes"],
            "shown": sum(1 for c in target["competences"] if c["applicable"]),
            "rows": charts.axis_cells(target["competences"], results["axes"]),
            "names": names,
            "plan": plan,
            "trend": [{**t, "name": names[t["number"]]} for t in trend],
            "cycles": cycles if len(cycles) > 1 else [],
            "attribution": results["attribution"],
            "made_on": timezone.localdate().isoformat(),
            "missing": results["still_needed"],
            "evidence": results["evidence"],
            "closest": results["closest_specialisms"],
            "verdicts": [
                {**v, "name": name}
                for v, name in (
                    (results["base"], results["base_name"]),
                    (results["own"], results["target_name"]),
                    (results["toward"], results["toward_name"]),
                )
                if v is not None
            ],
        },
    )


def write_pdf(html: str, out: str | Path | IO[bytes]) -> int:
    """Print the HTML to a PDF file; return the number of pages."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(Path(__file__).parent)).render()
    document.write_pdf(out)
    return len(document.pages)
