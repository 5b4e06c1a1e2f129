"""Benchmark the web pages against Django's own floor, served by the same server in the same run.

Run from the repository root (outside CI; pytest never collects it)::

    .venv/bin/python benchmarks/web.py                         # demo, 1,000 and 10,000 people
    .venv/bin/python benchmarks/web.py --orgs 10000 --runs 1 --rounds 50   # a quick look

For each organisation (the demo data, or a generated organisation of N people imported with
``competence import`` from the files of ``benchmarks/import_export.py``) it makes a fresh SQLite
database in a temporary folder and serves the app with ``ROOT_URLCONF`` pointed at
``benchmarks/web_urls.py``: the product's pages, plus the **floor** (``/_floor``, a
``login_required`` hello-world view, through the same middleware, session and user look-up) and
``/_touch`` (one audit entry, as any change makes).

**Latency** (one client at a time, gunicorn with one sync worker, as ``competence serve
--workers 1``): ``--runs`` runs of ``--rounds`` rounds; each round requests every URL once, in an
order shuffled anew each round, and times each response. Per run, each page's median and its
ratio to the floor's median in that run; the report gives the median of the runs' medians and
ratios, and their range. The team view's **cold** figure is the first request after
``/_touch``: ``--cold-rounds`` of them a run, beside the same run's floor.

**Throughput** (``--throughput-orgs``): ``wrk`` (``apt-get install wrk``) with ``--connections``
connections for ``--seconds`` per page, against waitress with 8 threads in one process (what
``competence serve`` ran before issue 15, the reference of its targets) and gunicorn with 1 and 2
worker processes (``competence serve --workers N``; on main the default is one per core). The
server's CPU seconds per request and wrk's own CPU seconds are read from ``/proc`` and
``getrusage``: the load generator shares the 2 cores.

Targets (issue 15): results <= 3 x the floor, self-assessment <= 4 x, team view at 10,000 people
<= 5 x warm and <= 20 x cold with <= 150 KB a page, API results <= 2 x; with 2 gunicorn workers,
>= 2.5 x waitress's requests per second on every page. Results go to stdout and to
``benchmarks/baselines/web.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
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
PASSWORD = "benchmark-password-1"  # the generated organisations' lead and member
SETUP_TIMEOUT = 3600
WAITRESS_THREADS = 8  # as `competence serve` before gunicorn
PAGES = ("floor", "results", "team", "assessment", "api")
TARGETS = {"results": 3.0, "assessment": 4.0, "team": 5.0, "team_cold": 20.0, "api": 2.0}
TEAM_TARGET_ORG = "10000"
TEAM_TARGET_BYTES = 150 * 1024
THROUGHPUT_TARGET = 2.5
IDLE_SECONDS = 0.02  # /healthz answers this fast when no other request is running
SERVERS = ("waitress", "gunicorn-1", "gunicorn-2")

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-JSON {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, \"errors\": %d, " ..
    "\"p50_us\": %d, \"p95_us\": %d}\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


# -- the server process ------------------------------------------------------------------------


def serve(mode: str) -> None:
    """The server child: COMPETENCE_* are set by the parent; print the port, then serve."""
    from competence.store import setup

    setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "web_urls"  # benchmarks/ is on sys.path
    from competence.web import server
    from competence.web.wsgi import application

    def announce(address: str) -> None:
        if address:
            print(f"PORT {address.rstrip('/').rsplit(':', 1)[1]}", flush=True)

    app = server.TrustedProxy(application, None)
    if mode == "waitress":
        server._waitress(app, HOST, 0, WAITRESS_THREADS, announce)
    else:
        server._gunicorn(app, HOST, 0, int(mode.split("-")[1]), 1, announce)


# -- preparing an organisation (a child process: Django lives only in children) ----------------


def prepare(org: str) -> dict[str, Any]:
    """Demo: migrate and build the demo. N people: add the lead and one member (already imported).

    Prints which person to show and how many people, assessments and ratings there are.
    """
    from competence.store import setup

    setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db.models import Count

    from competence.services import database
    from competence.store import audit
    from competence.store.models import Assessment, Person
    from competence.store.models import Rating as RatingRow

    if org == "demo":
        from competence.services.demo import DEMO_PASSWORD, build_demo

        database.upgrade()  # the tables and the cache's, as `competence db upgrade`
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
    env.pop("COMPETENCE_REDIS_URL", None)  # the embedded default: caches in the database
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


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its living children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


class Server:
    """The server child process, started in an organisation's environment."""

    def __init__(self, env: dict[str, str], mode: str, log: Path) -> None:
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", mode],
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
        self.conn: http.client.HTTPConnection | None = None

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
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
        """One request on a kept connection (a new one when the server closed it)."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.conn.close()
                self.conn = None
            cookies = response.headers.get_all("Set-Cookie") or []
            return response.status, dict(response.headers.items()), cookies, data
        raise AssertionError("unreachable")

    def timed(self, path: str, cookie: str) -> tuple[float, int, int]:
        """Seconds from sending the request to the last byte read; status and bytes."""
        if self.conn is None:  # connect outside the timing, as a kept connection would be
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=300)
            self.conn.connect()
        start = time.perf_counter()
        status, _, _, data = self.request("GET", path, headers={"Cookie": cookie})
        return time.perf_counter() - start, status, len(data)

    def drain(self, limit: float = 600.0) -> None:
        """Wait until the requests a load run left in flight are done: /healthz answers quickly
        three times in a row (wrk stops counting at its deadline, the server goes on)."""
        deadline = time.perf_counter() + limit
        quick = 0
        while quick < 3 and time.perf_counter() < deadline:
            seconds, _, _ = self.timed("/healthz", "")
            quick = quick + 1 if seconds < IDLE_SECONDS else 0
            time.sleep(0.05)

    def sign_in(self, username: str, password: str) -> str:
        """POST /signin with the CSRF token, as a browser does; the session cookie."""
        status, _, cookies, page = self.request("GET", "/signin")
        jar: SimpleCookie = SimpleCookie()
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


# -- latency: one client, shuffled rounds ------------------------------------------------------


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def latency(
    server: Server, urls: dict[str, tuple[str, str]], args: argparse.Namespace, org: str
) -> dict[str, Any]:
    """``args.runs`` runs of ``args.rounds`` shuffled rounds, then the cold team views."""
    rng = random.Random(15)
    names = list(urls)
    runs: list[dict[str, Any]] = []
    for run_number in range(1, args.runs + 1):
        times: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(args.rounds):
            rng.shuffle(names)
            for name in names:
                path, cookie = urls[name]
                seconds, status, _ = server.timed(path, cookie)
                if status != 200:
                    raise RuntimeError(f"GET {path}: status {status}")
                times[name].append(seconds)
        cold: list[float] = []
        floor_path, floor_cookie = urls["floor"]
        for _ in range(args.cold_rounds):
            status, *_ = server.request("GET", "/_touch", headers={"Cookie": floor_cookie})
            if status != 204:
                raise RuntimeError(f"GET /_touch: status {status}")
            path, cookie = urls["team"]
            seconds, status, _ = server.timed(path, cookie)
            if status != 200:
                raise RuntimeError(f"GET {path} (cold): status {status}")
            cold.append(seconds)
            times["floor"].append(server.timed(floor_path, floor_cookie)[0])
        medians = {name: statistics.median(v) * 1000 for name, v in times.items()}
        if cold:
            medians["team_cold"] = statistics.median(cold) * 1000
        floor = medians["floor"]
        runs.append(
            {
                "median_ms": {k: round(v, 3) for k, v in medians.items()},
                "ratio": {k: round(v / floor, 2) for k, v in medians.items()},
            }
        )
        print(
            f"[{org}] run {run_number}: "
            + "  ".join(f"{k} {v:.2f} ms ({v / floor:.1f} x)" for k, v in medians.items()),
            file=sys.stderr,
            flush=True,
        )
    pages = {}
    for name in runs[0]["median_ms"]:
        pages[name] = {
            "median_ms": summary([r["median_ms"][name] for r in runs]),
            "ratio": summary([r["ratio"][name] for r in runs]),
        }
    return {"runs": runs, "pages": pages}


# -- throughput: wrk against each server -------------------------------------------------------


def wrk(
    port: int, path: str, cookie: str, args: argparse.Namespace, script: Path, seconds: float
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        "-H",
        f"Cookie: {cookie}",
        f"http://{HOST}:{port}{path}",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 300, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in done.stdout.splitlines():
        if line.startswith("WRK-JSON "):
            raw = json.loads(line[len("WRK-JSON ") :])
            return {**raw, "seconds": raw["duration_us"] / 1e6, "wrk_cpu_s": cpu}
    raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def throughput(
    env: dict[str, str],
    folder: Path,
    info: dict[str, Any],
    args: argparse.Namespace,
    org: str,
) -> dict[str, Any]:
    script = folder / "report.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    figures: dict[str, Any] = {}
    for mode in SERVERS:
        server = Server(env, mode, folder / f"server-{mode}.log")
        try:
            urls = page_urls(server, info)
            server.request("GET", "/_touch")
            figures[mode] = {}
            for name, (path, cookie) in urls.items():
                wrk(server.port, path, cookie, args, script, args.warmup)
                server.drain()
                cpu_before = process_tree_cpu(server.process.pid)
                r = wrk(server.port, path, cookie, args, script, args.seconds)
                server_cpu = process_tree_cpu(server.process.pid) - cpu_before
                server.drain()
                rps = r["requests"] / r["seconds"] if r["seconds"] else 0.0
                figures[mode][name] = {
                    "rps": round(rps, 1),
                    "requests": r["requests"],
                    "errors": r["errors"],
                    "p50_ms": round(r["p50_us"] / 1000, 2),
                    "p95_ms": round(r["p95_us"] / 1000, 2),
                    "server_cpu_ms_per_request": (
                        round(server_cpu / r["requests"] * 1000, 2) if r["requests"] else None
                    ),
                    "wrk_cpu_s": round(r["wrk_cpu_s"], 2),
                    "wrk_cpu_share": round(r["wrk_cpu_s"] / (r["wrk_cpu_s"] + server_cpu), 3)
                    if server_cpu
                    else None,
                }
                print(
                    f"[{org}] {mode:<10} {name:<10} {rps:8.1f} req/s  "
                    f"server {figures[mode][name]['server_cpu_ms_per_request']} ms CPU/request  "
                    f"wrk {r['wrk_cpu_s']:.2f} s CPU  errors {r['errors']}",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            server.stop()
    ratios = {
        mode: {
            name: round(figures[mode][name]["rps"] / figures["waitress"][name]["rps"], 2)
            if figures["waitress"][name]["rps"]
            else None
            for name in figures[mode]
        }
        for mode in SERVERS
        if mode != "waitress"
    }
    return {"servers": figures, "ratio_to_waitress": ratios}


# -- one organisation --------------------------------------------------------------------------


def page_urls(server: Server, info: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each page's path and the cookie of whom it is requested as."""
    lead = server.sign_in("lead", info["password"])
    member = server.sign_in(info["member"], info["password"])
    person = info["person_id"]
    return {
        "floor": ("/_floor", lead),
        "results": (f"/people/{person}", lead),
        "team": ("/team", lead),
        "assessment": ("/me/assessment", member),
        "api": (f"/api/v1/people/{person}/results", lead),
    }


