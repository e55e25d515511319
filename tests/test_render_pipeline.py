"""One pipeline for every document: a custom knowledge base renders end to end, a template
that fails is a RenderError naming its file and line, and the bytes do not depend on the
process (time zone, locale, hash seed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import as_file, files
from pathlib import Path

import pypdf
import pytest

from physio_notes import (
    Clinic,
    KnowledgeBaseError,
    Presentation,
    RenderError,
    load_knowledge,
    render_handout,
    render_note,
    render_referral,
    select_pathways,
)
from physio_notes._batch import render_batch
from physio_notes.cli import main

from .conftest import EXAMPLES, example_dict, plan_for
from .pdfcheck import text_of

ROOT = Path(__file__).resolve().parent.parent


def _copy_knowledge(tmp_path: Path) -> Path:
    with as_file(files("physio_notes") / "knowledge") as bundled:
        shutil.copytree(bundled, tmp_path / "knowledge")
    return tmp_path / "knowledge"


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- a custom knowledge base, end to end --------------------------------------------------------


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled knowledge with changed words in every file the documents read."""
    folder = _copy_knowledge(tmp_path_factory.mktemp("kb"))
    _edit(folder, "rules.toml", 'version = "2026.11.0"', 'version = "clinic.7"')
    _edit(folder, "patient_text.toml", 'title = "Your muscle spasm plan"',
          'title = "Your Harbour back plan"')
    _edit(folder, "patient_text.toml", 'title = "Seeing your GP"', 'title = "Your doctor visit"')
    _edit(folder, "vocabulary.toml", 'lower_back = "lower back"', 'lower_back = "lumbar spine"')
    _edit(folder, "referrals.toml", 'address = ["The patient\'s General Practitioner (GP)"]',
          'address = ["Dr A. Family, Quay Street Surgery"]')
    _edit(folder, "referrals.toml", 'letter = "Routine (soon): please see at the next available '
          'appointment"', 'letter = "Routine: within four weeks"')
    _edit(folder, "clinician_text.toml", "Home care: a position of ease",
          "Harbour home care: a position of ease")
    _edit(folder, "exercises.toml", 'name = "Pelvic tilt"', 'name = "Harbour pelvic rock"')
    return folder


@pytest.mark.hazard("HAZ-09")
def test_custom_knowledge_plans_and_renders_every_document(custom: Path) -> None:
    """load_knowledge(str) of a changed copy: the plan, handout, note and letter all use it."""
    kb = load_knowledge(str(custom))
    presentation = Presentation.from_dict(example_dict("disc-recurrent"))
    plan = select_pathways(presentation, knowledge=kb)
    assert plan.knowledge is kb
    assert plan.knowledge_version == "clinic.7"
    handout = text_of(render_handout(plan))
    note = render_note(plan)
    letter = text_of(render_referral(plan))
    assert "Your Harbour back plan" in handout
    assert "Your doctor visit" in handout
    assert "Harbour pelvic rock" in handout
    assert "Your muscle spasm plan" not in handout
    assert "version clinic.7" in note
    assert "Region: lumbar spine" in note
    assert "Harbour pelvic rock" in note
    assert "Your Harbour back plan" in note
    assert "Dr A. Family, Quay Street Surgery" in letter
    assert "Routine: within four weeks" in letter
    assert "Harbour home care" in letter
    assert "lumbar spine" in letter


def test_knowledge_folder_may_be_a_path_or_traversable(custom: Path) -> None:
    """str, Path and Traversable all load; anything else is a clear error."""
    assert load_knowledge(custom).version == "clinic.7"
    assert load_knowledge(files("physio_notes") / "knowledge").version == "2026.11.0"
    with pytest.raises(KnowledgeBaseError, match="must be a path"):
        load_knowledge(5)  # type: ignore[arg-type]
    with pytest.raises(KnowledgeBaseError, match="is not a folder"):
        load_knowledge(str(custom / "missing"))


GAPS = [
    pytest.param("patient_text.toml", "[pathway.calf-stretch]", "[pathway.calf-stretching]",
                 r"patient_text\.toml: \[pathway\]: must have exactly the keys",
                 id="pathway-without-patient-text"),
    pytest.param("patient_text.toml",
                 'step = "When the cramp comes, stretch your calf gently."\n', "",
                 r"patient_text\.toml: \[pathway\.calf-stretch\]: missing keys \['step'\]",
                 id="pathway-text-without-step"),
    pytest.param("pathways.toml", 'exercises = "gentle"', 'exercises = "some"',
                 r"pathways\.toml: pathway #2 exercises: must be one of",
                 id="pathway-without-a-valid-role"),
    pytest.param("pathways.toml", 'referral = { to = "gp", urgency = "soon" }',
                 'referral = { to = "dentist", urgency = "soon" }',
                 r"pathways\.toml: pathway 'medical-review': refers to unknown recipient 'dentist'",
                 id="pathway-refers-to-nobody-known"),
    pytest.param("red_flags.toml", 'destination = "gp"', 'destination = "pharmacy"',
                 r"red_flags\.toml: red flag 'major_trauma' destination: must be one of",
                 id="red-flag-with-unknown-destination"),
    pytest.param("red_flags.toml", 'suspected = "spinal fracture"\n', "",
                 r"red_flags\.toml: red flag 'major_trauma': missing keys \['suspected'\]",
                 id="red-flag-without-suspected-condition"),
    pytest.param("exercises.toml", 'regions = ["lower_back", "mid_back"]',
                 'regions = ["lower_back", "elbow"]', r"exercises\.toml: exercise "
                 r"'position-of-ease': unknown regions value 'elbow'",
                 id="exercise-with-unknown-region"),
    pytest.param("exercises.toml", '"neurologist-referral", "medical-review"]',
                 '"neurologist-referral", "massage"]', r"exercise 'position-of-ease': unknown "
                 r"pathways value 'massage'", id="exercise-with-unknown-pathway"),
    pytest.param("clinician_text.toml", "[follow_up]\n", "[follow_ups]\n",
                 r"clinician_text\.toml: missing \[follow_up\]", id="clinician-text-missing"),
    pytest.param("referrals.toml", "[urgency.soon]", "[urgency.later]",
                 r"referrals\.toml: \[urgency\]: must have exactly the keys",
                 id="urgency-words-missing"),
]


