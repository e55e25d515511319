"""The clinician's SOAP note, checked on the real Markdown, HTML and PDF text and structure."""

from __future__ import annotations

import re
from functools import cache

import pytest

from physio_notes import (
    CarePlan,
    Clinic,
    Clinician,
    Patient,
    Presentation,
    RenderError,
    render_handout,
    render_note,
    select_pathways,
)
from physio_notes._common import md_fence, md_inline
from physio_notes._render import environment

from .conftest import EXAMPLE_FILES, example_dict, plan_for
from .pdfcheck import DEMO_CLINIC, assert_tagged_without_patient, checked, open_pdf, text_of

EXAMPLES = [f.stem for f in EXAMPLE_FILES]
SECTIONS = ("Subjective", "Objective", "Assessment", "Plan")
SCREEN = {
    "red-flag-cauda-equina": "POSITIVE (EMERGENCY)",
    "red-flag-neck-myelopathy": "POSITIVE (URGENT)",
    "red-flag-calf-clot": "POSITIVE (URGENT)",
}
START_BACK = {
    "disc-recurrent": "medium risk (total 5/9, distress 2/5)",
    "acute-sudden-movement": "low risk (total 2/9, distress 1/5)",
}
HOSTILE_HTML = "<img src=file:///etc/passwd><style>body{display:none}</style><script>x()</script>"
HOSTILE_MD = "\n# Heading\n[link](http://x) ```` *em* _u_ |t| &amp;"


def squash(text: str) -> str:
    """Text without any whitespace, so PDF line wrapping cannot hide a match."""
    return re.sub(r"\s+", "", text)


@cache
def note_pdf(name: str) -> bytes:
    """The note PDF of an example, rendered once per test run."""
    plan = plan_for(name)
    return checked(lambda: render_note(plan, format="pdf", clinic=DEMO_CLINIC))


def note_texts(plan: CarePlan, pdf: bytes) -> dict[str, str]:
    """What each format says: Markdown, HTML and the PDF's extracted text."""
    return {
        "markdown": render_note(plan, clinic=DEMO_CLINIC),
        "html": render_note(plan, format="html", clinic=DEMO_CLINIC),
        "pdf": text_of(pdf),
    }


def not_screened_plan() -> CarePlan:
    """disc-recurrent with the red_flags field absent: the screen was not done."""
    data = example_dict("disc-recurrent")
    del data["red_flags"]
    return select_pathways(Presentation.from_dict(data))


def hostile_plan() -> CarePlan:
    """Markup and Markdown in every free-text field of the presentation."""
    bad = HOSTILE_HTML + HOSTILE_MD
    line = bad.replace("\n", " ")  # names and ids are one line: the contract refuses breaks
    return select_pathways(Presentation(
        region="lower_back", date="2026-11-24", causes=["disc_disorder"], red_flags=[],
        patient=Patient(name="Name " + line, id="ID " + line),
        clinician=Clinician(name="Clin " + line, role="Role " + line),
        diagnosis="Dx " + bad, notes="Notes " + bad + "\n```\nafter fence",
    ))


@pytest.mark.parametrize("name", EXAMPLES)
def test_soap_sections_in_order_in_every_format(name: str) -> None:
    """Markdown, HTML and PDF all hold S, O, A and P, in that order, after the header."""
    heading = {"markdown": "\n## {}\n", "html": "<h2>{}</h2>", "pdf": "\n{}\n"}
    for kind, text in note_texts(plan_for(name), note_pdf(name)).items():
        positions = [text.index(heading[kind].format(section)) for section in SECTIONS]
        assert positions == sorted(positions), kind
        assert text.index("Clinical note (SOAP)") < positions[0], kind


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.hazard("HAZ-09")
def test_every_pathway_with_rules_and_sources(name: str) -> None:
    """Each pathway id, title, rationale, rule id and source is in every format."""
    plan = plan_for(name)
    for kind, text in note_texts(plan, note_pdf(name)).items():
        flat = squash(text.replace("&#39;", "'"))
        for pathway in plan.pathways:
            for needle in (pathway.id, pathway.title, pathway.rationale, *pathway.rules,
                           *pathway.sources):
                assert squash(needle) in flat, (kind, needle)
        assert squash(f"version {plan.knowledge_version}") in flat, kind


@pytest.mark.parametrize("name", EXAMPLES)
def test_red_flag_screen_is_stated(name: str) -> None:
    """The screen reads none found or POSITIVE (urgency), with each finding's suspicion."""
    plan = plan_for(name)
    expected = SCREEN.get(name, "none found")
    texts = note_texts(plan, note_pdf(name))
    assert f"- Red-flag screen: {expected}\n" in texts["markdown"]
    for kind, text in texts.items():
        flat = squash(text)
        if kind != "markdown":
            assert squash(f"Red-flag screen {expected}") in squash(re.sub("<[^>]+>", "", text))
        for finding in plan.red_flag_screen.findings:
            assert squash(f"{finding.label}: suspected {finding.suspected}") in flat, kind
            assert squash(f"({finding.urgency})") in flat, kind


