"""Benchmark the web app under waitress against a static baseline served by the same server.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/web.py --orgs demo,1000,10000 --duration 10 --clients 16

For each organisation (the demo data, or a generated organisation of N people imported with
``competence import`` from the files of ``benchmarks/import_export.py``) it makes a fresh SQLite
database in a temporary folder, then starts the app in a separate process under waitress with the
same thread count as ``competence serve`` (8). The app is wrapped in a tiny WSGI application:
``/_baseline/<name>`` answers a static 200 response holding a snapshot of the page it stands for
(so exactly the same number of bytes and the same content type); everything else goes to
``competence.web.wsgi.application``.

Signed in once as the staff user ``lead`` (a real POST to ``/signin``), it measures requests per
second and p50/p95 latency under ``--clients`` concurrent keep-alive clients for ``--duration``
seconds, after a warm-up, of: one person's results page (``/people/ID``), the team view's first
page (``/team``) and one API call (``/api/v1/people/ID/results``), each beside its baseline. The
load generator is ``wrk`` when it is installed (``apt-get install wrk``), else a Python one in a
separate process (threads and ``http.client`` keep-alive connections).

Targets (issue 4, point 8): the results page at >= 0.25 x its baseline's requests/s; the team
view's first page for 1,000 people with p95 < 5 x the results page's p95. Results go to stdout
and to ``benchmarks/baselines/web.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_export  # the synthetic organisation and the machine description

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "benchmarks" / "baselines" / "web.json"
HOST = "127.0.0.1"
SERVER_THREADS = 8  # as `competence serve`
PASSWORD = "benchmark-password-1"  # the generated organisations' lead and member
RESULTS_RATIO_TARGET = 0.25
TEAM_P95_FACTOR = 5.0
TEAM_TARGET_ORG = "1000"
PAGES = ("results", "team", "api", "healthz")
IDLE_MS = 20  # /healthz answers this fast when no other request is running
SETUP_TIMEOUT = 3600

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-JSON {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, \"connect_errors\": %d, " ..
    "\"read_errors\": %d, \"write_errors\": %d, \"status_errors\": %d, " ..
    "\"timeouts\": %d, \"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
"""


# -- the server process ------------------------------------------------------------------------