def measure_org(org: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    folder = work / f"org-{org}"
    folder.mkdir()
    env = org_env(folder)
    print(f"[{org}] preparing the organisation ...", file=sys.stderr, flush=True)
    info = build_org(org, folder, env)
    print(
        f"[{org}] {info['people']:,} people, {info['assessments']:,} assessments, "
        f"{info['ratings']:,} ratings (ready in {info['setup_s']}s)",
        file=sys.stderr,
        flush=True,
    )
    tree = import_export.machine()  # the code measured: other work may land between orgs
    server = Server(env, "gunicorn-1", folder / "server.log")
    try:
        urls = page_urls(server, info)
        sizes = {}
        for name, (path, cookie) in urls.items():
            status, _, _, body = server.request("GET", path, headers={"Cookie": cookie})
            if status != 200:
                raise RuntimeError(f"GET {path}: status {status}")
            sizes[name] = len(body)
        figures = latency(server, urls, args, org)
    except Exception:
        print((folder / "server.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        server.stop()
    result: dict[str, Any] = {
        "org": org,
        "people": info["people"],
        "assessments": info["assessments"],
        "ratings": info["ratings"],
        "person_id": info["person_id"],
        "person_assessments": info["person_assessments"],
        "setup_s": info["setup_s"],
        "commit": tree["commit"],
        "src_modified": tree["src_modified"],
        "bytes": sizes,
        "latency": figures,
    }
    if org in args.throughput_orgs:
        result["throughput"] = throughput(env, folder, info, args, org)
    return result


# -- the report --------------------------------------------------------------------------------


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    for r in results:
        pages = r["latency"]["pages"]
        for name, limit in TARGETS.items():
            if name.startswith("team") and r["org"] != TEAM_TARGET_ORG:
                continue
            if name not in pages:
                continue
            measured = pages[name]["ratio"]["median"]
            checks.append(
                {
                    "target": f"{name} <= {limit:g} x floor ({r['org']})",
                    "measured": measured,
                    "pass": measured <= limit,
                }
            )
        if r["org"] == TEAM_TARGET_ORG:
            size = r["bytes"]["team"]
            checks.append(
                {
                    "target": f"team page <= {TEAM_TARGET_BYTES // 1024} KB ({r['org']})",
                    "measured": size,
                    "pass": size <= TEAM_TARGET_BYTES,
                }
            )
        if "throughput" in r:
            for name, ratio in r["throughput"]["ratio_to_waitress"]["gunicorn-2"].items():
                checks.append(
                    {
                        "target": f"{name}: 2 workers >= {THROUGHPUT_TARGET:g} x waitress req/s "
                        f"({r['org']})",
                        "measured": ratio,
                        "pass": ratio is not None and ratio >= THROUGHPUT_TARGET,
                    }
                )
    return checks


def table(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> str:
    head = f"{'org':>6} {'page':<11} {'bytes':>9} | {'median ms':>10} {'x floor':>8} {'range':>13}"
    lines = [head, "-" * len(head)]
    for r in results:
        for name, p in r["latency"]["pages"].items():
            size = r["bytes"].get(name.removesuffix("_cold"), 0)
            ratio = p["ratio"]
            lines.append(
                f"{r['org']:>6} {name:<11} {size:>9,} | {p['median_ms']['median']:>10.2f} "
                f"{ratio['median']:>8.2f} {ratio['min']:>6.2f}-{ratio['max']:<6.2f}"
            )
        if "throughput" in r:
            lines.append("")
            servers = r["throughput"]["servers"]
            lines.append(f"{r['org']:>6} req/s      " + "".join(f"{m:>12}" for m in SERVERS))
            for name in servers["waitress"]:
                lines.append(
                    f"{'':>6} {name:<11}"
                    + "".join(f"{servers[m][name]['rps']:>12.1f}" for m in SERVERS)
                )
        lines.append("")
    for c in checks:
        verdict = "PASS" if c["pass"] else "FAIL"
        lines.append(f"{verdict}  {c['target']} (measured: {c['measured']})")
    return "\n".join(lines)


def org_key(r: dict[str, Any]) -> tuple[int, int]:
    return (0, 0) if r["org"] == "demo" else (1, int(r["org"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", default="demo,1000,10000", help="demo and/or people counts")
    parser.add_argument("--runs", type=int, default=3, help="latency runs")
    parser.add_argument("--rounds", type=int, default=200, help="shuffled rounds a run")
    parser.add_argument("--cold-rounds", type=int, default=10, help="cold team views a run")
    parser.add_argument("--throughput-orgs", default="10000", help="orgs measured with wrk")
    parser.add_argument("--seconds", type=float, default=8.0, help="wrk seconds per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="wrk warm-up seconds")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file for the figures")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0
    if args.prepare:
        print(json.dumps(prepare(args.prepare)))
        return 0
    orgs = [o.strip().replace("_", "") for o in args.orgs.split(",") if o.strip()]
    args.throughput_orgs = {o.strip().replace("_", "") for o in args.throughput_orgs.split(",")}
    for o in orgs:
        if o != "demo" and not o.isdigit():
            parser.error(f"--orgs: {o!r} is neither demo nor a number of people")
    if args.throughput_orgs & set(orgs) and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), or give --throughput-orgs ''")
    info = import_export.machine()
    command = " ".join(["benchmarks/web.py", *(sys.argv[1:] if argv is None else argv)])
    started = dt.datetime.now(dt.UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="competence-web-bench-", dir=args.workdir) as tmp:
        for org in orgs:
            results.append(measure_org(org, args, Path(tmp)))
    results.sort(key=org_key)
    checks = targets(results)
    print(table(results, checks))
    document = {
        "benchmark": "web",
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "command": command,
        "machine": info,
        "latency": {
            "server": "gunicorn, 1 sync worker",
            "runs": args.runs,
            "rounds": args.rounds,
            "cold_rounds": args.cold_rounds,
        },
        "throughput": {
            "generator": f"wrk -t{args.wrk_threads} -c{args.connections}",
            "seconds": args.seconds,
            "warmup_s": args.warmup,
            "servers": list(SERVERS),
        },
        "targets": checks,
        "results": results,
    }
    import_export.write_document(args.out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
