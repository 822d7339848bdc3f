#!/usr/bin/env python
"""Concurrent clients on the busiest pages (issue 13, section 5) and every measured page one by
one (issue 14 §1, §9): not a test, a measurement.

    DATABASE_URL=postgresql://... python bench/pages_bench.py [--clients 32] [--seconds 30]
        [--workers 4] [--port 8765] [--seed] [--fraction N [--reseed]] [--rounds 30]

Starts gunicorn (``--workers`` processes, production settings apart from DEBUG-free static
serving) on the given database, signs in ``--clients`` sessions as the demo policy officer of
Midden-Groningen (``--seed`` loads the demo story first when the database is empty), and lets
them request, for ``--seconds`` each:

1. baseline: ``/health/`` (one query, no template), the same clients and processes;
2. the pages: the dashboard, the findings, the action list and the scan overview, in turn;
3. with ``--kill-connections N``: the pages again while every N seconds all of the web
   processes' PostgreSQL connections are terminated (``pg_terminate_backend``, as a database
   restart or failover does): with ``CONN_HEALTH_CHECKS`` only requests in flight may fail.

Prints for both: requests, requests/s, errors (anything but 200), p50 and p95 latency, and the
ratio baseline requests/s / pages requests/s, so figures from different machines compare
through the ratio.

Before that, one client requests each page of the national set's largest municipality and
regions ``--rounds`` times in turn (``--fraction N`` generates the set at 1/N first when the
database has none, ``--reseed`` always): the dashboard, the meeting detail (the held meeting
with most actions), the action list, the region dashboard and the region action list of the
coordinator of every municipality, each as the person who uses it. Per page it prints p50,
p95 and the HTML size beside the bare authenticated page of the same run (the accessibility
statement requested with the same session: sessions, user, layout, no data) and the ratio of
the p95s (target: <= 2). Without a scale set the demo's pages stand in. Needs nothing but the
standard library and the project.
"""

import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

SLUG = "midden-groningen"
PAGES = [
    f"/{SLUG}/",
    f"/{SLUG}/financien/bevindingen/",
    f"/{SLUG}/overleg/actiepunten/",
    f"/{SLUG}/scholen/scans/overzicht/",
]
USER = "beleid@midden-groningen.example"
BARE = "/toegankelijkheid/"


def session_keys(email: str, count: int) -> list[str]:
    """``count`` signed-in session keys of ``email`` (created directly in the session store:
    the bench measures pages, not the password hasher)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User

    user = User.objects.get(email=email)
    keys = []
    for _n in range(count):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


def sessions(count: int, seed: bool, fraction: int = 0, reseed: bool = False) -> list[str]:
    """``count`` signed-in session keys of the demo policy officer; migrates and seeds first as
    asked (``fraction``: the national set at 1/N, when absent or with ``reseed``)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from portal.models import Region, User

    if seed or fraction:
        call_command("migrate", verbosity=0)
        # The demo story beside whatever is there (the checks bench leaves the national set):
        # seed_demo updates, it never duplicates.
        if not User.objects.filter(email=USER).exists():
            call_command("seed_demo")
    if fraction and (reseed or not Region.objects.filter(slug="schaal-regio-land").exists()):
        started = time.perf_counter()
        with scopes_disabled():
            call_command("seed_demo", "--scale", "national", "--fraction", str(fraction))
        print(f"seed national set at 1/{fraction}: {time.perf_counter() - started:.1f} s")
    # Production serves hashed static files from a manifest (WhiteNoise).
    call_command("collectstatic", interactive=False, verbosity=0)
    return session_keys(USER, count)


