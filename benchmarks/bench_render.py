"""Handout rendering: time against raw WeasyPrint on the same HTML, PDF sizes, import time.

Run: .venv/bin/python benchmarks/bench_render.py
Goals: render_handout within 1.10x of raw WeasyPrint; `import physio_notes` never imports
WeasyPrint.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import pypdf
import weasyprint

from physio_notes import Clinic, load_presentation, render_handout, select_pathways
from physio_notes._handout import HANDOUT
from physio_notes._paths import examples_dir
from physio_notes._render import document_html

ROUNDS = 7


def best(func: Callable[[], object], rounds: int = ROUNDS) -> tuple[float, float]:
    """(best, median) wall time in seconds over ``rounds`` warm calls."""
    func()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def import_time() -> float:
    """Median seconds for `import physio_notes` in a fresh process, minus an empty start-up."""
    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    check = "import physio_notes, sys; assert 'weasyprint' not in sys.modules"
    with_import = statistics.median(run(check) for _ in range(5))
    bare = statistics.median(run("pass") for _ in range(5))
    return with_import - bare


def main() -> None:
    """Print the figures."""
    folder = examples_dir()
    clinic = Clinic.from_toml(folder / "clinic.toml")
    plan = select_pathways(load_presentation(folder / "disc-recurrent.json"))

    html, _ = document_html(HANDOUT, plan, clinic=clinic, for_pdf=True)

    def raw() -> bytes:
        return bytes(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))

    ours_best, ours_median = best(lambda: render_handout(plan, clinic=clinic))
    raw_best, raw_median = best(raw)
    print(f"render_handout (disc-recurrent, A4, PDF/UA): best {ours_best * 1000:.0f} ms, "
          f"median {ours_median * 1000:.0f} ms")
    print(f"raw WeasyPrint, same HTML and variant:      best {raw_best * 1000:.0f} ms, "
          f"median {raw_median * 1000:.0f} ms")
    print(f"ratio (median): {ours_median / raw_median:.2f}x  (goal <= 1.10x)")

    print("PDF sizes:")
    for example in sorted(folder.glob("*.json")):
        pdf = render_handout(select_pathways(load_presentation(example)), clinic=clinic)
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        print(f"  {example.stem:32s} {len(pdf) / 1024:6.1f} KiB  {pages} pages")
    print(f"import physio_notes: {import_time() * 1000:.0f} ms over bare start-up "
          "(WeasyPrint not imported)")


if __name__ == "__main__":
    main()