class WithBaselines:
    """The app, plus static responses at ``/_baseline/<name>`` (registered with a PUT)."""

    PREFIX = "/_baseline/"

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pages: dict[str, tuple[bytes, str]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.PREFIX):
            return self.app(environ, start_response)
        name = path[len(self.PREFIX) :]
        if environ["REQUEST_METHOD"] == "PUT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            content_type = environ.get("CONTENT_TYPE") or "application/octet-stream"
            self.pages[name] = (body, content_type)
            start_response("204 No Content", [])
            return [b""]
        page = self.pages.get(name)
        if page is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such baseline"]
        body, content_type = page
        start_response(
            "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        return [body]


def serve(threads: int) -> None:
    """The server child: COMPETENCE_* are set by the parent; print the port, then serve."""
    from waitress.server import create_server

    from competence.web.wsgi import application

    server = create_server(
        WithBaselines(application), host=HOST, port=0, threads=threads, ident="competence"
    )
    print(f"PORT {server.effective_port}", flush=True)
    try:
        server.run()
    finally:
        server.close()


# -- preparing an organisation (a child process: Django lives only in children) ----------------


def prepare(org: str) -> dict[str, Any]:
    """Demo: migrate and build the demo. N people: add the lead and one member (already imported).

    Prints which person to show and how many people, assessments and ratings there are.
    """
    from competence.store import setup

    setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db.models import Count

    from competence.store import audit
    from competence.store.models import Assessment, Person
    from competence.store.models import Rating as RatingRow

    if org == "demo":
        from competence.services.demo import DEMO_PASSWORD, build_demo

        call_command("migrate", interactive=False, verbosity=0)
        build_demo()
        password = DEMO_PASSWORD
        person = (
            Person.objects.annotate(n=Count("assessments")).order_by("-n", "pk").first()
        )  # the heaviest results page: history, trend lines
        assert person is not None
        assert person.user is not None
        member = person.user.username
    else:
        password = PASSWORD
        person = Person.objects.get(email=import_export.email_of(0))
        with audit.acting_as("benchmark"):
            hashed = make_password(PASSWORD)
            User.objects.create(
                username="lead", email="lead@example.org", password=hashed, is_staff=True
            )
            member = "member"
            person.user = User.objects.create(username=member, email=person.email, password=hashed)
            person.save()
    return {
        "person_id": person.pk,
        "person_assessments": person.assessments.count(),
        "member": member,
        "password": password,
        "people": Person.objects.count(),
        "assessments": Assessment.objects.count(),
        "ratings": RatingRow.objects.count(),
    }


def org_env(folder: Path) -> dict[str, str]:
    env = import_export.child_env(folder / "competence.sqlite3")
    env["XDG_DATA_HOME"] = str(folder / "data")
    env["COMPETENCE_SECRET_KEY"] = "benchmark-" + os.urandom(24).hex()
    env.pop("COMPETENCE_ALLOWED_HOSTS", None)
    return env


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=SETUP_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    return done.stdout


def build_org(org: str, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    start = time.perf_counter()
    if org != "demo":
        people_csv, ratings_csv = import_export.generate(int(org), folder)
        competence = import_export.competence_command()
        run([*competence, "db", "upgrade"], env)
        run([*competence, "import", str(people_csv)], env)
        run([*competence, "import", str(ratings_csv), "--cycle", import_export.CYCLE], env)
    out = run([sys.executable, str(Path(__file__).resolve()), "--prepare", org], env)
    info: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    info["setup_s"] = round(time.perf_counter() - start, 1)
    return info


# -- talking to the server ---------------------------------------------------------------------


class Server:
    """The server child process, started in an organisation's environment."""

    def __init__(self, env: dict[str, str], threads: int, log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", "--threads", str(threads)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until the server listens (or dies)
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the server did not start:\n{log.read_text()[-4000:]}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], list[str], bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            cookies = response.headers.get_all("Set-Cookie") or []
            return response.status, dict(response.headers.items()), cookies, data
        finally:
            conn.close()

    def drain(self, limit: float = 600.0) -> None:
        """Wait until the requests a load run left queued are done: /healthz answers quickly.

        A load generator stops counting at its deadline, but the server still works through the
        requests in flight; the next run must not start behind them.
        """
        deadline = time.perf_counter() + limit
        quick = 0
        while quick < 3 and time.perf_counter() < deadline:
            start = time.perf_counter()
            self.request("GET", "/healthz")
            quick = quick + 1 if time.perf_counter() - start < IDLE_MS / 1000 else 0
            time.sleep(0.05)

    def sign_in(self, username: str, password: str) -> str:
        """POST /signin with the CSRF token, as a browser does; the session cookie."""
        status, _, cookies, page = self.request("GET", "/signin")
        jar = SimpleCookie()
        for c in cookies:
            jar.load(c)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or found is None or "csrftoken" not in jar:
            raise RuntimeError(f"GET /signin: status {status}, no CSRF token")
        form = urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": found.group(1).decode(),
            }
        ).encode()
        status, _, cookies, _ = self.request(
            "POST",
            "/signin",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={jar['csrftoken'].value}",
            },
        )
        for c in cookies:
            jar.load(c)
        if status != 302 or "sessionid" not in jar:
            raise RuntimeError(f"POST /signin as {username}: status {status}, no session")
        return f"sessionid={jar['sessionid'].value}"


# -- the load generators -----------------------------------------------------------------------


