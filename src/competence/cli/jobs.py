"""`competence jobs ...`: the jobs you started."""

from __future__ import annotations

import json

import click

from competence.cli.common import Session, emit_json, json_option, needs, out


@click.group("jobs")
def jobs_() -> None:
    """The jobs you started (every job, for an admin or the operator)."""


@jobs_.command("list")
@json_option
@needs("signed-in")
def jobs_list(session: Session, as_json: bool) -> None:
    """List the latest 100 jobs you may see, newest first."""
    from competence.services import jobs

    data = jobs.listed(session.user)
    if as_json:
        emit_json(data)
        return
    for j in data:
        out.print(f"{j['id']:>6}  {j['status']:<8} {j['title']}  ({j['progress_words']})")
    click.echo(f"{len(data)} jobs.", err=True)


@jobs_.command("show")
@click.argument("job_id", metavar="JOB", type=int)
@json_option
@needs("signed-in")
def jobs_show(session: Session, job_id: int, as_json: bool) -> None:
    """Show JOB (its number): its status, progress and result, or its problems."""
    from competence.services import jobs

    data = jobs.shown(session.user, job_id)
    if as_json:
        emit_json(data)
        return
    out.print(
        f"Job {data['id']}: {data['title']}: {data['status_words']}. {data['progress_words']}"
    )
    if data["result"] is not None:
        out.print(json.dumps(data["result"], ensure_ascii=False))
    for p in data["problems"]:
        out.print(f"  • {p}")
    if data["more"]:
        out.print(f"  {data['more']}")
