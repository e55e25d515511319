"""The referral letter, checked on the real PDF: recipient, urgency, contents, safety, structure."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pikepdf
import pytest

from physio_notes import (
    CarePlan,
    Clinic,
    Clinician,
    NoReferralError,
    Patient,
    PhysioNotesError,
    Presentation,
    RenderError,
    render_referral,
    select_pathways,
)

from .conftest import EXAMPLE_FILES, EXAMPLES, plan_for
from .pdfcheck import assert_tagged_without_patient, checked, open_pdf, text_of

CLINIC = Clinic.from_toml(EXAMPLES / "clinic.toml")
REFERRING = [f.stem for f in EXAMPLE_FILES if plan_for(f.stem).referrals]
NOT_REFERRING = [f.stem for f in EXAMPLE_FILES if not plan_for(f.stem).referrals]
HOSTILE = "<img src=file:///etc/passwd><style>body{display:none}</style><script>x()</script>"
BASE: dict[str, Any] = {"region": "lower_back", "date": "2026-11-24", "red_flags": [],
        "patient": Patient(name="Nuala Quinn", id="CL-7", date_of_birth="1960-01-02")}


def flat(text: str) -> str:
    """Text with whitespace runs made single spaces (PDF lines wrap anywhere)."""
    return re.sub(r"\s+", " ", text)


def squash(text: str) -> str:
    """Text without any whitespace (for needles that a line break may split, e.g. ids)."""
    return re.sub(r"\s+", "", text)


@cache
def letter_pdf(name: str) -> bytes:
    """The referral PDF of an example, rendered once per test run."""
    plan = plan_for(name)
    return checked(lambda: render_referral(plan, clinic=CLINIC))


def letter_text(name: str) -> str:
    """The extracted text of an example's letter, whitespace flattened."""
    return flat(text_of(letter_pdf(name)))


def test_examples_cover_every_kind_of_letter() -> None:
    """The bundled examples refer to all three recipients, and one refers nobody."""
    ids = {plan_for(name).referrals[0].id for name in REFERRING}
    assert ids == {"urgent-referral", "neurologist-referral", "medical-review"}
    assert "acute-sudden-movement" in NOT_REFERRING


@pytest.mark.parametrize(("presentation", "pathway", "recipient", "urgency"), [
    ({"red_flags": ["major_trauma"]}, "urgent-referral", "GP", "Urgent: same-day assessment"),
    ({"red_flags": ["saddle_anaesthesia"]}, "urgent-referral", "Emergency Department",
     "Please assess today — emergency"),
    ({"causes": ["neurological"]}, "neurologist-referral", "neurologist", "Routine (soon)"),
    ({"causes": ["disc_disorder"], "recurrent": True}, "medical-review", "GP", "Routine (soon)"),
])
@pytest.mark.hazard("HAZ-04")
@pytest.mark.hazard("HAZ-17")
def test_recipient_and_urgency_by_pathway(
    presentation: dict[str, Any], pathway: str, recipient: str, urgency: str
) -> None:
    """Red flags → where the most urgent flag sends (emergency department, or the GP today);
    neurologist-referral → neurologist; medical-review → GP."""
    plan = select_pathways(Presentation(**{**BASE, **presentation}))
    assert plan.pathways[0].id == pathway
    text = flat(text_of(checked(lambda: render_referral(plan, clinic=CLINIC))))
    addressee = text.split("harbourphysio.example")[1].split("24 November 2026")[0]
    assert recipient.lower() in addressee.lower()
    assert f"Urgency: {urgency}" in text
    assert f"I am referring them to the {recipient} for" in text


@pytest.mark.parametrize("name", REFERRING)
def test_letter_has_the_parts_of_a_letter(name: str) -> None:
    """Letterhead, recipient, date, subject, patient, greeting, body and signature, in order."""
    plan = plan_for(name)
    patient = plan.presentation.patient
    assert patient is not None
    assert patient.name
    text = letter_text(name)
    parts = ["Harbour Physiotherapy", "12 Quay Street, Galway H91 X2Y3", "Phone 091 555 010",
             "harbourphysio.example", " ".join(plan.destinations[0].address), "24 November 2026",
             f"Patient {patient.name}", "Urgency:", "Dear colleague,", "Reason for referral",
             "Red flags", "Presentation", "What the patient was told",
             *(["Guidance followed"] if plan.urgency != "emergency" else []),
             "Yours sincerely,", "J. Doyle", "Chartered Physiotherapist"]
    at = 0
    for part in parts:
        at = text.find(part, at)
        assert at >= 0, f"{part!r} missing or out of order"
    signature = text[text.index("Yours sincerely,"):]
    for detail in ("Harbour Physiotherapy", "12 Quay Street", "091 555 010", "harbourphysio"):
        assert detail in signature


@pytest.mark.parametrize("name", REFERRING)
def test_rationale_sources_and_other_referrals(name: str) -> None:
    """The referring pathways' rationale, rule ids and sources; the others are mentioned."""
    plan = plan_for(name)
    text = squash(letter_text(name))
    main, *others = plan.referrals
    emergency = plan.urgency == "emergency"  # an emergency letter is short: no guidance list
    for needle in (main.rationale, *(() if emergency else main.sources)):
        assert squash(needle) in text, needle
    for rule in main.rules:  # rule ids belong in the note's decision trace, nowhere else
        assert squash(rule) not in text, rule
    for other in others if not emergency else ():
        assert squash(f"also recommends: {other.refers_to}") in text


