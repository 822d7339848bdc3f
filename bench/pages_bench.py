#!/usr/bin/env python
"""Concurrent clients on the busiest pages (issue 13, section 5): not a test, a measurement.

    DATABASE_URL=postgresql://... python bench/pages_bench.py [--clients 32] [--seconds 30]
        [--workers 4] [--port 8765] [--seed]

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
through the ratio. Needs nothing but the standard library and the project.
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


def sessions(count: int, seed: bool) -> list[str]:
    """``count`` signed-in session keys of the demo policy officer (created directly in the
    session store: the bench measures pages, not the password hasher)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from portal.models import User

    if seed:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--if-empty")
    # Production serves hashed static files from a manifest (WhiteNoise).
    call_command("collectstatic", interactive=False, verbosity=0)
    user = User.objects.get(email=USER)
    keys = []
    for _n in range(count):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


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
    keys = sessions(args.clients, args.seed)
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