@pytest.mark.hazard("HAZ-02")
def test_red_flag_screen_not_screened() -> None:
    """red_flags absent: every format says NOT SCREENED, never "none found"."""
    plan = not_screened_plan()
    pdf = checked(lambda: render_note(plan, format="pdf"))
    for kind, text in note_texts(plan, pdf).items():
        assert "NOT SCREENED" in text, kind
        assert "none found" not in text, kind


@pytest.mark.parametrize("name", EXAMPLES)
def test_start_back_line(name: str) -> None:
    """STarT Back: risk group with total and distress when scored, else "not recorded"."""
    expected = START_BACK.get(name, "not recorded")
    texts = note_texts(plan_for(name), note_pdf(name))
    assert f"- STarT Back: {expected}\n" in texts["markdown"]
    assert squash(f"STarT Back {expected}") in squash(text_of(note_pdf(name)))


def test_header_and_subjective_of_the_design_example() -> None:
    """Header names clinic, patient, id, date of birth and clinician; S lists the history."""
    markdown = render_note(plan_for("disc-recurrent"), clinic=DEMO_CLINIC)
    for line in ("- Clinic: Harbour Physiotherapy", "- Patient: Máire Ní Bhriain",
                 "- Patient ID: CL-20931", "- Date of birth: 11 February 1978",
                 "- Clinician: J. Doyle, Chartered Physiotherapist", "- Region: lower back",
                 "- Encounter date: 24 November 2026", "- Each episode lasts: minutes",
                 "- Recurrent: yes", "- Eased by heat and positioning: yes",
                 "- Symptoms: severe pain, forward-leaning posture, unable to move the "
                 "affected part", "- Pain score: 7/10", "- Spasm type: secondary (symptom "
                 "of an underlying condition)", "- Causes: disc disorder",
                 "- Working diagnosis: L4/5 disc herniation, MRI 2026-10"):
        assert line + "\n" in markdown, line
    assert "```text\nFlexion limited to mid-shin; SLR negative bilaterally.\n```\n" in markdown


def test_unrecorded_values_say_not_recorded() -> None:
    """A bare presentation: every missing value reads "not recorded" in the note."""
    markdown = render_note(select_pathways(Presentation(region="neck", date="2026-11-24")))
    for label in ("Patient", "Patient ID", "Date of birth", "Each episode lasts", "Recurrent",
                  "Eased by heat and positioning", "Symptoms", "Pain score", "Causes",
                  "Working diagnosis", "STarT Back"):
        assert f"- {label}: not recorded\n" in markdown, label
    assert "Clinician's findings: not recorded." in markdown
    assert "NOT SCREENED" in markdown


def test_neurological_condition_named_with_the_cause() -> None:
    """The neurological condition is named beside its cause; the neurologist is the referral."""
    markdown = render_note(plan_for("neurological-ms"))
    assert "- Causes: neurological condition (multiple sclerosis)\n" in markdown
    assert "  - neurologist (neurologist-referral): Routine (soon)" in markdown
    assert "  - GP (medical-review): Routine (soon)" in markdown


@pytest.mark.parametrize(("name", "referral", "handout", "follow_up"), [
    ("red-flag-cauda-equina", "Emergency Department (urgent-referral): Please assess today — "
     "emergency", "emergency advice only", "Physiotherapy on hold"),
    ("red-flag-neck-myelopathy", "GP (urgent-referral): Urgent: same-day "
     "assessment", "comfort measures only; no exercise programme", "No exercise programme"),
    ("disc-recurrent", "GP (medical-review)", "exercises: Position of ease", "Review after the GP"),
    ("calf-cramp", None, "plan, home care and safety-net advice", "Review at the next visit"),
])
def test_plan_lines(name: str, referral: str | None, handout: str, follow_up: str) -> None:
    """Plan: referral (to whom, how urgently), the handout given and the follow-up."""
    markdown = render_note(plan_for(name))
    if referral is None:
        assert "- Referral: none\n" in markdown
    else:
        assert f"  - {referral}" in markdown
    assert re.search(r"^- Patient handout given: “Your muscle spasm plan”: .*"
                     + re.escape(handout), markdown, re.M)
    assert f"- Follow-up: {follow_up}" in markdown


@pytest.mark.parametrize("name", EXAMPLES)
def test_markdown_is_plain(name: str) -> None:
    """Markdown for an EHR box: ATX headings, no HTML, nothing left for Jinja."""
    markdown = render_note(plan_for(name), clinic=DEMO_CLINIC)
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings == ["# Clinical note (SOAP)", *(f"## {s}" for s in SECTIONS)]
    assert "<" not in markdown
    assert "{{" not in markdown
    assert "{%" not in markdown
    assert markdown.endswith("\n")
    assert not re.search(r"[ \t]+$", markdown, re.M)


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.hazard("HAZ-10")
def test_pdf_is_tagged_and_keeps_the_patient_out_of_metadata(name: str) -> None:
    """PDF/UA-1: marked, structure tree, en-GB, titled without the patient's name or id."""
    title = "Clinical note (SOAP) – Harbour Physiotherapy"
    assert_tagged_without_patient(note_pdf(name), title, plan_for(name))


