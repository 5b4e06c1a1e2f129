"""`competence serve`, `competence worker` and `competence check`: running the web app, its
jobs, and checking the configuration."""

from __future__ import annotations

import click

from competence.cli.common import Session, err, file_only, needs, out
from competence.errors import InputError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Serve a synthetic PMO from a separate demo database, made anew at each start (a copy "
    "of one built once per version of the product and day).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per core). Where gunicorn cannot run (Windows), one.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    help="Threads in each worker process (default 1: a request has the process to itself and is "
    "bounded by the worker timeout; 8 where one process serves).",
)
@click.option(
    "--trusted-proxy",
    metavar="ADDRESS",
    help="The reverse proxy's address: trust its X-Forwarded-Proto/-For/-Host headers.",
)
@file_only
def serve(
    host: str,
    port: int,
    demo: bool,
    workers: int | None,
    threads: int | None,
    trusted_proxy: str | None,
) -> None:
    """Run the web app under a production server, after upgrading the database: gunicorn with
    several worker processes, or waitress where gunicorn cannot run (Windows).

    The web app asks the access policy for every page; --as does not apply here. Jobs (large
    imports, reports for everyone) need `competence worker` running beside it; with --demo, one
    worker runs in this process.
    """
    from competence.services.deploy import check_server_secret
    from competence.web import server

    check_server_secret(demo)
    if demo:
        from competence.services.demo_start import ready_demo

        summary, _ = ready_demo(server.use_demo_database(), progress=err.print)
        err.print(
            f"Demo data: {summary.people} people in {summary.teams} teams, "
            f"{summary.cycles} cycles, {summary.assessments} assessments."
        )
        err.print(f"Demo sign-ins (password {summary.password!r}):")
        for username, role in summary.sign_ins:
            err.print(f"  {username:<22} {role}")
        from competence.services import database

        database.ready(need_tables=False)  # a copy of the kept demo: its tables are this version's
        from competence.services.jobs import in_thread

        in_thread()  # the demo's one worker, in this process: no `competence worker` needed
        err.print("A worker runs the demo's jobs in this process.")
    else:
        from competence.services import database

        database.upgrade()

    def announce(address: str) -> None:
        if address:
            click.echo(f"competence is running at {address} (Ctrl-C to stop)", err=True)
        else:
            click.echo("Stopped.", err=True)

    server.run(host, port, workers or server.default_workers(), threads, trusted_proxy, announce)


@click.command()
@click.option(
    "--burst",
    "--once",
    "burst",
    is_flag=True,
    help="Run the jobs waiting now, then stop (for a cron line or a test).",
)
@click.option(
    "--queue",
    default="default",
    show_default=True,
    metavar="NAME",
    help="The queue whose jobs to run.",
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Jobs run at the same time, each in a thread (on SQLite, keep 1: it has one writer).",
)
@click.option(
    "--no-schedule",
    is_flag=True,
    help="Do not enqueue the scheduled jobs (for a site that runs remind and retention by cron).",
)
@needs("admin")
def worker(session: Session, burst: bool, queue: str, concurrency: int, no_schedule: bool) -> None:
    """Run the jobs the web app queues: large imports, every person's PDF reports, large
    teams' reports, and the scheduled reminders (weekly) and retention (daily).

    Jobs wait in the database, so they survive a restart of the web app. A job left running by
    a worker that was stopped is marked failed when a worker starts (an import is all or
    nothing: none of it was written). Run as many workers as you like: each job runs once, and
    the schedule enqueues its jobs once per period. Stops on Ctrl-C or SIGTERM after the job in
    hand.
    """
    import signal
    import threading

    from competence.services import jobs

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if not burst:
        click.echo(f"Worker {jobs.worker_name()} on queue {queue!r} (Ctrl-C to stop).", err=True)
    count = jobs.work(
        queue=queue,
        burst=burst,
        concurrency=concurrency,
        schedule=not no_schedule,
        stop=stop,
        announce=lambda line: click.echo(line, err=True),
    )
    click.echo(f"{count} job{'s' if count != 1 else ''} run.", err=True)


@click.command()
@click.option(
    "--deploy",
    is_flag=True,
    help="Also run Django's deployment checks (HTTPS, cookies, HSTS, the secret key, debug).",
)
@file_only  # reads the settings made from the environment: no table, no one's data
def check(deploy: bool) -> None:
    """Check the configuration from the COMPETENCE_* variables with Django's system checks.

    Prints each warning and error with its id; exits with 2 when there is any, 0 when there is
    none. Run it with --deploy, with the production environment, before starting the server.
    """
    from competence.services.deploy import check as run_checks

    findings = run_checks(deploy)
    for f in findings:
        out.print(f"{f.id} ({f.level}): {f.message}" + (f" Hint: {f.hint}" if f.hint else ""))
    if findings:
        raise InputError(
            f"{len(findings)} problem{'s' if len(findings) > 1 else ''} found: see the settings "
            "in docs/admin.md, Deployment"
        )
    click.echo("No problems found.", err=True)