def measured_pages() -> list[tuple[str, str, str]]:
    """``[(name, url, e-mail of who requests it)]``: the pages of issue 14's list that grow
    with the data, for the national set's largest municipality and all-municipality region
    (funding.scale, meetings.scale), or the demo's when there is no scale set."""
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from meetings.models import Meeting
    from portal.models import Membership, Role

    with scopes_disabled():
        chair = (
            Membership.objects.filter(role=Role.LEA_CHAIR, user__email__endswith="@schaal.example")
            .select_related("municipality")
            .first()
        )
        coordinator = (
            Membership.objects.filter(region__slug="schaal-regio-land")
            .select_related("region", "user")
            .first()
        )
        if chair is None or coordinator is None:
            municipality_slug, region_slug = SLUG, "kenniskring-noord"
            officer, coordinator_email = USER, "coordinator@kenniskring-noord.example"
            municipality_filter = {"municipality__slug": SLUG}
        else:
            municipality = chair.municipality
            municipality_slug, region_slug = municipality.slug, coordinator.region.slug
            officer = (
                Membership.objects.filter(role=Role.POLICY_OFFICER, municipality=municipality)
                .values_list("user__email", flat=True)
                .first()
            )
            coordinator_email = coordinator.user.email
            municipality_filter = {"municipality": municipality}
        meeting = (
            Meeting.objects.filter(status=Meeting.Status.HELD, **municipality_filter)
            .annotate(n=Count("actions"))
            .order_by("-n", "-starts_at")
            .first()
        )
    pages = [("dashboard", f"/{municipality_slug}/", officer)]
    if meeting is not None:
        pages.append(
            (
                "meeting detail",
                f"/{municipality_slug}/overleg/vergaderingen/{meeting.pk}/",
                officer,
            )
        )
    pages += [
        ("action list", f"/{municipality_slug}/overleg/actiepunten/", officer),
        ("region dashboard", f"/regio/{region_slug}/", coordinator_email),
        ("region action list", f"/regio/{region_slug}/overleg/actiepunten/", coordinator_email),
    ]
    return pages