@pytest.mark.hazard("HAZ-15")
def test_identical_input_gives_identical_output() -> None:
    """Rendering the same plan twice gives byte-identical PDFs and identical text."""
    plan = plan_for("neurological-ms")
    assert render_note(plan, format="pdf") == render_note(plan, format="pdf")
    assert render_note(plan) == render_note(plan)
    assert render_note(plan, format="html") == render_note(plan, format="html")


def _fenced(markdown: str) -> tuple[str, str, str]:
    """(outside the fence, the fence, inside it) of a note with one fenced block."""
    match = re.search(r"^(`{3,})text\n(.*?)\n\1$", markdown, re.M | re.S)
    assert match is not None
    outside = markdown[:match.start()] + markdown[match.end():]
    return outside, match.group(1), match.group(2)


@pytest.mark.hazard("HAZ-11")
def test_hostile_text_in_markdown_stays_text() -> None:
    """Free text cannot add headings, links, HTML or close the notes' fence in Markdown."""
    markdown = render_note(hostile_plan())
    outside, fence, inside = _fenced(markdown)
    assert inside == "Notes " + HOSTILE_HTML + HOSTILE_MD + "\n```\nafter fence"
    assert len(fence) == 5  # longer than the input's longest run of backticks (4)
    assert [ln for ln in outside.splitlines() if ln.startswith("#")] == [
        "# Clinical note (SOAP)", *(f"## {s}" for s in SECTIONS)]
    for special in "<>[]`*_|&":
        assert not re.search(r"(?<!\\)" + re.escape(special), outside), special
    assert r"Name \<img src=file:///etc/passwd\>" in outside
    assert r"\# Heading \[link\](http://x) \`\`\`\` \*em\* \_u\_ \|t\| \&amp;" in outside


@pytest.mark.hazard("HAZ-11")
def test_hostile_text_in_html_is_escaped() -> None:
    """Free text in the HTML note is escaped: no element, style or script from input."""
    html = render_note(hostile_plan(), format="html")
    for raw in ("<img src=file", "<script>", "<style>body"):
        assert raw not in html
    # name, id (header and footer), clinician, role, diagnosis, notes
    assert html.count("&lt;script&gt;") == 7


@pytest.mark.hazard("HAZ-11")
def test_hostile_text_in_pdf_is_literal_and_attaches_nothing() -> None:
    """The PDF shows the markup as typed, embeds no file and reads nothing local."""
    pdf = checked(lambda: render_note(hostile_plan(), format="pdf", clinic=DEMO_CLINIC))
    text = squash(text_of(pdf))
    for field in ("Name", "ID", "Clin", "Role", "Dx", "Notes"):
        assert squash(f"{field} <img src=file:///etc/passwd><style>") in text, field
    assert squash("<script>x()</script>") in text
    assert squash("# Heading [link](http://x)") in text
    assert b"root:x:0" not in pdf
    with open_pdf(pdf) as doc:
        assert len(doc.attachments) == 0
        assert "/EmbeddedFiles" not in doc.Root.get("/Names", {})


def test_unknown_format_is_refused() -> None:
    """Only markdown, html and pdf are formats of the note."""
    with pytest.raises(RenderError, match="'markdown', 'html' or 'pdf'"):
        render_note(plan_for("calf-cramp"), format="docx")  # type: ignore[call-overload]


def test_md_inline_escapes_and_flattens() -> None:
    """Inline values lose their line breaks and every Markdown-significant character."""
    assert md_inline("a\n# b\r\n- c\u2028[d](e)") == r"a \# b - c \[d\](e)"
    assert md_inline(r"x\*y*`z`<b>&|~_") == r"x\\\*y\*\`z\`\<b\>\&\|\~\_"
    assert md_inline("Máire O'Brien, L4/5 (MRI 2026-10)") == "Máire O'Brien, L4/5 (MRI 2026-10)"


def test_md_fence_outlasts_any_backtick_run() -> None:
    """The fence is longer than any run of backticks inside, and at least three."""
    assert md_fence("plain") == "```text\nplain\n```"
    assert md_fence("a ```` b\r\nc") == "`````text\na ```` b\nc\n`````"


def test_autoescape_off_only_for_markdown_templates() -> None:
    """HTML templates and strings stay autoescaped; only *.md.j2 is not (handout unchanged)."""
    env = environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert env.autoescape("handout.html.j2") is True  # type: ignore[operator]
    assert env.autoescape("note.html.j2") is True  # type: ignore[operator]
    assert env.autoescape("note.md.j2") is False  # type: ignore[operator]
    html = render_handout(plan_for("calf-cramp"), format="html", clinic=Clinic(name="A & B"))
    assert "A &amp; B" in html
