"""The API on a store made by bench/fill.py: its memory and POST /v1/needs p50 there.

Usage: python bench/fill_api_probe.py --data-dir DIR [--port 8077] [--posts 60]
Starts `marketplace serve` (one process) on DIR (build its read models first with
`marketplace projections rebuild`, or the API catches them up in the background), waits for
/health, sends GET /health, GET /v1/needs (a list), GET /v1/catalog/search (by item, by
words), then `--posts` POST /v1/needs as an enterprise operator (a token from
DIR/fill-tokens.json) matched against the catalog in force, and prints the time to the
first answer, the POST p50/p90 and the API process's VmRSS and VmHWM from /proc. Run it on
a big and a small fill for the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fill import PAIRS, UOMS  # bench/fill.py, beside this script


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of the process."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def request(
    conn: http.client.HTTPConnection, method: str, path: str, token: str, body: object = None
) -> tuple[int, float]:
    started = time.perf_counter()
    payload = json.dumps(body) if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request(method, path, payload, headers)
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--posts", type=int, default=60)
    args = parser.parse_args()
    data_dir = Path(args.data_dir)
    tokens = json.loads((data_dir / "fill-tokens.json").read_text())
    unit_token = next(t for t in tokens if t["label"].startswith("fill P01-E"))
    unit, token = unit_token["unit_id"], unit_token["token"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    env |= {"MARKETPLACE_DATA_DIR": str(data_dir), "MARKETPLACE_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "marketplace", "serve", "--port", str(args.port)]
    started = time.perf_counter()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                status, _ = request(conn, "GET", "/health", token)
                break
            except OSError:
                if server.poll() is not None:
                    sys.exit("marketplace serve exited")
                time.sleep(0.2)
        print(f"first /health answer after {time.perf_counter() - started:.1f} s: {status}")
        print(f"at start: {memory(server.pid)}")
        for path in (
            "/health",
            "/v1/needs?limit=50",
            "/v1/catalog/search?item_code=IT-000008",
            "/v1/catalog/search?q=Item&limit=20",
        ):
            status, took = request(conn, "GET", path, token)
            print(f"GET {path}: {status} in {took * 1000:.1f} ms")
        required_by = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        took_all = []
        for n in range(args.posts):
            k = 1 + n * 7
            category, subcategory = PAIRS[k % len(PAIRS)]
            need = {
                "demand_unit_id": unit,
                "title": f"Probe need {n}",
                "category": category,
                "subcategory": subcategory,
                "item_code": f"IT-{k:06d}",
                "quantity": "10",
                "uom": UOMS[k % len(UOMS)],
                "required_by": required_by,
                "budget_amount": "1000.00",
                "business_type": "regular",
                "sourcing": "direct",
            }
            status, took = request(conn, "POST", "/v1/needs", token, need)
            if status != 201:
                sys.exit(f"POST /v1/needs answered {status}")
            took_all.append(took)
        warm = took_all[len(took_all) // 5 :]  # the first ones warm the caches
        print(f"first POST /v1/needs: {took_all[0] * 1000:.0f} ms (loads the catalog in force)")
        print(
            f"POST /v1/needs x{len(warm)} (after {len(took_all) - len(warm)} to warm): "
            f"p50 {statistics.median(warm) * 1000:.1f} ms, "
            f"p90 {statistics.quantiles(warm, n=10)[-1] * 1000:.1f} ms"
        )
        print(f"after the requests: {memory(server.pid)}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
