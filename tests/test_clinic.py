"""Clinic branding: settings from TOML, logo, colour, and sandboxed template overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from physio_notes import Clinic, ClinicError, RenderError, render_handout

from .conftest import EXAMPLES, plan_for
from .pdfcheck import checked, open_pdf, text_of


@pytest.mark.hazard("HAZ-14")
def test_example_clinic_loads_with_paths_relative_to_the_file() -> None:
    """examples/clinic.toml: every field read, the logo path resolved beside the file."""
    clinic = Clinic.from_toml(EXAMPLES / "clinic.toml")
    assert clinic.name == "Harbour Physiotherapy"
    assert clinic.emergency_number == "112 or 999"
    assert clinic.logo == (EXAMPLES / "clinic-logo.svg").resolve()
    assert clinic.logo_media_type == "image/svg+xml"


@pytest.mark.hazard("HAZ-12")
@pytest.mark.parametrize(
    ("toml", "message"),
    [
        pytest.param('nmae = "x"\n', "unknown keys ['nmae']", id="unknown-key"),
        pytest.param('accent_colour = "blue"\n', "accent_colour", id="bad-colour"),
        pytest.param('logo = "missing.png"\n', "does not exist", id="missing-logo"),
        pytest.param('logo = "logo.gif"\n', "logo must be", id="logo-type"),
        pytest.param('templates = "nowhere"\n', "existing folder", id="missing-templates"),
        pytest.param("name = \n", "cannot be read", id="bad-toml"),
        pytest.param('name = "' + "x" * 400 + '"\n', "at most 300", id="long-name"),
    ],
)
def test_bad_clinic_settings_are_refused(tmp_path: Path, toml: str, message: str) -> None:
    """Bad clinic settings raise a ClinicError naming the file and what is wrong."""
    path = tmp_path / "clinic.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ClinicError) as caught:
        Clinic.from_toml(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_logo_is_embedded_in_the_pdf() -> None:
    """The clinic's logo is drawn in the handout (an image or form XObject on page 1)."""
    clinic = Clinic.from_toml(EXAMPLES / "clinic.toml")
    pdf = checked(lambda: render_handout(plan_for("calf-cramp"), clinic=clinic))
    with open_pdf(pdf) as doc:
        names = list(doc.pages[0].Resources.get("/XObject", {}).keys())
    assert len(names) >= 2  # the logo and the body map, at least


@pytest.mark.hazard("HAZ-16")
def test_clinic_template_overrides_a_block(tmp_path: Path) -> None:
    """A clinic folder can extend the bundled handout and replace one block."""
    (tmp_path / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}'
        "{% block disclaimer %}<p>Harbour house rules: {{ clinic.name }}.</p>{% endblock %}",
        encoding="utf-8",
    )
    clinic = Clinic(name="Harbour <Physio>", templates=tmp_path)
    pdf = checked(lambda: render_handout(plan_for("calf-cramp"), clinic=clinic))
    text = text_of(pdf)
    assert "Harbour house rules: Harbour <Physio>." in text
    assert "does not replace advice" not in text
    assert "Your plan" in text


@pytest.mark.hazard("HAZ-11")
@pytest.mark.hazard("HAZ-16")
def test_clinic_templates_run_sandboxed(tmp_path: Path) -> None:
    """A clinic template cannot reach Python internals: the sandbox stops it."""
    (tmp_path / "handout.html.j2").write_text(
        "{{ clinic.__class__.__init__.__globals__ }}", encoding="utf-8"
    )
    with pytest.raises(RenderError, match="handout"):
        render_handout(plan_for("calf-cramp"), format="html", clinic=Clinic(templates=tmp_path))


@pytest.mark.hazard("HAZ-11")
def test_clinic_templates_autoescape(tmp_path: Path) -> None:
    """Clinic templates escape what they print, like the bundled ones."""
    (tmp_path / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}'
        "{% block disclaimer %}<p id=x>{{ clinic.name }}</p>{% endblock %}",
        encoding="utf-8",
    )
    clinic = Clinic(name="<script>alert(1)</script>", templates=tmp_path)
    html = render_handout(plan_for("calf-cramp"), format="html", clinic=clinic)
    assert "<p id=x>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
