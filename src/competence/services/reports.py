"""Reports written to files: a person's (PDF or HTML), a team's (XLSX, PDF or HTML), and every
person's PDF into a folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from competence.errors import InputError, writing
from competence.services import calibration, people, plans, results, trends
from competence.services.team_view import Choice
from competence.store.models import Person

Progress = Callable[[str, int, int | None], None]


def person_report(person: Person, fmt: str, out: Path) -> str:
    """Write a person's report; return what was written, in words."""
    from competence.reports.individual import render_html, write_pdf

    if fmt not in ("pdf", "html"):
        raise InputError("--format: a person's report is pdf or html")
    html = render_html(results.person_results(person), plans.plan_data(person))
    with writing(out, "--out"):
        if fmt == "html":
            out.write_text(html, encoding="utf-8")
            return f"{out}"
        return f"{out} ({write_pdf(html, out)} pages)"


def team_report(
    choice: Choice,
    fmt: str,
    out: Path | BinaryIO,
    cycle: str | None = None,
    compare: tuple[str, str] | None = None,
) -> int:
    """Write the report of the people chosen (their results in ``cycle`` when given, else each
    one's latest), with the trends over the latest cycles and who moved between ``compare``
    (default: the last two), to a file or a binary stream (a web response's); return how many it
    covers. The command line, the web and the team report job all write it here."""
    from competence.reports.individual import write_pdf
    from competence.reports.team import render_summary_html, write_xlsx

    if fmt not in ("xlsx", "pdf", "html"):
        raise InputError("--format: a team's report is xlsx, pdf or html")
    chosen = trends.cycle_id(choice.people, cycle)
    figures = calibration.figures(choice, cycle)
    over_time = trends.figures(choice, None, compare)
    summary = results.team_summary(choice.people, page=1, per_page=None, cycle=chosen)

    def write(target: Path | BinaryIO) -> None:
        if fmt == "xlsx":
            write_xlsx(summary, target, figures, over_time)
            return
        html = render_summary_html(summary, choice.label, figures, over_time)
        if fmt == "pdf":
            write_pdf(html, target)
        elif isinstance(target, Path):
            target.write_text(html, encoding="utf-8")
        else:
            target.write(html.encode("utf-8"))

    if isinstance(out, Path):
        with writing(out, "--out"):
            write(out)
    else:
        write(out)
    return int(summary["people_count"])


def everyone(folder: Path, progress: Progress) -> int:
    """Every person's PDF report into ``folder``, named by :func:`people.file_stem`."""
    from competence.reports.individual import render_html, write_pdf

    with writing(folder, "--out"):
        folder.mkdir(parents=True, exist_ok=True)
    chosen = list(Person.objects.select_related("team", "assessor").order_by("email"))
    for i, p in enumerate(chosen, start=1):
        target = folder / f"{people.file_stem(p)}.pdf"
        with writing(target, "--out"):
            write_pdf(render_html(results.person_results(p), plans.plan_data(p)), target)
        progress("reports", i, len(chosen))
    return len(chosen)