def wrk(port: int, path: str, cookie: str, clients: int, seconds: float, script: Path) -> dict:
    threads = max(1, min(clients, os.cpu_count() or 1))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "120s",
        "--latency",
        "-s",
        str(script),
        "-H",
        f"Cookie: {cookie}",
        f"http://{HOST}:{port}{path}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 300, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("WRK-JSON "):
            raw = json.loads(line[len("WRK-JSON ") :])
            return {
                "requests": raw["requests"],
                "seconds": raw["duration_us"] / 1e6,
                "bytes": raw["bytes"],
                "errors": sum(
                    raw[k]
                    for k in (
                        "connect_errors",
                        "read_errors",
                        "write_errors",
                        "status_errors",
                        "timeouts",
                    )
                ),
                "p50_ms": raw["p50_us"] / 1000,
                "p95_ms": raw["p95_us"] / 1000,
                "p99_ms": raw["p99_us"] / 1000,
                "max_ms": raw["max_us"] / 1000,
            }
    raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def python_load(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict:
    """The fallback: run the Python load generator in its own process."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--load",
        f"{port} {path}",
        "--cookie",
        cookie,
        "--clients",
        str(clients),
        "--duration",
        str(seconds),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 300, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def percentile(ordered: list[float], p: float) -> float | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def load(target: str, cookie: str, clients: int, seconds: float) -> dict[str, Any]:
    """The load generator child: ``clients`` threads, each with one keep-alive connection."""
    port_text, path = target.split(" ", 1)
    port = int(port_text)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    counts = [[0, 0, 0] for _ in range(clients)]  # requests, bytes, errors
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        headers = {"Cookie": cookie}
        start_gate.wait()
        while (now := time.perf_counter()) < deadline[0]:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                counts[i][2] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=120)
                continue
            latencies[i].append(time.perf_counter() - now)
            counts[i][0] += 1
            counts[i][1] += len(data)
            if response.status != 200:
                counts[i][2] += 1
        conn.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for w in workers:
        w.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_gate.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    ordered = sorted(x * 1000 for per in latencies for x in per)
    return {
        "requests": sum(c[0] for c in counts),
        "seconds": elapsed,
        "bytes": sum(c[1] for c in counts),
        "errors": sum(c[2] for c in counts),
        "p50_ms": percentile(ordered, 50),
        "p95_ms": percentile(ordered, 95),
        "p99_ms": percentile(ordered, 99),
        "max_ms": ordered[-1] if ordered else None,
    }


def fmt(value: float | None, width: int = 8) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.1f}"


def measure_url(
    server: Server,
    url: str,
    cookie: str,
    args: argparse.Namespace,
    tool: str,
    script: Path,
    size: int,
) -> dict[str, Any]:
    """Warm up, then measure for --duration; a slow page is measured again for longer, so
    that at least --min-requests responses make its percentiles (up to --max-duration)."""

    def once(seconds: float) -> dict[str, Any]:
        if tool == "wrk":
            result = wrk(server.port, url, cookie, args.clients, seconds, script)
        else:
            result = python_load(server.port, url, cookie, args.clients, seconds)
        server.drain()  # the requests still in flight at the deadline are not counted
        return result

    once(args.warmup)
    r = once(args.duration)
    if r["requests"] < args.min_requests and args.duration < args.max_duration:
        wanted = args.duration * args.min_requests / max(1, r["requests"]) * 1.2
        r = once(min(args.max_duration, wanted))
    r["rps"] = r["requests"] / r["seconds"] if r["seconds"] else 0.0
    if not r["requests"]:
        r.update(p50_ms=None, p95_ms=None, p99_ms=None, max_ms=None)
    # A redirect (to /signin) would not count as an error: check the bytes instead.
    r["bytes_per_response"] = round(r["bytes"] / r["requests"]) if r["requests"] else 0
    r["complete"] = r["errors"] == 0 and r["bytes_per_response"] >= size
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}


# -- one organisation --------------------------------------------------------------------------


def measure_org(org: str, args: argparse.Namespace, work: Path, tool: str) -> dict[str, Any]:
    folder = work / f"org-{org}"
    folder.mkdir()
    env = org_env(folder)
    print(f"[{org}] preparing the organisation ...", file=sys.stderr, flush=True)
    info = build_org(org, folder, env)
    print(
        f"[{org}] {info['people']:,} people, {info['assessments']:,} assessments, "
        f"{info['ratings']:,} ratings (ready in {info['setup_s']}s); starting the server",
        file=sys.stderr,
        flush=True,
    )
    tree = import_export.machine()  # the code measured: other work may land between orgs
    script = folder / "report.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    server = Server(env, args.threads, folder / "server.log")
    try:
        cookie = server.sign_in("lead", info["password"])
        member = server.sign_in(info["member"], info["password"])
        person = info["person_id"]
        status, *_ = server.request("GET", f"/people/{person}", headers={"Cookie": member})
        if status != 200:
            raise RuntimeError(f"the member {info['member']} cannot see their results: {status}")
        status, _, _, data = server.request(
            "GET", "/api/v1/team/summary", headers={"Cookie": cookie}
        )
        team_people = json.loads(data)["people_count"] if status == 200 else None
        paths = {
            "results": f"/people/{person}",
            "team": "/team",
            "api": f"/api/v1/people/{person}/results",
            "healthz": "/healthz",  # for information: Django's floor (middleware, session, user)
        }
        sizes: dict[str, int] = {}
        for name, path in paths.items():
            status, headers, _, body = server.request("GET", path, headers={"Cookie": cookie})
            if status != 200:
                raise RuntimeError(f"GET {path} as lead: status {status}")
            sizes[name] = len(body)
            content_type = headers.get("Content-Type", "application/octet-stream")
            status, *_ = server.request(
                "PUT", f"/_baseline/{name}", body=body, headers={"Content-Type": content_type}
            )
            status, _, _, static = server.request("GET", f"/_baseline/{name}")
            if status != 200 or len(static) != len(body):
                raise RuntimeError(f"the baseline for {name} is wrong: {status}, {len(static)}")
        pages: dict[str, Any] = {}
        for name, path in paths.items():
            pages[name] = {"path": path, "bytes": sizes[name]}
            for side, url in (("page", path), ("baseline", f"/_baseline/{name}")):
                r = measure_url(server, url, cookie, args, tool, script, sizes[name])
                pages[name][side] = r
                print(
                    f"[{org}] {name:<7} {side:<8} {r['rps']:8.1f} req/s  "
                    f"p50 {fmt(r['p50_ms'])} ms  p95 {fmt(r['p95_ms'])} ms  "
                    f"({r['requests']} in {r['seconds']:.0f} s)"
                    + ("" if r["complete"] else "  (ERRORS or short responses)"),
                    file=sys.stderr,
                    flush=True,
                )
            page, base = pages[name]["page"], pages[name]["baseline"]
            pages[name]["rps_ratio"] = round(page["rps"] / base["rps"], 3) if base["rps"] else None
    finally:
        server.stop()
    return {
        "org": org,
        "people": info["people"],
        "assessments": info["assessments"],
        "ratings": info["ratings"],
        "team_view_people": team_people,
        "person_id": info["person_id"],
        "person_assessments": info["person_assessments"],
        "setup_s": info["setup_s"],
        "commit": tree["commit"],
        "src_modified": tree["src_modified"],
        "pages": pages,
    }


# -- the report --------------------------------------------------------------------------------


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    for r in results:
        ratio = r["pages"]["results"]["rps_ratio"]
        checks.append(
            {
                "target": f"results page >= {RESULTS_RATIO_TARGET} x baseline req/s ({r['org']})",
                "measured": ratio,
                "pass": ratio is not None and ratio >= RESULTS_RATIO_TARGET,
            }
        )
    for r in results:
        if r["org"] != TEAM_TARGET_ORG:
            continue
        team = r["pages"]["team"]["page"]["p95_ms"]
        person = r["pages"]["results"]["page"]["p95_ms"]
        measured = round(team / person, 2) if team is not None and person else None
        checks.append(
            {
                "target": f"team view p95 < {TEAM_P95_FACTOR:g} x results page p95 (1,000 people)",
                "measured": measured,
                "pass": measured is not None and measured < TEAM_P95_FACTOR,
            }
        )
    if not any(r["org"] == TEAM_TARGET_ORG for r in results):
        checks.append(
            {
                "target": f"team view p95 < {TEAM_P95_FACTOR:g} x results page p95 (1,000 people)",
                "measured": None,
                "pass": None,
            }
        )
    return checks


def table(results: list[dict[str, Any]], checks: list[dict[str, Any]], note: str) -> str:
    head = (
        f"{'org':>6} {'page':<8} {'bytes':>8} | {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'n':>6} | {'base r/s':>8} {'p50 ms':>7} {'p95 ms':>7} | {'ratio':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        for name in PAGES:
            p = r["pages"].get(name)
            if p is None:
                continue
            page, base = p["page"], p["baseline"]
            flag = "" if page["complete"] and base["complete"] else "  !errors"
            ratio = "-" if p["rps_ratio"] is None else f"{p['rps_ratio']:.3f}"
            lines.append(
                f"{r['org']:>6} {name:<8} {p['bytes']:>8,} | {page['rps']:>8.1f} "
                f"{fmt(page['p50_ms'])} {fmt(page['p95_ms'])} {page['requests']:>6} | "
                f"{base['rps']:>8.1f} {fmt(base['p50_ms'], 7)} {fmt(base['p95_ms'], 7)} | "
                f"{ratio:>6}{flag}"
            )
    lines.append("")
    lines.append(note)
    lines.append("")
    for c in checks:
        verdict = "n/a (org not run)" if c["pass"] is None else ("PASS" if c["pass"] else "FAIL")
        lines.append(f"{verdict}  {c['target']} (measured: {c['measured']})")
    return "\n".join(lines)


def earlier_results(path: Path, orgs: set[str], info: dict[str, Any]) -> list[dict[str, Any]]:
    """Figures for other organisations from an earlier run on the same machine."""
    earlier = import_export.earlier_document(path, info)
    return [r for r in earlier.get("results", []) if r.get("org") not in orgs]


def org_key(r: dict[str, Any]) -> tuple[int, int]:
    return (0, 0) if r["org"] == "demo" else (1, int(r["org"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", default="demo,1000,10000", help="demo and/or people counts")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per URL")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per URL")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    parser.add_argument(
        "--min-requests",
        type=int,
        default=50,
        help="measure a URL again for longer when fewer responses came in --duration",
    )
    parser.add_argument(
        "--max-duration", type=float, default=120.0, help="the longest measurement of one URL"
    )
    parser.add_argument("--threads", type=int, default=SERVER_THREADS, help="waitress threads")
    parser.add_argument(
        "--load-generator", choices=("auto", "wrk", "python"), default="auto", help="wrk if found"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file for the figures")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--fresh", action="store_true", help="drop other orgs' figures in --out")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.threads)
        return 0
    if args.prepare:
        print(json.dumps(prepare(args.prepare)))
        return 0
    if args.load:
        print(json.dumps(load(args.load, args.cookie, args.clients, args.duration)))
        return 0

    tool = args.load_generator
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    elif tool == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    orgs = [o.strip().replace("_", "") for o in args.orgs.split(",") if o.strip()]
    for o in orgs:
        if o != "demo" and not o.isdigit():
            parser.error(f"--orgs: {o!r} is neither demo nor a number of people")
    info = import_export.machine()
    wrk_threads = max(1, min(args.clients, os.cpu_count() or 1))
    generator = (
        f"wrk -t{wrk_threads} -c{args.clients} (keep-alive)"
        if tool == "wrk"
        else f"Python, {args.clients} threads with keep-alive http.client connections"
    )
    note = (
        f"{info['nproc']} CPU cores ({info['cpu']}) shared by the server (waitress, "
        f"{args.threads} threads, one Python process) and the load generator ({generator}); "
        f"{args.duration:g} s measured per URL after {args.warmup:g} s of warm-up. "
        "n = responses measured (a slow page is measured for longer, up to "
        f"{args.max_duration:g} s, to get {args.min_requests}). Ratio = page req/s / baseline "
        "req/s; the baseline is a static response of the same bytes served by the same "
        "waitress. healthz is for information: Django's floor (every middleware, the session "
        "and the user, a 2-byte body)."
    )
    command = " ".join(["benchmarks/web.py", *(sys.argv[1:] if argv is None else argv)])
    started = dt.datetime.now(dt.UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="competence-web-bench-", dir=args.workdir) as tmp:
        for org in orgs:
            results.append(measure_org(org, args, Path(tmp), tool))
    for r in results:
        r["date"] = started.isoformat(timespec="seconds")
        r["command"] = command
        r["load_generator"] = generator
    print(table(results, targets(results), note))
    kept = [] if args.fresh else earlier_results(args.out, set(orgs), info)
    if kept:
        print(
            f"\nKept the figures for {', '.join(r['org'] for r in kept)} from {args.out} "
            "(same machine; --fresh to drop them).",
            file=sys.stderr,
        )
    results = sorted(kept + results, key=org_key)
    document = {
        "benchmark": "web",
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "command": command,
        "machine": info,
        "note": note,
        "server": {"software": "waitress", "threads": args.threads},
        "load": {
            "generator": generator,
            "clients": args.clients,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "targets": targets(results),
        "results": results,
    }
    import_export.write_document(args.out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
