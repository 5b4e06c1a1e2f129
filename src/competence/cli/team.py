"""`competence team ...`: a team's plan, calibration and trend."""

from __future__ import annotations

from pathlib import Path

import click

from competence.cli.common import Session, Table, Text, emit_json, json_option, needs, out


@click.group()
def team() -> None:
    """Plan a team's capability, its calibration and its trend over cycles."""


@team.command("plan")
@click.option("--team", "team_path", help="The team (and its sub-teams); default: everyone.")
@click.option(
    "--requirements",
    "requirements_file",
    required=True,
    type=click.Path(path_type=Path),
    help="YAML: requirements and nobody_alone.",
)
@json_option
@needs("team.individuals")
def team_plan(
    session: Session, team_path: str | None, requirements_file: Path, as_json: bool
) -> None:
    """Coverage, single points of failure, and the fewest levels raised to meet the requirements.

    Exact (an integer program). A requirement that cannot be met is said so plainly. With --as,
    the people are those the user may see by name, as on the web.
    """
    from competence.domain.words import levels as levels_count
    from competence.domain.words import people as people_count
    from competence.services.planning import read_requirements
    from competence.services.planning import team_plan as make_plan
    from competence.services.team_view import choose

    requirements = read_requirements(requirements_file)
    data = make_plan(choose(session.user, path=team_path), requirements, team_path)
    if as_json:
        emit_json(data)
        return
    out.print(f"{people_count(data['people'])}{' in ' + team_path if team_path else ''}.")
    if data["single_points_of_failure"]:
        out.print("Single points of failure (only one person meets the officer target):")
        for a in data["single_points_of_failure"]:
            out.print(f"  • {a['number']}. {a['competence']}: {a['name']} ({a['person']})")
    if data["uncovered"]:
        out.print("Uncovered (nobody meets the officer target):")
        for u in data["uncovered"]:
            out.print(f"  • {u['number']}. {u['competence']}")
    table = Table(
        title=f"Development steps: {levels_count(data['levels_raised'])} raised in all",
        title_justify="left",
    )
    for name in ("Person", "Competence", "Axis", "From", "To"):
        table.add_column(name)
    for step in data["steps"]:
        table.add_row(
            step["name"],
            f"{step['number']}. {step['competence']}",
            step["axis"],
            str(step["from"]),
            str(step["to"]),
        )
    out.print(table)
    for label, ranked in data["closest"].items():
        names = ", ".join(f"{r['name']} ({levels_count(r['levels_short'])} short)" for r in ranked)
        out.print(f"Closest for {label}: {names}")
    for problem in data["unmet"]:
        out.print(Text(f"Cannot be met: {problem}", style="bold red"))


@team.command("calibration")
@click.option(
    "--team",
    "team_path",
    help="The team (and its sub-teams); default: everyone. Only for those who see names.",
)
@click.option("--cycle", help="The cycle's name; default: the latest with results.")
@json_option
@needs("team.figures")
def team_calibration(
    session: Session, team_path: str | None, cycle: str | None, as_json: bool
) -> None:
    """How far self-ratings and agreed ratings differ and agree, per competence and axis.

    The mean of self − agreed, the quadratic-weighted kappa with its 95 % interval and n, and,
    for PMO leads and admins, each assessor's leniency against the team. Figures over fewer
    than COMPETENCE_MIN_GROUP_SIZE people are hidden, as on the web (docs/calibration.md).
    """
    from competence.services.calibration import figures
    from competence.services.team_view import choose

    data = figures(choose(session.user, path=team_path), cycle)
    if as_json:
        emit_json(data)
        return
    if data["cycle"] is None:
        out.print("No cycle has results.")
        return
    out.print(f"{data['label']}, cycle {data['cycle']}: {data['people_compared']} compared.")
    if data["notice"]:
        out.print(data["notice"])
    table = Table(title="Self against agreed", title_justify="left")
    for name in ("Competence", "Axis", "n", "Mean self − agreed", "Kappa"):
        table.add_column(name)
    for row in data["competences"]:
        table.add_row(
            f"{row['number']}. {row['name']}",
            row["axis"],
            str(row["n"]),
            row["hidden_reason"] or row["mean_difference_text"],
            row["kappa_text"],
        )
    out.print(table)
    if data["assessors"]:
        for a in data["assessors"]["assessors"]:
            out.print(f"  • {a['assessor']} ({a['people']} people): {a['text']}")


@team.command("trend")
@click.option(
    "--team",
    "team_path",
    help="The team (and its sub-teams); default: everyone. Only for those who see names.",
)
@click.option(
    "--cycle",
    "cycles",
    multiple=True,
    help="A cycle's name; give it up to 6 times. Default: the latest 6 with results.",
)
@click.option(
    "--compare",
    nargs=2,
    metavar="FROM TO",
    help="The two cycles to compare for who moved; default: the last two shown.",
)
@json_option
@needs("team.figures")
def team_trend(
    session: Session,
    team_path: str | None,
    cycles: tuple[str, ...],
    compare: tuple[str, str] | None,
    as_json: bool,
) -> None:
    """Capability over time: per cycle, the share meeting the officer target and at specialist
    level per competence and axis, and how many meet each profile; who moved up or down.

    Movers are named for PMO leads and admins only. A cycle with fewer than
    COMPETENCE_MIN_GROUP_SIZE people with a result is withheld from anyone else, as on the
    web (docs/web.md).
    """
    from competence.services.team_view import choose
    from competence.services.trends import figures

    data = figures(choose(session.user, path=team_path), list(cycles) or None, compare or None)
    if as_json:
        emit_json(data)
        return
    if not data["per_cycle"]:
        out.print("No cycle has results.")
        return
    if data["notice"]:
        out.print(data["notice"])
    table = Table(title=f"{data['label']}: people meeting each profile", title_justify="left")
    for name in ("Cycle", "With a result", "PMO officer", "PMO specialist"):
        table.add_column(name)
    for c in data["per_cycle"]:
        if c["hidden"]:
            table.add_row(c["cycle"], f"withheld: {c['hidden_reason']}", "", "")
        else:
            table.add_row(
                c["cycle"], str(c["people"]), str(c["meets_officer"]), str(c["meets_specialist"])
            )
    out.print(table)
    movers = data["movers"]
    if movers is None:
        return
    if movers["hidden"]:
        out.print(f"{movers['from']} to {movers['to']}: withheld: {movers['hidden_reason']}.")
        return
    out.print(
        f"{movers['from']} to {movers['to']}: {movers['up']} moved up, {movers['down']} down, "
        f"{movers['mixed']} mixed, of {movers['people']} with a result in both."
    )
    for m in movers["moves"] or []:
        out.print(f"  • {m['name']}: {m['direction']}")
