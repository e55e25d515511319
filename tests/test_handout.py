"""The patient handout, checked on the real PDF: content, safety, readability, structure."""

from __future__ import annotations

import re

import pytest
import textstat

from physio_notes import Clinic, Presentation, RenderError, render_handout, select_pathways
from physio_notes._vocab import PageSize

from .conftest import EXAMPLE_FILES, plan_for
from .pdfcheck import (
    DEMO_CLINIC,
    assert_tagged_without_patient,
    checked,
    example_handout,
    open_pdf,
    page_texts,
    text_of,
)

EXAMPLES = [f.stem for f in EXAMPLE_FILES]
#: The words inside exercise pictures: at least 9 pt printed (tests/test_pictures.py).
PICTURE_WORDS = frozenset({"Start", "Finish", "Left", "Right"})


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.hazard("HAZ-07")
@pytest.mark.parametrize("name", EXAMPLES)
def test_reading_grade_at_most_6(name: str) -> None:
    """Every example handout reads at US grade 6 or below (Flesch–Kincaid on the PDF text)."""
    grade = textstat.flesch_kincaid_grade(text_of(example_handout(name)))
    assert grade <= 6.0, f"{name}: grade {grade:.1f}"


@pytest.mark.hazard("HAZ-07")
@pytest.mark.hazard("HAZ-10")
@pytest.mark.parametrize("name", EXAMPLES)
def test_pdf_is_tagged_with_title_and_language(name: str) -> None:
    """PDF/UA-1: marked, structure tree, en-GB, title shown; no patient data in metadata."""
    plan = plan_for(name)
    heading = {"emergency": "Get help now", "urgent": "See a doctor today"}.get(
        plan.urgency or "", "Your muscle spasm plan")
    assert_tagged_without_patient(example_handout(name), f"{heading} – {DEMO_CLINIC.name}", plan)



def test_page_x_of_y_footer() -> None:
    """Every page says 'Page X of Y'."""
    pages = page_texts(example_handout("disc-recurrent"))
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {len(pages)}" in text


@pytest.mark.hazard("HAZ-15")
def test_identical_input_gives_identical_bytes() -> None:
    """Rendering the same plan twice gives byte-identical PDFs (no timestamps, no random ids)."""
    plan = plan_for("neck-posture")
    assert render_handout(plan, clinic=DEMO_CLINIC) == render_handout(plan, clinic=DEMO_CLINIC)


@pytest.mark.parametrize(("size", "box"), [("A4", [0, 0, 595, 842]), ("Letter", [0, 0, 612, 792])])
def test_page_size(size: PageSize, box: list[int]) -> None:
    """page_size sets the paper size of every page."""
    with open_pdf(example_handout("calf-cramp", size)) as pdf:
        for page in pdf.pages:
            assert [round(float(v)) for v in page.MediaBox] == box


@pytest.mark.hazard("HAZ-01")
@pytest.mark.hazard("HAZ-06")
@pytest.mark.hazard("HAZ-14")
def test_emergency_handout_says_only_what_to_do_now() -> None:
    """An emergency red flag: call the number first; no plan, home care or exercises."""
    pdf = example_handout("red-flag-cauda-equina")
    text = _flat(text_of(pdf))
    assert len(page_texts(pdf)) == 1, "an emergency sheet fits one A4 page"
    assert text.startswith("Harbour Physiotherapy")
    assert text.index("Get help now") < text.index("Call 112 or 999 now")
    assert "Call 112 or 999 now, or go to the emergency department now." in text
    assert "cauda equina syndrome" in text
    assert "Numbness around your bottom" in text
    assert "The letter we wrote for the emergency department." in text
    assert "What to tell the doctor" in text
    for absent in ("Your plan", "Easing a spasm at home", "Your exercises", "Hold:", "core",
                   "muscle spasm plan", "medicine that relaxes"):
        assert absent not in text


@pytest.mark.hazard("HAZ-06")
def test_urgent_handout_keeps_comfort_but_no_exercise() -> None:
    """An urgent red flag: see a doctor today; position of ease and heat, no exercises."""
    text = _flat(text_of(example_handout("red-flag-neck-myelopathy")))
    assert text.index("See a doctor today") < text.index("What to do now")
    assert "Phone your GP (family doctor) now and ask to be seen today." in text
    assert "Your plan" not in text
    assert "Until a doctor sees you" in text
    assert "Find a position that eases the pain" in text
    assert "warm pack" in text
    assert "Your exercises" not in text
    assert "Keep moving gently" not in text


@pytest.mark.hazard("HAZ-01")
@pytest.mark.parametrize("name", EXAMPLES)
def test_red_flag_box_leads(name: str) -> None:
    """With a red flag, its box comes before anything about the plan; without, there is none."""
    text = _flat(page_texts(example_handout(name))[0])
    urgency = plan_for(name).urgency
    if urgency is None:
        assert "Get help now" not in text
        assert "See a doctor today" not in text.split("When")[0]
    else:
        heading = "Get help now" if urgency == "emergency" else "See a doctor today"
        assert text.index(heading) < text.index("What")


@pytest.mark.hazard("HAZ-07")
@pytest.mark.hazard("HAZ-14")
@pytest.mark.parametrize("name", [n for n in EXAMPLES if plan_for(n).urgency is None])
def test_routine_handout_has_every_part(name: str) -> None:
    """Without red flags: plan, what is happening, home care, safety net and disclaimer."""
    text = _flat(text_of(example_handout(name)))
    for part in ("Your plan", "What is happening", "What to expect", "Easing a spasm at home",
                 "Keep moving gently, as far as the pain allows",
                 "When to get help", "does not replace advice"):
        assert part in text, part


