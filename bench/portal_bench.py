"""Portal page times beside the JSON API's for the same data, with 10,000 needs in the store.

Usage: python bench/portal_bench.py [--needs 10000] [--requests 200]
`marketplace serve --demo` on a fresh embedded store; COAL-01 posts `--needs` needs of process
steam over the API (each matched to the demo's two steam suppliers, HEAT-02 and PWR-01, and
offered on by HEAT-02 every tenth); then, one request at a time on keep-alive connections, p50
and p95 of:
- `/inbox` of HEAT-02 beside `GET /v1/inbox` (its first page),
- `/needs` of COAL-01 beside `GET /v1/needs?demand_unit_id=COAL-01`,
- `/needs/{id}` (a need with an offer, as its buyer) beside `GET /v1/needs/{id}` and its offers.
Times are the server's own (`duration_ms` of the request log line, which the app writes for
every request), so the client's share of the 2 cores does not count. The issue's target: p95 <
100 ms and within 1.5x of the API.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from http_write_bench import environment, free_port, need_request

TOKENS = ("COAL-01", "HEAT-02")


def start_logging(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], int, list[str]]:
    """`serve --demo` with its log lines (stderr) in `log`; its port and banner lines."""
    port = free_port()
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "marketplace", "serve", "--demo"],
            env=env | {"MARKETPLACE_PORT": str(port)},
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    assert server.stdout is not None
    banner = []
    for line in server.stdout:
        banner.append(line)
        if line.startswith("API docs:"):
            break
    deadline = time.monotonic() + 120
    while not _healthy(port):
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
    return server, port, banner


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
    except httpx.TransportError:
        return False


def tokens_of(output: list[str]) -> dict[str, str]:
    """The demo's unit operator tokens of COAL-01 and HEAT-02 from `serve --demo`'s banner."""
    found: dict[str, str] = {}
    for line in output:
        parts = line.split()
        if len(parts) == 3 and parts[1] == "unit_operator" and parts[0] in TOKENS:
            found[parts[0]] = parts[2]
    return found


def post_needs(url: str, token: str, supplier: str, count: int) -> list[str]:
    """`count` needs of COAL-01 over the API (4 keep-alive clients); every tenth gets HEAT-02's
    offer."""
    body = json.loads(need_request(0, token, 0).split(b"\r\n\r\n", 1)[1])
    offer = {
        "supplier_unit_id": "HEAT-02",
        "unit_price": "180.00",
        "quantity": "1200",
        "delivery_date": body["required_by"],
        "valid_until": f"{body['required_by']}T00:00:00Z",
    }

    def post(numbers: range) -> list[str]:
        ids = []
        with httpx.Client(base_url=url, timeout=30) as client:
            for n in numbers:
                created = client.post(
                    "/v1/needs",
                    json=body | {"title": f"Process steam {n}"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert created.status_code == 201, created.text
                ids.append(created.json()["id"])
                if n % 10 == 0:
                    offered = client.post(
                        f"/v1/needs/{ids[-1]}/offers",
                        json=offer,
                        headers={"Authorization": f"Bearer {supplier}"},
                    )
                    assert offered.status_code == 201, offered.text
        return ids

    with ThreadPoolExecutor(4) as pool:
        slices = pool.map(post, [range(i, count, 4) for i in range(4)])
        return [need_id for ids in slices for need_id in ids]


def server_times(log: Path, path: str, since: int) -> list[float]:
    """`duration_ms` of the request lines for `path` logged after line `since`."""
    times = []
    for line in log.read_text().splitlines()[since:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "request" and entry.get("path") == path:
            times.append(float(entry["duration_ms"]))
    return times


def timed(client: httpx.Client, log: Path, path: str, requests: int) -> tuple[float, float]:
    """p50 and p95 (ms) of `requests` GETs of `path`, as the server logged them, after a few
    not counted (the first read of a read model waits for the writes before it)."""
    for _ in range(3):
        client.get(path)
    time.sleep(0.5)
    since = len(log.read_text().splitlines())
    for _ in range(requests):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    time.sleep(0.5)  # the last lines reach the file
    times = server_times(log, path.split("?")[0], since)
    assert len(times) >= requests, (path, len(times))
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[94]


def signed_in(url: str, token: str) -> httpx.Client:
    """A browser-like client with a portal session (cookie) for `token`."""
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    sign_in = client.get("/").text  # its form carries the login's CSRF token (and its cookie)
    found = re.search(r'name="csrf" value="([^"]+)"', sign_in)
    assert found, sign_in[:300]
    answer = client.post("/login", data={"token": token, "csrf": found[1]})
    assert answer.status_code == 200 and "mp_session" in client.cookies, answer.text[:300]
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env, _ = environment("sqlite", Path(tmp))
        log = Path(tmp) / "serve.log"
        env |= {"MARKETPLACE_LOG_LEVEL": "INFO"}
        server, port, output = start_logging(env, log)
        url = f"http://127.0.0.1:{port}"
        try:
            tokens = tokens_of(output)
            started = time.perf_counter()
            ids = post_needs(url, tokens["COAL-01"], tokens["HEAT-02"], args.needs)
            print(f"{args.needs:,} needs posted in {time.perf_counter() - started:.0f} s")
            buyer, supplier = signed_in(url, tokens["COAL-01"]), signed_in(url, tokens["HEAT-02"])
            api_buyer = httpx.Client(
                base_url=url, timeout=30, headers={"Authorization": f"Bearer {tokens['COAL-01']}"}
            )
            api_supplier = httpx.Client(
                base_url=url, timeout=30, headers={"Authorization": f"Bearer {tokens['HEAT-02']}"}
            )
            need = ids[0]  # HEAT-02 offered on it
            pairs = [
                ("/inbox", supplier, "/v1/inbox", api_supplier),
                ("/needs", buyer, "/v1/needs?demand_unit_id=COAL-01", api_buyer),
                (f"/needs/{need}", buyer, f"/v1/needs/{need}", api_buyer),
            ]
            for page, browser, api_path, api in pairs:
                page_p50, page_p95 = timed(browser, log, page, args.requests)
                api_p50, api_p95 = timed(api, log, api_path, args.requests)
                print(
                    f"{page.replace(need, '{id}'):14} p50 {page_p50:6.1f} ms, p95 {page_p95:6.1f}"
                    f" ms | API {api_path.replace(need, '{id}'):36} p50 {api_p50:6.1f} ms, p95 "
                    f"{api_p95:6.1f} ms | page/API at p95 {page_p95 / api_p95:.2f}x"
                )
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
