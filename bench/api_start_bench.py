"""How soon `marketplace serve` answers on a store whose read models are not built yet.

Usage: python bench/api_start_bench.py [--needs 30000]
Writes the demo chart and catalog and `--needs` needs (bench/rebuild_bench.py's seed, about 1.5
events per need) into a fresh data dir, deletes the read models, then starts `marketplace serve`
and times its first `/health` answer, a write (`POST /v1/tokens`) and a read of a projection
(`GET /v1/needs`, with its `X-Read-Model-Lag`); then the same once the read models are built
(the baseline, in the same run), and how long the background catch-up took.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rebuild_bench import seed  # bench/rebuild_bench.py, beside this script

from marketplace.settings import Settings

TOKEN = "bench-admin-token-with-enough-length"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed_start(data_dir: Path) -> dict[str, float | str]:
    """Seconds from launch to each first answer; the read's lag header."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    env |= {
        "MARKETPLACE_DATA_DIR": str(data_dir),
        "MARKETPLACE_ADMIN_TOKEN": TOKEN,
        "MARKETPLACE_PORT": str(port),
        "MARKETPLACE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "marketplace", "serve"]
    started = time.perf_counter()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    found: dict[str, float | str] = {}
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                try:
                    if client.get("/health").status_code in (200, 503):
                        break
                except httpx.TransportError:
                    time.sleep(0.02)
            found["health"] = time.perf_counter() - started
            body = {"unit_id": "COAL-01", "roles": ["unit_operator"], "label": "bench"}
            assert client.post("/v1/tokens", json=body, headers=auth).status_code == 201
            found["write"] = time.perf_counter() - started
            read = client.get("/v1/needs", headers=auth)
            assert read.status_code == 200, read.text
            found["read"] = time.perf_counter() - started
            found["lag"] = read.headers.get("x-read-model-lag", "0")
            while client.get("/v1/needs", headers=auth).headers.get("x-read-model-lag"):
                time.sleep(0.2)
            found["caught_up"] = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir)
        events = seed(settings, args.needs)
        settings.read_models_path.unlink(missing_ok=True)
        print(f"store: {events:,} events; read models not built")
        cold = timed_start(data_dir)
        warm = timed_start(data_dir)
    for label, run in (("not built", cold), ("built (baseline)", warm)):
        print(
            f"read models {label:17s}: /health {run['health']:.2f} s, write {run['write']:.2f} s, "
            f"read {run['read']:.2f} s (X-Read-Model-Lag {run['lag']}), "
            f"caught up {run['caught_up']:.2f} s"
        )
    print(
        f"first /health, not built vs built: {float(cold['health']) / float(warm['health']):.2f}x"
    )


if __name__ == "__main__":
    main()