@pytest.mark.hazard("HAZ-09")
@pytest.mark.parametrize(("name", "old", "new", "message"), GAPS)
def test_a_gap_in_the_knowledge_is_found_at_load_time(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    """What the documents will need is checked when the folder loads, naming file and key."""
    folder = _copy_knowledge(tmp_path)
    _edit(folder, name, old, new)
    with pytest.raises(KnowledgeBaseError, match=message):
        load_knowledge(folder)


# --- a template that fails ---------------------------------------------------------------------


@pytest.fixture
def failing_clinic(tmp_path: Path) -> Clinic:
    """A clinic whose handout template divides by zero on its third line."""
    (tmp_path / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}\n'
        "{% block disclaimer %}\n"
        "<p>{{ 1 // 0 }}</p>\n"
        "{% endblock %}\n",
        encoding="utf-8",
    )
    return Clinic(templates=tmp_path)


def test_a_failing_clinic_template_is_a_render_error_naming_file_and_line(
    failing_clinic: Clinic,
) -> None:
    """{{ 1 // 0 }} in a clinic template: RenderError naming the file and line, not a raw error."""
    with pytest.raises(RenderError) as caught:
        render_handout(plan_for("calf-cramp"), format="html", clinic=failing_clinic)
    message = str(caught.value)
    assert message.startswith("clinic template handout.html.j2, line 3 failed")
    assert "ZeroDivisionError" in message
    assert "\n" not in message


def test_a_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    """A clinic template that does not parse: RenderError with its file and line."""
    (tmp_path / "note.html.j2").write_text("<p>\n{% if %}\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"^clinic template note\.html\.j2, line 2 failed"):
        render_note(plan_for("calf-cramp"), format="html", clinic=Clinic(templates=tmp_path))


def test_cli_reports_a_failing_template_in_one_line(
    failing_clinic: Clinic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI exits 2 with that one line, and writes no file."""
    assert failing_clinic.templates is not None
    settings = tmp_path / "clinic.toml"
    settings.write_text(f'templates = "{failing_clinic.templates}"\n', encoding="utf-8")
    out = tmp_path / "out.pdf"
    status = main(["handout", str(EXAMPLES / "calf-cramp.json"), "-o", str(out),
                   "--clinic", str(settings)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "clinic template handout.html.j2, line 3 failed" in err
    assert not out.exists()


def test_batch_reports_a_failing_template_per_record_and_goes_on(
    failing_clinic: Clinic, tmp_path: Path
) -> None:
    """In a batch the failure is reported against each record; the batch finishes."""
    records = [json.dumps(example_dict(name)) for name in ("calf-cramp", "neck-posture")]
    summary = render_batch(records, tmp_path / "out", clinic=failing_clinic,
                           executor=ThreadPoolExecutor(1))
    assert [item.status for item in summary.items] == ["failed", "failed"]
    assert all("line 3 failed" in (item.error or "") for item in summary.items)


# --- one pipeline, same options ------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_handout, render_note, render_referral])
def test_every_document_takes_letter_paper(render: object) -> None:
    """page_size="Letter" gives US Letter pages for every document."""
    assert callable(render)
    pdf = render(plan_for("disc-recurrent"), format="pdf", page_size="Letter")
    reader = pypdf.PdfReader(__import__("io").BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


# --- the same bytes in any process ---------------------------------------------------------------

_RENDER = """
import hashlib, sys
from physio_notes import load_presentation, render_handout, render_note, render_referral
from physio_notes import select_pathways
plan = select_pathways(load_presentation(sys.argv[1]))
for data in (render_handout(plan), render_note(plan, format="pdf"), render_referral(plan),
             render_note(plan).encode()):
    print(hashlib.sha256(data).hexdigest())
"""


@pytest.mark.hazard("HAZ-15")
def test_bytes_do_not_depend_on_time_zone_locale_or_hash_seed() -> None:
    """Two fresh interpreters with different TZ, locale and PYTHONHASHSEED give the same bytes."""
    example = str(EXAMPLES / "disc-recurrent.json")
    digests = []
    for tz, locale, seed in (("UTC", "C.UTF-8", "0"), ("Pacific/Auckland", "C", "4242")):
        env = {**os.environ, "TZ": tz, "LC_ALL": locale, "LANG": locale, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", _RENDER, example], env=env, cwd=ROOT,
                                capture_output=True, text=True, check=True, timeout=300)
        digests.append(result.stdout.split())
    assert len(digests[0]) == 4
    assert digests[0] == digests[1]
