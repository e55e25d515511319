"""Batch throughput with 1 and 2 worker processes (goal: 2 workers >= 1.8x), peak memory, and
the cost of a re-run that finds every record unchanged (hashing, the manifest, no rendering).

Run: .venv/bin/python benchmarks/bench_batch.py [RECORDS]
Each configuration runs in a fresh process, so the peak resident memory of its workers
(ru_maxrss of the children) is measured separately.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from physio_notes._paths import examples_dir

CHILD = """
import json, resource, sys, time
from physio_notes._batch import render_batch
records = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = time.perf_counter()
summary = render_batch(records, sys.argv[2], workers=int(sys.argv[3]), force=True)
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
start = time.perf_counter()
again = render_batch(records, sys.argv[2], workers=int(sys.argv[3]))
rerun = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rendered": summary.count("rendered"), "peak_mb": peak,
                  "rerun_seconds": rerun, "skipped": again.count("skipped")}))
"""


def main() -> None:
    """Print records per second for 1 and 2 workers, the speed-up and peak worker memory."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    examples = sorted(examples_dir().glob("*.json"))
    lines = [json.dumps(json.loads(examples[i % len(examples)].read_text(encoding="utf-8")))
             for i in range(count)]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        results = {}
        for workers in (1, 2):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(source), str(Path(tmp) / f"out{workers}"),
                 str(workers)],
                check=True, capture_output=True, text=True,
            ).stdout
            results[workers] = json.loads(out)
            r = results[workers]
            print(f"{workers} worker(s): {r['rendered']} handouts in {r['seconds']:.1f} s = "
                  f"{r['rendered'] / r['seconds']:.1f}/s; peak worker RSS {r['peak_mb']:.0f} MB; "
                  f"re-run: {r['skipped']} skipped in {r['rerun_seconds']:.2f} s")
        speedup = results[1]["seconds"] / results[2]["seconds"]
        print(f"speed-up with 2 workers: {speedup:.2f}x (goal >= 1.8x)")


if __name__ == "__main__":
    main()
