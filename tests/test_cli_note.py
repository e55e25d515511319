"""`note` and `referral` through a subprocess: formats by suffix, whole files or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest

from .pdfcheck import text_of
from .test_cli import EXAMPLES, run

DISC = str(EXAMPLES / "disc-recurrent.json")
NO_REFERRAL = str(EXAMPLES / "acute-sudden-movement.json")


def test_note_markdown_to_stdout() -> None:
    """note FILE prints the Markdown note on standard output, nothing on standard error."""
    result = run("note", DISC)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Clinical note (SOAP)\n")
    assert "## Assessment\n" in result.stdout
    assert "- Patient: Máire Ní Bhriain\n" in result.stdout
    assert result.stderr == ""


def test_note_from_stdin_with_clinic() -> None:
    """FILE may be - (standard input); --clinic names the clinic in the header."""
    stdin = (EXAMPLES / "neck-posture.json").read_bytes()
    result = run("note", "-", "--clinic", str(EXAMPLES / "clinic.toml"), stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "- Clinic: Harbour Physiotherapy\n" in result.stdout
    assert "mobilisation-exercise" in result.stdout


@pytest.mark.parametrize(("suffix", "check"), [
    (".md", lambda data: data.startswith(b"# Clinical note (SOAP)\n")),
    (".html", lambda data: data.startswith(b"<!DOCTYPE html>") and b"<h2>Plan</h2>" in data),
    (".pdf", lambda data: data.startswith(b"%PDF-") and "Subjective" in text_of(data)),
])
def test_note_format_from_suffix(
    suffix: str, check: Callable[[bytes], bool], tmp_path: Path
) -> None:
    """note -o OUT picks Markdown, HTML or PDF from OUT's suffix and writes only that file."""
    out = tmp_path / f"note{suffix}"
    result = run("note", DISC, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert check(out.read_bytes())
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
    assert result.stdout == ""


def test_note_unknown_suffix_exits_2(tmp_path: Path) -> None:
    """note -o x.txt: exit 2, a message listing the allowed suffixes, no file, no traceback."""
    out = tmp_path / "x.txt"
    result = run("note", DISC, "-o", str(out))
    assert result.returncode == 2
    for allowed in (".md", ".html", ".pdf", "'.txt'"):
        assert allowed in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_note_bad_input_exits_2(tmp_path: Path) -> None:
    """Bad input: exit 2 naming the field path; nothing on standard output."""
    result = run("note", "-", stdin=b'{"schema_version": 1, "region": "knee"}')
    assert result.returncode == 2
    assert "$.region" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("example", "recipient"), [
    ("red-flag-cauda-equina", "Emergency Department"),
    ("neurological-ms", "Neurologist"),
    ("disc-recurrent", "General Practitioner (GP)"),
])
def test_referral_writes_the_letter(example: str, recipient: str, tmp_path: Path) -> None:
    """referral FILE -o OUT.pdf writes the letter addressed to the plan's recipient."""
    out = tmp_path / "letter.pdf"
    result = run("referral", str(EXAMPLES / f"{example}.json"), "-o", str(out),
                 "--clinic", str(EXAMPLES / "clinic.toml"))
    assert result.returncode == 0, result.stderr
    text = pypdf.PdfReader(out).pages[0].extract_text()
    assert recipient in text
    assert "Harbour Physiotherapy" in text
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]


def test_referral_html(tmp_path: Path) -> None:
    """--html writes the self-contained HTML letter."""
    out = tmp_path / "letter.html"
    result = run("referral", DISC, "-o", str(out), "--html")
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "Dear colleague," in html


@pytest.mark.hazard("HAZ-13")
@pytest.mark.hazard("HAZ-17")
def test_referral_without_a_referring_pathway_exits_2(tmp_path: Path) -> None:
    """No pathway refers: exit 2, the reason on standard error, no file, no traceback."""
    out = tmp_path / "letter.pdf"
    result = run("referral", NO_REFERRAL, "-o", str(out))
    assert result.returncode == 2
    assert "no referral letter" in result.stderr
    assert "acute-self-care" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_referral_needs_an_output(tmp_path: Path) -> None:
    """referral without -o is a usage error (exit 2)."""
    result = run("referral", DISC)
    assert result.returncode == 2
    assert "-o" in result.stderr