@pytest.mark.parametrize(("name", "said", "not_said"), [
    ("red-flag-cauda-equina", ["Please assess today — emergency",
                               "Emergency referral: suspected cauda equina syndrome",
                               "Saddle anaesthesia: suspected cauda equina syndrome (emergency)",
                               "No treatment or exercise for the spasm"],
     ["Exercises", "Home care", "also recommends", "medicine", "medication", "red-flag."]),
    ("red-flag-neck-myelopathy", ["Urgent: same-day assessment",
                                  "suspected cervical myelopathy (urgent)",
                                  "Comfort measures only", "No exercise programme"],
     ["Exercises", "emergency —"]),
    ("neurological-ms", ["Referral for neurological assessment", "Routine (soon)",
                         "Red-flag screen: none found", "Gentle movement each day",
                         "neurological condition (multiple sclerosis)",
                         "Spasms increasing over 3 weeks."], ["POSITIVE"]),
    ("disc-recurrent", ["Request for a medical review", "Patient ID CL-20931",
                        "Date of birth 11 February 1978", "STarT Back medium risk",
                        "Exercises (gentle only, pending review)"], ["POSITIVE", "emergency"]),
])
def test_letter_says_what_the_case_needs(name: str, said: list[str], not_said: list[str]) -> None:
    """Urgency, red flags with the suspected condition, and the advice given meanwhile."""
    text = letter_text(name)
    for needle in said:
        assert needle in text, needle
    for needle in not_said:
        assert needle not in text, needle


@pytest.mark.hazard("HAZ-02")
def test_not_screened_is_said() -> None:
    """A letter for a plan whose red flags were not screened says so."""
    plan = select_pathways(Presentation(**{**BASE, "red_flags": None, "recurrent": True}))
    assert "Red-flag screen: NOT SCREENED" in flat(text_of(render_referral(plan)))


@pytest.mark.parametrize("name", NOT_REFERRING)
@pytest.mark.hazard("HAZ-17")
def test_no_referral_is_refused_before_rendering(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan that refers nobody: NoReferralError naming its pathways; nothing is rendered."""
    import physio_notes._referral as referral

    def fail(*args: object, **kwargs: object) -> str:
        raise AssertionError("rendering started")

    monkeypatch.setattr(referral, "render_document", fail)
    plan = plan_for(name)
    with pytest.raises(NoReferralError) as caught:
        render_referral(plan, format="html")
    message = str(caught.value)
    assert all(pid in message for pid in plan.pathway_ids)
    assert "refers" in message
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, PhysioNotesError)


@pytest.mark.parametrize("name", REFERRING)
@pytest.mark.hazard("HAZ-10")
def test_pdf_is_tagged_and_keeps_the_patient_out_of_metadata(name: str) -> None:
    """PDF/UA-1: marked, structure tree, en-GB, a title without the patient's name or id."""
    title = "Referral letter – Harbour Physiotherapy"
    assert_tagged_without_patient(letter_pdf(name), title, plan_for(name))


def test_logo_is_in_the_letterhead() -> None:
    """The clinic's logo is embedded: an image in the HTML, a tagged figure in the PDF."""
    plan = plan_for("disc-recurrent")
    html = render_referral(plan, format="html", clinic=CLINIC)
    assert '<img class="logo" src="data:image/svg+xml;base64,' in html
    assert 'alt="Harbour Physiotherapy logo"' in html
    with open_pdf(letter_pdf("disc-recurrent")) as pdf:
        figures = [str(obj.get("/Alt")) for obj in pdf.objects
                   if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure"]
    assert figures == ["Harbour Physiotherapy logo"]


@pytest.mark.hazard("HAZ-15")
def test_identical_input_gives_identical_bytes() -> None:
    """Rendering the same plan twice gives byte-identical PDFs."""
    plan = plan_for("red-flag-neck-myelopathy")
    assert render_referral(plan, clinic=CLINIC) == render_referral(plan, clinic=CLINIC)


def _hostile_plan() -> CarePlan:
    return select_pathways(Presentation(
        region="lower_back", date="2026-11-24", red_flags=["history_of_cancer"],
        patient=Patient(name="Name " + HOSTILE, id="ID " + HOSTILE),
        clinician=Clinician(name="Clin " + HOSTILE, role="Role " + HOSTILE),
        diagnosis="Dx " + HOSTILE, notes="Notes " + HOSTILE + "\n# Heading",
    ))


@pytest.mark.hazard("HAZ-11")
def test_hostile_text_is_literal_and_attaches_nothing() -> None:
    """Markup in every free-text field prints as typed; the HTML escapes it; no attachment."""
    plan = _hostile_plan()
    html = render_referral(plan, format="html")
    for raw in ("<img src=file", "<script>", "<style>body"):
        assert raw not in html
    assert "&lt;script&gt;" in html
    pdf = checked(lambda: render_referral(plan, clinic=CLINIC))
    text = squash(text_of(pdf))
    for field in ("Name", "ID", "Clin", "Role", "Dx", "Notes"):
        assert squash(f"{field} {HOSTILE}") in text, field
    with open_pdf(pdf) as doc:
        assert len(doc.attachments) == 0
        assert "/EmbeddedFiles" not in doc.Root.get("/Names", {})


def test_unknown_format_is_refused() -> None:
    """Only pdf and html are formats of the letter (checked before anything else)."""
    with pytest.raises(RenderError, match="'pdf' or 'html'"):
        render_referral(plan_for("disc-recurrent"), format="markdown")  # type: ignore[call-overload]