def test_calf_stretch_dosage_and_stop_rule() -> None:
    """The calf handout: hold 20 to 30 seconds, and stop if it does not help."""
    text = _flat(text_of(example_handout("calf-cramp")))
    assert "20 to 30 seconds" in text
    assert "If it does not help, stop." in text


@pytest.mark.hazard("HAZ-08")
@pytest.mark.hazard("HAZ-21")
def test_medicines_are_for_the_gp_with_a_drowsiness_caution() -> None:
    """Severe pain (7/10): once, ask the GP; prescription only; drowsiness and driving; no drug
    named. With a disc problem the prompt is left out (nothing that contradicts NICE NG59)."""
    text = _flat(text_of(example_handout("neurological-ms"))).lower()
    assert text.count("medicine that relaxes muscles") == 1
    assert "ask your gp about medicine that relaxes muscles" in text
    assert "prescription" in text
    assert "sleepy" in text
    assert "do not drive" in text
    assert "pharmacist" not in text
    for drug in ("diazepam", "benzodiazepine", "baclofen", "ibuprofen", "paracetamol", "mg"):
        assert not re.search(rf"\b{drug}\b", text)
    assert "relaxes muscles" not in _flat(text_of(example_handout("disc-recurrent"))).lower()


@pytest.mark.hazard("HAZ-14")
def test_clinic_emergency_number_is_used() -> None:
    """The clinic's emergency number replaces the default everywhere."""
    plan = plan_for("red-flag-cauda-equina")
    clinic = Clinic(name="Clinic US", emergency_number="911")
    text = _flat(text_of(checked(lambda: render_handout(plan, clinic=clinic))))
    assert "Call 911 now" in text
    assert "112" not in text


@pytest.mark.hazard("HAZ-11")
def test_html_is_self_contained() -> None:
    """HTML output inlines its CSS and images: no file, http or relative URLs (links within
    the page, such as to "When to get help", are fragments)."""
    html = render_handout(plan_for("disc-recurrent"), format="html", clinic=DEMO_CLINIC)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in html
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources
    assert all(s.startswith("data:") or re.fullmatch(r"#[a-z-]+", s) for s in sources), sources
    assert "<style>" in html
    assert "@font-face" not in html


def test_bad_format_and_page_size() -> None:
    """Unknown format or page size: a clear RenderError."""
    plan = plan_for("calf-cramp")
    with pytest.raises(RenderError, match="format"):
        render_handout(plan, format="docx")  # type: ignore[call-overload]
    with pytest.raises(RenderError, match="page_size"):
        render_handout(plan, page_size="A5")  # type: ignore[call-overload]


@pytest.mark.hazard("HAZ-15")
def test_encounter_date_is_the_date_shown() -> None:
    """The handout shows the encounter date, written out."""
    p = Presentation(region="neck", causes=["overuse_posture"], date="2026-03-09", red_flags=[])
    text = text_of(checked(lambda: render_handout(select_pathways(p))))
    assert "9 March 2026" in text


@pytest.mark.hazard("HAZ-07")
@pytest.mark.parametrize("name", ["disc-recurrent", "red-flag-neck-myelopathy"])
def test_body_text_is_at_least_11pt(name: str) -> None:
    """All text is 11 pt or larger, except the running footer and the pictures' frame and side
    labels (9 pt or more)."""
    import io

    import pypdf

    small: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        shown = text.strip()
        effective = abs(size * tm[3] * cm[3]) if tm[3] and cm[3] else size
        footer = shown.startswith("Page ") or shown == "Harbour Physiotherapy · 091 555 010"
        if shown and effective < 10.95 and not footer and shown not in PICTURE_WORDS:
            small.append((round(effective, 1), shown))

    for page in pypdf.PdfReader(io.BytesIO(example_handout(name))).pages:
        page.extract_text(visitor_text=visit)
    assert small == []


NUMB_SKIN = "Never put heat or ice on skin that feels numb."


@pytest.mark.hazard("HAZ-20")
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_numb_skin_caution_sits_under_the_heat_step(name: str) -> None:
    """"Never heat numb skin" follows the warm-pack step directly, on the same page, before
    the next step, and is said once; a sheet without heat has neither."""
    pages = [_flat(page) for page in page_texts(example_handout(name))]
    if not any("Put a warm pack" in p for p in pages):
        assert not any(NUMB_SKIN in p for p in pages)
        return
    (page,) = [p for p in pages if "Put a warm pack" in p]
    after_step = page.split("It should feel warm, not hot.", 1)[1].lstrip()
    assert after_step.startswith(NUMB_SKIN), after_step[:80]
    assert sum(p.count(NUMB_SKIN) for p in pages) == 1


@pytest.mark.parametrize("name", EXAMPLES)
def test_what_to_do_when_dizziness_does_not_pass_is_said_once_above_the_exercises(
    name: str,
) -> None:
    """A plan with an exercise that may make you dizzy says once, before the first exercise,
    to phone the GP today if the dizziness does not pass; the cards say only when to stop."""
    plan = plan_for(name)
    text = _flat(text_of(example_handout(name)))
    line = plan.knowledge.patient_text.handout["exercise_dizzy"]
    if not any(e.dizzying for e in plan.exercises):
        assert line not in text
        return
    assert text.count(line) == 1
    first = plan.exercises[0].name
    assert text.index("Your exercises") < text.index(line) < text.index(first)
    assert "If the dizziness does not pass" not in text
