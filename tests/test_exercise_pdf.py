"""Exercise pictures in real handouts: each reaches a PDF with its alt text, pages stay legible,
and the docs gallery matches the library."""

from __future__ import annotations

import collections
import importlib.util
from pathlib import Path

import attrs
import pikepdf
import pytest

from physio_notes import CarePlan, Presentation, load_knowledge, render_handout, select_pathways
from physio_notes._engine import MAX_EXERCISES, select_exercises
from physio_notes._handout import HANDOUT
from physio_notes._render import document_html

from .conftest import EXAMPLE_FILES, plan_for
from .pagefill import pictures
from .pdfcheck import DEMO_CLINIC, checked, example_handout, open_pdf

ROOT = Path(__file__).resolve().parent.parent
CAUSES = [["disc_disorder"], ["tight_joint_or_muscle"], ["sudden_movement"], ["neurological"]]
MIN_PICTURE_MM = 45  # the pictures' Start/Finish/Left/Right labels print at 9 pt or more


def _default_plans() -> list[CarePlan]:
    """A plan for every region x cause, with red flags screened and none found."""
    return [
        select_pathways(Presentation(region=region, causes=causes, red_flags=[],
                                     date="2026-11-24"))
        for region in ("lower_back", "mid_back", "neck", "hands", "calves", "feet")
        for causes in CAUSES
    ]


def _plans() -> list[CarePlan]:
    """Those plans holding every exercise their pathways allow (as a clinician may choose
    beyond the default MAX_EXERCISES), so each picture is rendered somewhere."""
    kb = load_knowledge()
    return [
        attrs.evolve(plan, exercises=select_exercises(
            kb, plan.pathway_ids, plan.presentation.region.value, limit=len(kb.exercises)))
        for plan in _default_plans()
    ]


def _shown(plan: CarePlan) -> set[str]:
    return {e.id for e in plan.exercises}


def _figures(pdf: bytes) -> tuple[list[str], collections.Counter[int]]:
    """Alt texts of the tagged figures, and how many exercise pictures each page holds."""
    exercise_alts = {e.alt_for(side) for e in load_knowledge().exercises
                     for side in ("left", "right")}
    alts: list[str] = []
    per_page: collections.Counter[int] = collections.Counter()
    with open_pdf(pdf) as doc:
        pages: dict[object, int] = {page.objgen: i for i, page in enumerate(doc.pages)}
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure":
                alt = str(obj.get("/Alt"))
                alts.append(alt)
                if alt in exercise_alts:
                    per_page[pages[obj.Pg.objgen]] += 1
    return alts, per_page


def test_every_exercise_is_offered_by_some_plan() -> None:
    """No exercise in the library is unreachable: some region x cause plan's pathways allow
    each one. The default plans (at most MAX_EXERCISES each) show all but three, which a
    clinician adds: the bird dog and the bridge (later core work) and the chair back
    extension (fifth in library order for the mid back)."""
    library = {e.id for e in load_knowledge().exercises}
    assert set().union(*(_shown(plan) for plan in _plans())) == library
    defaults = _default_plans()
    assert all(len(plan.exercises) <= MAX_EXERCISES for plan in defaults)
    progressions = {"bird-dog", "bridge", "chair-back-extension"}
    assert library - set().union(*(_shown(plan) for plan in defaults)) == progressions


@pytest.mark.hazard("HAZ-07")
def test_every_picture_reaches_a_pdf_with_its_alt_text() -> None:
    """Rendering plans that together show every exercise puts every picture's alt in a PDF."""
    wanted = {e.id: e.alt_for(None) for e in load_knowledge().exercises}
    remaining = set(wanted)
    for plan in sorted(_plans(), key=lambda p: -len(_shown(p))):
        if not _shown(plan) & remaining:
            continue
        alts, _ = _figures(checked(lambda plan=plan: render_handout(plan)))  # type: ignore[misc]
        remaining -= {eid for eid in _shown(plan) if wanted[eid] in alts}
        if not remaining:
            break
    assert remaining == set()


@pytest.mark.hazard("HAZ-07")
@pytest.mark.parametrize("name", [f.stem for f in EXAMPLE_FILES])
def test_every_picture_prints_large_enough_to_follow(name: str) -> None:
    """Each exercise picture is laid out at least 45 mm wide, and the handout's tagged PDF
    carries one picture per exercise."""
    plan = plan_for(name)
    html, assets = document_html(HANDOUT, plan, clinic=DEMO_CLINIC, for_pdf=True)
    alts = {e.alt_for(plan.presentation.side and plan.presentation.side.value)
            for e in plan.exercises}
    shown = [(page, width) for page, alt, width in pictures(html, assets) if alt in alts]
    assert len(shown) == len(plan.exercises)
    assert all(width >= MIN_PICTURE_MM for _, width in shown), shown
    _, per_page = _figures(example_handout(name))
    assert sum(per_page.values()) == len(plan.exercises)


def test_gallery_page_matches_the_library() -> None:
    """docs/exercises.md is what docs/gen_gallery.py makes from the library today."""
    spec = importlib.util.spec_from_file_location("gen_gallery", ROOT / "docs" / "gen_gallery.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render_gallery()
    assert (ROOT / "docs" / "exercises.md").read_text(encoding="utf-8") == expected, (
        "run: .venv/bin/python docs/gen_gallery.py"
    )
    for exercise in load_knowledge().exercises:
        assert f"## {exercise.name}" in expected