def per_page(port: int, pages, rounds: int) -> list[dict]:
    """One client, each page ``rounds`` times in turn (after one warm-up request each), each
    with its user's session; the bare page with every user's session. Returns per page: name,
    url, p50, p95 (s), HTML bytes, status."""
    keys = {email: session_keys(email, 1)[0] for _n, _u, email in pages}
    targets = [("bare authenticated", BARE, email) for email in dict.fromkeys(keys)][:1]
    targets += pages
    timings = {name: [] for name, _u, _e in targets}
    sizes, statuses = {}, {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for n in range(rounds + 1):
        for name, url, email in targets:
            started = time.perf_counter()
            conn.request("GET", url, headers={"Cookie": f"sessionid={keys[email]}"})
            response = conn.getresponse()
            body = response.read()
            took = time.perf_counter() - started
            if n:  # the first round warms caches and connections
                timings[name].append(took)
            sizes[name], statuses[name] = len(body), response.status
    conn.close()
    results = []
    for name, url, _e in targets:
        t = sorted(timings[name])
        results.append(
            {
                "name": name,
                "url": url,
                "p50": statistics.median(t),
                "p95": t[max(0, int(len(t) * 0.95) - 1)],
                "bytes": sizes[name],
                "status": statuses[name],
            }
        )
    return results


def print_per_page(results: list[dict], rounds: int) -> None:
    bare = results[0]
    print(f"per page, 1 client, {rounds} requests each (ratio: p95 / the bare page's p95)")
    for r in results:
        print(
            f"{r['name']:20} p50 {r['p50'] * 1000:6.0f} ms  p95 {r['p95'] * 1000:6.0f} ms  "
            f"HTML {r['bytes'] / 1024:6.1f} KB  ratio {r['p95'] / max(bare['p95'], 1e-9):5.1f}"
            + ("" if r["status"] == 200 else f"  status {r['status']}")
            + f"  {r['url']}"
        )


def terminate_connections_every(interval: float, stop: threading.Event) -> list[int]:
    """Until ``stop``: every ``interval`` s terminate every other connection to the database
    (those of the web processes). Returns the list of how many were terminated each time."""
    from django.db import connection

    counts = []
    while not stop.wait(interval):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            counts.append(cursor.fetchone()[0])
    return counts


def run(port: int, keys: list[str], urls: list[str], seconds: float) -> dict:
    """Every client requests ``urls`` in turn for ``seconds``; returns the figures."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int, key: str):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = n
        while time.monotonic() < stop:
            url = urls[i % len(urls)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": f"sessionid={key}"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if status != 200:
                    errors.append(f"{url} {status}")
        conn.close()

    threads = [threading.Thread(target=client, args=(n, key)) for n, key in enumerate(keys)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "p50": statistics.median(latencies) if latencies else 0,
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else 0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", action="store_true", help="migrate and load the demo if empty")
    parser.add_argument(
        "--kill-connections",
        type=float,
        default=0,
        metavar="N",
        help="a third run: terminate the web processes' database connections every N s",
    )
    parser.add_argument("--server-log", help="write gunicorn's log (errors, timeouts) to this file")
    parser.add_argument(
        "--fraction",
        type=int,
        default=0,
        metavar="N",
        help="generate the national set at 1/N first when the database has none (10: CI's size)",
    )
    parser.add_argument("--reseed", action="store_true", help="with --fraction: generate anew")
    parser.add_argument("--rounds", type=int, default=30, help="requests per page, one by one")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the bench measures production).")

    env = {
        **os.environ,
        "DEBUG": "",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "PORTAL_REQUIRE_2FA": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.pop("DEBUG")  # production settings in this process too (static manifest)
    keys = sessions(args.clients, args.seed, args.fraction, args.reseed)
    pages = measured_pages()
    # Production settings mark the session cookie Secure; over plain HTTP here the client just
    # sends it (http.client does not enforce cookie flags).
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(args.server_log, "ab") if args.server_log else subprocess.PIPE,  # noqa: SIM115
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
                conn.request("GET", "/health/")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    log = server.stderr.read().decode()[-2000:] if server.stderr else ""
                    sys.exit("gunicorn did not start: " + log)
                time.sleep(0.5)
        warm = run(args.port, keys[:4], PAGES, 3)  # imports, template caches, connections
        if warm["errors"]:
            sys.exit(f"pages answer errors: {warm['error_kinds']}")
        print_per_page(per_page(args.port, pages, args.rounds), args.rounds)
        print(
            f"{args.clients} clients, {args.workers} gunicorn workers, {args.seconds:.0f} s each, "
            f"{os.cpu_count()} CPUs"
        )
        results = {}
        for name, urls in (("baseline /health/", ["/health/"]), ("pages", PAGES)):
            r = results[name] = run(args.port, keys, urls, args.seconds)
            print(
                f"{name:18} {r['requests']:6d} requests  {r['rps']:7.1f} req/s  "
                f"errors {r['errors']}  p50 {r['p50'] * 1000:6.0f} ms  p95 {r['p95'] * 1000:6.0f} ms"
                + (f"  {r['error_kinds']}" if r["errors"] else "")
            )
        ratio = results["baseline /health/"]["rps"] / max(results["pages"]["rps"], 1e-9)
        print(f"ratio baseline/pages (req/s): {ratio:.1f}")
        if args.kill_connections:
            stop = threading.Event()
            killed: list[int] = []
            killer = threading.Thread(
                target=lambda: killed.extend(
                    terminate_connections_every(args.kill_connections, stop)
                )
            )
            killer.start()
            r = run(args.port, keys, PAGES, args.seconds)
            stop.set()
            killer.join()
            print(
                f"{'pages, conns killed':18} {r['requests']:6d} requests  {r['rps']:7.1f} req/s  "
                f"errors {r['errors']}  p50 {r['p50'] * 1000:6.0f} ms  p95 {r['p95'] * 1000:6.0f} ms"
                f"  ({len(killed)} times, {sum(killed)} connections terminated)"
                + (f"  {r['error_kinds']}" if r["errors"] else "")
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a worker stuck in a request: no graceful end
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
