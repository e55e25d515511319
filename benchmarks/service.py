"""The HTTP service under concurrent clients: handouts per second and p50/p99 latency with 1
and 2 render workers, beside the command line's time for one handout.

Run: .venv/bin/python benchmarks/service.py [--clients 8] [--requests 32]
Each configuration starts a real server (`python -m physio_notes serve`) on a free loopback
port, waits until its workers are ready, sends one warm-up request, then has CLIENTS threads
send REQUESTS handout requests (PDF, the bundled examples in turn) in all; the server stops
at the end. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from physio_notes._paths import examples_dir

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_seconds(example: Path, runs: int = 3) -> float:
    """Median wall time of `physio-notes handout` for one PDF (process start included)."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "physio_notes", "handout", str(example),
                            "-o", str(Path(tmp) / "h.pdf")], check=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def serve_run(workers: int, clients: int, requests: int, bodies: list[bytes]) -> dict[str, float]:
    """Throughput and latency of one server with ``workers`` render workers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHYSIO_NOTES_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "physio_notes", "serve", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        headers = {"Content-Type": "application/json"}
        with httpx.Client(base_url=url, timeout=600,
                          limits=httpx.Limits(max_connections=clients)) as client:
            client.post("/handout", content=bodies[0], headers=headers).raise_for_status()
            single = []
            for body in bodies[:4]:
                began = time.perf_counter()
                client.post("/handout", content=body, headers=headers).raise_for_status()
                single.append(time.perf_counter() - began)

            def one(index: int) -> float:
                began = time.perf_counter()
                answer = client.post("/handout", content=bodies[index % len(bodies)],
                                     headers=headers)
                answer.raise_for_status()
                return time.perf_counter() - began

            start = time.perf_counter()
            with ThreadPoolExecutor(clients) as threads:
                latencies = list(threads.map(one, range(requests)))
            elapsed = time.perf_counter() - start
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
    return {"per_second": requests / elapsed, "p50": _percentile(latencies, 0.5),
            "p99": _percentile(latencies, 0.99), "single": statistics.median(single),
            "elapsed": elapsed}


def main() -> None:
    """Print the command line's time, then each configuration's figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=32)
    args = parser.parse_args()
    examples = sorted(examples_dir().glob("*.json"))
    bodies = [path.read_bytes() for path in examples]
    cli = cli_seconds(examples_dir() / "disc-recurrent.json")
    print(f"command line, one handout (process start included): {cli:.2f} s")
    print(f"service: {args.clients} concurrent clients, {args.requests} handout PDFs")
    results = {}
    for workers in (1, 2):
        r = results[workers] = serve_run(workers, args.clients, args.requests, bodies)
        print(f"  {workers} render worker(s): {r['per_second']:.2f} handouts/s; "
              f"latency p50 {r['p50']:.2f} s, p99 {r['p99']:.2f} s; "
              f"one request alone {r['single']:.2f} s")
    print(f"speed-up with 2 workers: {results[1]['elapsed'] / results[2]['elapsed']:.2f}x "
          f"(on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
