"""`/dashboard`'s server time on a store made by bench/fill.py, beside the projections API's for
the same figures.

Usage: python bench/dashboard_bench.py --data-dir DIR [--requests 40] [--year 2026]
       [--assessment] [--database-url URL --schema S --token HQ_TOKEN]
       (the last three: a fill made with --store postgres)
DIR is a fill (`python bench/fill.py --data-dir DIR --events 1750000` makes some 100,000
contracts) whose read models are built (`MARKETPLACE_DATA_DIR=DIR marketplace projections
rebuild`). Starts `marketplace serve` on DIR, waits until the notifier inside it has routed
the fill's history (its first start over a fill routes every event: minutes of load), signs
HQ's administrator in (its token from
DIR/fill-tokens.json), then, one request at a time on a keep-alive connection, p50 and p95 of:
- `/dashboard?period=year&year=Y` (every figure of the year), and `/dashboard?...&unit_id=P01`
  (one platform's subtree); `/dashboard/assessment?period=year&year=Y` (the platforms' annual
  assessment, its own page: fewer requests, it is slow);
- the API for the same group figures: per request set, the sum of the server times of
  `GET /v1/projections/trade-volume?group_by=sector` for each month of the year, `group_by=
  category`, `demand_unit`, `supply_unit` for the year, `invitation-compliance?group_by=
  platform` per month, its exceptions and `supplier-quality` (the assessment apart).
With `--assessment`, only the annual assessment: `/dashboard/assessment?period=year&year=Y`
(the platforms), the same for one platform (`&unit_id=P01`: it and its enterprises), and
`GET /v1/assessments/annual?year=Y` (its first page, 50 units), each `--requests` times.
Run it from outside a checkout other than the one to time: `marketplace serve` is started
with `python -m`, which imports the package of the current directory first.
Times are the server's own (`duration_ms` of the request log line), as bench/portal_bench.py
reads them. The issue's target: the dashboard's p95 < 300 ms over 100,000 contracts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from http_write_bench import free_port
from portal_bench import server_times, signed_in  # bench/portal_bench.py, beside this script


def start(
    data_dir: Path, log: Path, postgres: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    port = free_port()
    env |= postgres or {}
    env |= {
        "MARKETPLACE_DATA_DIR": str(data_dir),
        "MARKETPLACE_LOG_LEVEL": "INFO",
        "MARKETPLACE_PORT": str(port),
    }
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=30).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert server.poll() is None, "marketplace serve exited"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.5)
    wait_for_notifier(env)
    return server, url


def notifier_lag(env: dict[str, str]) -> int:
    """Events the notifier has yet to route, read from the stores `serve` uses."""
    code = (
        "import asyncio\n"
        "from marketplace.bootstrap import open_event_log, read_model_location\n"
        "from marketplace.projections.location import open_store\n"
        "from marketplace.projections.store import read_state\n"
        "from marketplace.settings import Settings\n"
        "async def main():\n"
        "    settings = Settings()\n"
        "    log, close = open_event_log(settings)\n"
        "    models = await open_store(read_model_location(settings))\n"
        "    state = await read_state(models, 'notify')\n"
        "    print(await log.head() - (state.position if state else 0))\n"
        "    await models.close()\n"
        "    close()\n"
        "asyncio.run(main())\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return int(found.stdout.split()[-1])


def wait_for_notifier(env: dict[str, str]) -> None:
    """On its first start over a fill, the notifier inside `serve` routes the whole history
    (to know each contract's parties, each deadline): pages timed meanwhile would share the
    machine with it. Wait until it is nearly done."""
    lag = notifier_lag(env)
    while lag > 1_000:
        print(f"waiting for the notifier to route the fill's history: {lag:,} events to go")
        time.sleep(15)
        lag = notifier_lag(env)


def quantiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[94]


def page_times(client: httpx.Client, log: Path, path: str, requests: int) -> list[float]:
    """Server times of `requests` GETs of `path` (after two not counted)."""
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    time.sleep(0.3)
    since = len(log.read_text().splitlines())
    for _ in range(requests):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    time.sleep(0.5)  # the last lines reach the file
    found = server_times(log, path.split("?")[0], since)
    assert len(found) >= requests, (path, len(found))
    return found


def api_paths(year: int) -> list[str]:
    """The API requests giving the same group figures as the dashboard for the year."""
    months = [(date(year, m, 1), date(year + m // 12, m % 12 + 1, 1)) for m in range(1, 13)]
    whole = f"from={year}-01-01&to={year + 1}-01-01"
    paths = [f"/v1/projections/trade-volume?group_by=sector&from={a}&to={b}" for a, b in months]
    paths += [f"/v1/projections/trade-volume?group_by={g}&{whole}&limit=500"
              for g in ("category", "demand_unit", "supply_unit")]  # fmt: skip
    paths += [f"/v1/projections/invitation-compliance?group_by=platform&from={a}&to={b}"
              for a, b in months]  # fmt: skip
    paths += [
        f"/v1/projections/invitation-compliance/exceptions?{whole}",
        "/v1/projections/supplier-quality?limit=500",
    ]
    return paths


def api_set_times(client: httpx.Client, log: Path, paths: list[str], rounds: int) -> list[float]:
    """Per round, the summed server time of every path of the set."""
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    sums = []
    for _ in range(rounds):
        time.sleep(0.3)
        since = len(log.read_text().splitlines())
        for path in paths:
            assert client.get(path).status_code == 200, path
        time.sleep(0.5)
        lines = log.read_text().splitlines()[since:]
        total = 0.0
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == "request" and entry.get("path", "").startswith("/v1/"):
                total += float(entry["duration_ms"])
        sums.append(total)
    return sums


def assessment_times(
    browser: httpx.Client, api: httpx.Client, log: Path, year: int, platform: str, requests: int
) -> None:
    """p50 and p95 of the assessment page (group, one platform) and of the API's pages."""
    period = f"period=year&year={year}"
    timed = [
        ("/dashboard/assessment (group)", browser, f"/dashboard/assessment?{period}"),
        (
            f"/dashboard/assessment ({platform})",
            browser,
            f"/dashboard/assessment?{period}&unit_id={platform}",
        ),
        ("API annual, first 50 units", api, f"/v1/assessments/annual?year={year}"),
    ]
    for name, client, path in timed:
        p50, p95 = quantiles(page_times(client, log, path, requests))
        print(f"{name:34} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--assessment", action="store_true", help="time the annual assessment only")
    parser.add_argument("--database-url")
    parser.add_argument("--schema", default="public")
    parser.add_argument("--token", help="HQ's token (a PostgreSQL fill prints it)")
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    token = args.token or next(
        t["token"]
        for t in json.loads((data_dir / "fill-tokens.json").read_text())
        if t["label"] == "fill HQ administrator"
    )
    postgres = (
        {"MARKETPLACE_DATABASE_URL": args.database_url, "MARKETPLACE_DATABASE_SCHEMA": args.schema}
        if args.database_url
        else None
    )
    log = data_dir / "dashboard-bench.log"
    server, url = start(data_dir, log, postgres)
    try:
        browser = signed_in(url, token)
        browser.timeout = httpx.Timeout(600)
        api = httpx.Client(base_url=url, timeout=600, headers={"Authorization": f"Bearer {token}"})
        contracts = api.get(
            "/v1/projections/trade-volume", params={"group_by": "business_type"}
        ).json()["items"]
        print(f"contracts activated: {sum(r['contracts'] for r in contracts):,}")
        year = f"period=year&year={args.year}"
        platform = "P01"  # bench/fill.py's first platform
        if args.assessment:
            assessment_times(browser, api, log, args.year, platform, args.requests)
            return
        for name, path in (
            ("/dashboard (group, year)", f"/dashboard?{year}"),
            (f"/dashboard ({platform}, year)", f"/dashboard?{year}&unit_id={platform}"),
        ):
            p50, p95 = quantiles(page_times(browser, log, path, args.requests))
            print(f"{name:28} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms")
        path = f"/dashboard/assessment?{year}"
        p50, p95 = quantiles(page_times(browser, log, path, max(args.requests // 8, 3)))
        print(f"{'/dashboard/assessment':28} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms")
        paths = api_paths(args.year)
        p50, p95 = quantiles(api_set_times(api, log, paths, args.requests))
        print(
            f"{'API, the same figures':28} p50 {p50:7.1f} ms, p95 {p95:7.1f} ms "
            f"(sum of {len(paths)} requests' server times)"
        )
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
