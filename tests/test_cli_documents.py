"""The document commands through a subprocess: handout and demo write whole files or nothing."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from .test_cli import EXAMPLES, run

EXAMPLE = str(EXAMPLES / "disc-recurrent.json")


@pytest.mark.hazard("HAZ-13")
def test_handout_writes_a_pdf(tmp_path: Path) -> None:
    """handout FILE -o OUT.pdf writes the patient's PDF and nothing else."""
    out = tmp_path / "out.pdf"
    result = run("handout", EXAMPLE, "-o", str(out))
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out)
    assert "Your muscle spasm plan" in reader.pages[0].extract_text()
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]
    assert out.stat().st_mode & 0o777 == 0o644


def test_handout_html_letter_and_clinic(tmp_path: Path) -> None:
    """--html, --page-size Letter and --clinic are honoured."""
    html = tmp_path / "out.html"
    result = run("handout", EXAMPLE, "-o", str(html), "--html",
                 "--clinic", str(EXAMPLES / "clinic.toml"))
    assert result.returncode == 0, result.stderr
    assert "Harbour Physiotherapy" in html.read_text(encoding="utf-8")
    pdf = tmp_path / "letter.pdf"
    assert run("handout", EXAMPLE, "-o", str(pdf), "--page-size", "Letter").returncode == 0
    assert [round(float(v)) for v in pypdf.PdfReader(pdf).pages[0].mediabox] == [0, 0, 612, 792]


@pytest.mark.hazard("HAZ-13")
def test_handout_bad_input_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    """Bad input: exit 2 with the field path; the existing output is untouched, no temp files."""
    out = tmp_path / "out.pdf"
    out.write_bytes(b"previous handout")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1, "region": "knee"}', encoding="utf-8")
    result = run("handout", str(bad), "-o", str(out))
    assert result.returncode == 2
    assert "$.region" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes() == b"previous handout"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "out.pdf"]


@pytest.mark.hazard("HAZ-13")
def test_handout_bad_clinic_exits_2(tmp_path: Path) -> None:
    """A broken clinic file: exit 2, a message naming the file, no output."""
    clinic = tmp_path / "clinic.toml"
    clinic.write_text('accent_colour = "red"\n', encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = run("handout", EXAMPLE, "-o", str(out), "--clinic", str(clinic))
    assert result.returncode == 2
    assert "accent_colour" in result.stderr
    assert str(clinic) in result.stderr
    assert not out.exists()


def test_demo_renders_every_example(tmp_path: Path) -> None:
    """demo renders one handout per bundled example, with no input, and says what it wrote."""
    out = tmp_path / "demo"
    result = run("demo", "-o", str(out))
    assert result.returncode == 0, result.stderr
    examples = sorted(EXAMPLES.glob("*.json"))
    written = sorted(out.glob("*-handout.pdf"))
    assert len(examples) >= 6
    assert [p.name for p in written] == [f"{e.stem}-handout.pdf" for e in examples]
    assert result.stdout.count(str(out)) == len(examples)


def test_demo_also_writes_notes_and_referral_letters(tmp_path: Path) -> None:
    """demo writes a SOAP note for every example and a letter exactly where the plan refers."""
    from physio_notes import load_presentation, select_pathways

    out = tmp_path / "demo"
    assert run("demo", "-o", str(out)).returncode == 0
    for example in sorted(EXAMPLES.glob("*.json")):
        assert (out / f"{example.stem}-note.pdf").is_file()
        refers = bool(select_pathways(load_presentation(example)).referrals)
        assert (out / f"{example.stem}-referral.pdf").is_file() == refers


def test_plan_reads_a_fhir_bundle_and_writes_one(tmp_path: Path) -> None:
    """plan --fhir reads a FHIR R4 Bundle; --fhir-out writes the plan as a Bundle."""
    import json

    bundle = EXAMPLES / "fhir" / "disc-recurrent.json"
    out = tmp_path / "plan-bundle.json"
    result = run("plan", str(bundle), "--fhir", "--json", "--fhir-out", str(out))
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [p["id"] for p in plan["pathways"]] == ["medical-review", "disc-core-pilates"]
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["resourceType"] == "Bundle"
    types = [e["resource"]["resourceType"] for e in written["entry"]]
    assert "CarePlan" in types


def test_handout_and_note_accept_fhir(tmp_path: Path) -> None:
    """handout and note read a FHIR Bundle with --fhir; a broken Bundle exits 2 with a pointer."""
    bundle = str(EXAMPLES / "fhir" / "red-flag-cauda-equina.json")
    pdf = tmp_path / "h.pdf"
    assert run("handout", bundle, "--fhir", "-o", str(pdf)).returncode == 0
    assert "Get help now" in pypdf.PdfReader(pdf).pages[0].extract_text()
    note = run("note", bundle, "--fhir")
    assert note.returncode == 0
    assert "POSITIVE" in note.stdout.upper()
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "type": "collection", "entry": '
                   '[{"resource": {"resourceType": "Medication"}}]}', encoding="utf-8")
    result = run("plan", str(bad), "--fhir")
    assert result.returncode == 2
    assert "/entry/0" in result.stderr
    assert "Traceback" not in result.stderr


def test_batch_command_reports_bad_lines_and_renders_good_ones(tmp_path: Path) -> None:
    """batch: one PDF per good record, each bad record by line number, exit 2, a summary."""
    import json

    good = json.dumps(json.loads((EXAMPLES / "calf-cramp.json").read_text(encoding="utf-8")))
    source = tmp_path / "in.jsonl"
    source.write_text(f'{good}\n{{"schema_version": 1}}\n{good}\n', encoding="utf-8")
    out = tmp_path / "out"
    result = run("batch", str(source), "-o", str(out), "--workers", "2", "--notes")
    assert result.returncode == 2
    assert "line 2: invalid presentation" in result.stderr
    assert "$.region" in result.stderr
    assert "batch: 2 rendered, 0 skipped" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "record-00001-handout.pdf", "record-00001-note.pdf",
        "record-00003-handout.pdf", "record-00003-note.pdf",
    ]
    again = run("batch", str(source), "-o", str(out), "--notes")
    assert "0 rendered, 2 skipped" in again.stderr


def test_batch_missing_input_exits_2(tmp_path: Path) -> None:
    """batch with an unreadable input file: exit 2, a message, no traceback."""
    result = run("batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr
