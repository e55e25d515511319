"""Print how many pages each demo handout takes and how full each page is.

Run from the repository root: ``.venv/bin/python tools/page_report.py [A4|Letter]``.
With ``--sweep`` it lays out a routine exercise plan for every region x cause set x (mild pain,
not recurrent | severe pain, recurrent), with a long name and a plain diagnosis, and counts the
pages in total and the pages of content before a diary that starts a page of its own (takes a
few minutes). The figures come from WeasyPrint's layout (tests/pagefill.py), the same one the
PDF uses.
"""

from __future__ import annotations

import collections
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from physio_notes import (
    CarePlan,
    Clinic,
    Patient,
    Presentation,
    load_presentation,
    select_pathways,
)
from physio_notes._handout import HANDOUT
from physio_notes._paths import examples_dir
from physio_notes._render import document_html
from tests.pagefill import HEADINGS, Page, page_fill

REGIONS = ("lower_back", "mid_back", "neck", "hands", "calves", "feet")
CAUSE_SETS = (["sudden_movement"], ["overuse_posture"], ["tight_joint_or_muscle"],
              ["disc_disorder"], ["overstretching"], ["protective_response", "sudden_movement"],
              ["overuse_posture", "tight_joint_or_muscle"],
              ["disc_disorder", "tight_joint_or_muscle"], ["unknown"])


def main() -> int:
    """Report page count, fill and last line for every example handout (or the sweep)."""
    args = sys.argv[1:]
    sweep = "--sweep" in args
    sizes = [a for a in args if a != "--sweep"] or ["A4", "Letter"]
    clinic = Clinic.from_toml(examples_dir() / "clinic.toml")
    for size in sizes:
        print(f"== {size}")
        if sweep:
            _sweep(size, clinic)
            continue
        for path in sorted(examples_dir().glob("*.json")):
            pages = _pages(select_pathways(load_presentation(path)), size, clinic)
            fills = " ".join(f"{p.fill:4.0%}" for p in pages)
            alone = [i + 1 for i, p in enumerate(pages[:-1]) if p.last_tag in HEADINGS]
            print(f"{path.stem:28} {len(pages)} pages  {fills}"
                  + (f"  HEADING ALONE on {alone}" if alone else ""))
    return 0


def _pages(plan: CarePlan, size: str, clinic: Clinic) -> list[Page]:
    html, assets = document_html(HANDOUT, plan, page_size=size, clinic=clinic, for_pdf=True)
    return page_fill(html, assets)


def _sweep_plans() -> Iterator[CarePlan]:
    for region in REGIONS:
        for causes in CAUSE_SETS:
            for pain, recurrent in ((4, False), (8, True)):
                plan = select_pathways(Presentation(
                    region=region, side="left", causes=causes, red_flags=[],
                    date="2026-11-24", pain_score=pain, recurrent=recurrent,
                    patient=Patient(name="Siobhán Ní Mhaoldomhnaigh-Fitzgerald"),
                    plain_diagnosis="a strained muscle after lifting"))
                if plan.exercises:
                    yield plan


def _sweep(size: str, clinic: Clinic) -> None:
    total: collections.Counter[int] = collections.Counter()
    content: collections.Counter[int] = collections.Counter()
    for plan in _sweep_plans():
        pages = _pages(plan, size, clinic)
        total[len(pages)] += 1
        diary = next(i for i, p in enumerate(pages) if "My exercise diary" in p.text)
        content[diary + (0 if pages[diary].text.startswith("My exercise diary") else 1)] += 1
    plans = sum(total.values())
    print(f"{plans} plans; pages in all: "
          + ", ".join(f"{n}: {k}" for n, k in sorted(total.items()))
          + "; pages of content: " + ", ".join(f"{n}: {k}" for n, k in sorted(content.items())))


if __name__ == "__main__":
    raise SystemExit(main())
