"""Measure the HTTP API: single-post scoring requests (``POST /v1/posts``) at a fixed concurrency.

    python scripts/bench_api.py [--requests 2000] [--concurrency 8] [--database-url URL]

The app runs under uvicorn in a subprocess on a free loopback port, on a new SQLite file
in a temporary folder unless ``--database-url`` names another (empty) database. Each
request is a new post, so each is scored, decided and stored in its own transaction.
Posts are the ones ``scripts/bench.py`` draws, up to 280 characters. Prints requests/s
and the median and 99th-percentile latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import corpus
from interdictor.store.db import make_engine, session_factory, upgrade
from interdictor.store.keys import create_key
from interdictor.store.models import Role

STARTUP_S = 120
WARMUP = 50


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def integrator_key(url: str) -> str:
    """Migrate the database and make a key to submit with."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_factory(engine).begin() as session:
            return create_key(session, "bench", Role.INTEGRATOR)[1]
    finally:
        engine.dispose()


def start_server(url: str, port: int, **env: str) -> subprocess.Popen[bytes]:
    """The service on ``url`` in a subprocess; ``env`` adds environment variables."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "interdictor.api.app:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(command, env={**os.environ, "INTERDICTOR_DATABASE_URL": url, **env})


async def wait_until_up(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit(f"the server did not answer /healthz within {STARTUP_S}s")


async def load(client: httpx.AsyncClient, bodies: list[bytes], concurrency: int) -> tuple[list[float], int]:
    """Send every body with ``concurrency`` requests in flight; the latencies (s) and failures."""
    queue = iter(bodies)
    latencies: list[float] = []
    failures = 0

    async def sender() -> None:
        nonlocal failures
        for body in queue:
            start = time.perf_counter()
            response = await client.post("/v1/posts", content=body)
            latencies.append(time.perf_counter() - start)
            failures += response.status_code != 200

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies, failures


async def bench(url: str, requests: int, concurrency: int) -> None:
    secret = integrator_key(url)
    port = free_port()
    server = start_server(url, port)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=60
        ) as client:
            await wait_until_up(client, server)
            bodies = corpus(WARMUP + requests, 280)
            await load(client, bodies[:WARMUP], concurrency)  # distinct posts: ids b0, b1, ...
            start = time.perf_counter()
            latencies, failures = await load(client, bodies[WARMUP:], concurrency)
            elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    centiles = statistics.quantiles(latencies, n=100)
    print(
        f"{requests} requests, concurrency {concurrency}: {requests / elapsed:,.0f} requests/s, "
        f"p50 {centiles[49] * 1000:.1f} ms, p99 {centiles[98] * 1000:.1f} ms, {failures} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests to time (after a warm-up)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--database-url", help="an empty database to use (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        asyncio.run(bench(url, args.requests, args.concurrency))


if __name__ == "__main__":
    main()
