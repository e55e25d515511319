"""The document commands through a subprocess: handout and demo write whole files or nothing."""

from __future__ import annotations

from pathlib import Path

import pypdf

from .test_cli import EXAMPLES, run

EXAMPLE = str(EXAMPLES / "disc-recurrent.json")


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
