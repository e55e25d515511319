"""Print how many pages each demo handout takes and how full each page is.

Run from the repository root: ``.venv/bin/python tools/page_report.py [A4|letter]``.
The figures come from WeasyPrint's layout (tests/pagefill.py), the same one the PDF uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from physio_notes import Clinic, load_presentation, select_pathways
from physio_notes._handout import HANDOUT
from physio_notes._paths import examples_dir
from physio_notes._render import document_html
from tests.pagefill import HEADINGS, page_fill


def main() -> int:
    """Report page count, fill and last line for every example handout."""
    sizes = sys.argv[1:] or ["A4", "Letter"]
    clinic = Clinic.from_toml(examples_dir() / "clinic.toml")
    for size in sizes:
        print(f"== {size}")
        for path in sorted(examples_dir().glob("*.json")):
            plan = select_pathways(load_presentation(path))
            html, assets = document_html(HANDOUT, plan, page_size=size, clinic=clinic,
                                         for_pdf=True)
            pages = page_fill(html, assets)
            fills = " ".join(f"{p.fill:4.0%}" for p in pages)
            alone = [i + 1 for i, p in enumerate(pages[:-1]) if p.last_tag in HEADINGS]
            print(f"{path.stem:28} {len(pages)} pages  {fills}"
                  + (f"  HEADING ALONE on {alone}" if alone else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
