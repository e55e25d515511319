"""How the documents look on paper: only bundled fonts, a body map that says and shades the
side, an exercise diary, and a large-print option with the same content."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pikepdf
import pypdf
import pytest

from physio_notes import (
    CarePlan,
    Clinic,
    Presentation,
    render_handout,
    render_note,
    render_referral,
    select_pathways,
)
from physio_notes._handout import HANDOUT, body_map_svg
from physio_notes._paths import examples_dir, templates_dir
from physio_notes._render import FONT_FAMILY, document_html

from .conftest import EXAMPLE_FILES, plan_for
from .pagefill import HEADINGS, Page, page_fill
from .pdfcheck import DEMO_CLINIC, example_handout, page_texts, text_of

EXAMPLES = [f.stem for f in EXAMPLE_FILES]
BUNDLED = re.compile(r"^/[A-Z]{6}\+Atkinson-Hyperlegible(-Bold|-Italic|-BoldItalic)?$")


def fonts_of(pdf: bytes) -> set[str]:
    """The base names of every font a PDF uses."""
    found = set()
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
                found.add(str(obj.get("/BaseFont")))
    return found


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_document_uses_only_the_bundled_font(name: str) -> None:
    """Handout, note and letter (with the example clinic's logo) name no font but the
    bundled Atkinson Hyperlegible: the output does not depend on the machine's fonts."""
    plan = plan_for(name)
    clinic = Clinic.from_toml(examples_dir() / "clinic.toml")
    documents = [render_handout(plan, clinic=clinic),
                 render_note(plan, format="pdf", clinic=clinic)]
    if plan.referral is not None:
        documents.append(render_referral(plan, clinic=clinic))
    for pdf in documents:
        fonts = fonts_of(pdf)
        assert fonts, "the PDF has text"
        assert all(BUNDLED.match(font) for font in fonts), fonts
    assert FONT_FAMILY == "Atkinson Hyperlegible"


@pytest.mark.parametrize(("region", "side", "shaded"), [
    ("calves", "left", "#region-calves .side-left"),
    ("lower_back", "right", "#region-lower_back .side-right"),
    ("neck", "both", "#region-neck,"),
    ("hands", None, "#region-hands,"),
])
def test_the_body_map_shades_the_side(region: str, side: str | None, shaded: str) -> None:
    """One side of the region is shaded for left or right; all of it otherwise."""
    svg = body_map_svg(region, "#1d5b79", side)
    assert shaded in svg
    root = ET.fromstring(svg)
    group = root.find(f".//{{http://www.w3.org/2000/svg}}g[@id='region-{region}']")
    assert group is not None
    classes = {child.get("class") for child in group}
    assert classes == {"side-left", "side-right"}


def test_body_map_labels_are_at_least_9pt_on_the_page() -> None:
    """The Front and Back labels print at 9 pt or more at the body map's printed width."""
    svg = (templates_dir() / "img" / "body-map.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    view_width = float(root.get("viewBox", "0 0 1 1").split()[2])
    css = (templates_dir() / "css" / "handout.css").read_text(encoding="utf-8")
    width_mm = float(re.search(r"\.body-map img \{ width: ([\d.]+)mm", css).group(1))  # type: ignore[union-attr]
    sizes = [float(t.get("font-size", "0")) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert sizes
    for size in sizes:
        points = size * width_mm / view_width / 25.4 * 72
        assert points >= 9, points


def test_the_body_map_has_a_caption_in_words() -> None:
    """"The shaded area shows where your spasm is: your left calf."""
    text = " ".join(text_of(example_handout("calf-cramp")).split())
    assert "The shaded area shows where your spasm is: your left calf." in text


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_exercise_plan_ends_with_a_diary(name: str) -> None:
    """A week grid of the patient's exercises with a 0-10 pain line, whole on the last page
    (after the content when it fits, else on a page of its own); none without exercises."""
    plan = plan_for(name)
    pages = page_texts(example_handout(name))
    diary = [p for p in pages if "My exercise diary" in p]
    if not plan.exercises:
        assert diary == []
        return
    assert len(diary) == 1
    assert diary[0] is pages[-1], "the diary is on the last page"
    flat = " ".join(diary[0].split())
    flat = flat[flat.index("My exercise diary"):]
    for exercise in plan.exercises:
        assert exercise.name in flat
    assert "My pain today (0 to 10)" in flat
    assert all(f"Day {n}" in flat for n in range(1, 8))


def test_large_print_says_the_same_in_bigger_type() -> None:
    """large_print=True: 16 pt body text, the same words, still tagged."""
    plan = plan_for("disc-recurrent")
    normal = render_handout(plan, clinic=DEMO_CLINIC)
    large = render_handout(plan, clinic=DEMO_CLINIC, large_print=True)
    assert "font-size: 16pt" in render_handout(plan, format="html", large_print=True)

    def words(pdf: bytes) -> list[str]:
        text = re.sub(r"Page \d+ of \d+", "", text_of(pdf))
        return [w for w in text.split() if not re.fullmatch(r"[•\d.]+", w)]

    assert set(words(large)) == set(words(normal))  # footers repeat per page: compare sets
    assert len(page_texts(large)) > len(page_texts(normal))
    with pikepdf.open(io.BytesIO(large)) as doc:
        assert "/StructTreeRoot" in doc.Root


def split_pagination(pdf: bytes) -> list[tuple[str, str]]:
    """Per page: (text inside /Artifact /Pagination sequences, all other text)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [_split_page(page) for page in reader.pages]


def _split_page(page: Any) -> tuple[str, str]:
    stack: list[bool] = []
    chunks: dict[bool, list[str]] = {True: [], False: []}

    def before(op: bytes, args: list[Any], *_: Any) -> None:
        if op in (b"BDC", b"BMC"):
            props = args[1] if op == b"BDC" else {}
            stack.append(args[0] == "/Artifact" and props.get("/Type") == "/Pagination")
        elif op == b"EMC":
            stack.pop()

    def text(t: str, *_: Any) -> None:
        chunks[any(stack)].append(t)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return (" ".join("".join(chunks[True]).split()), " ".join("".join(chunks[False]).split()))


def orphan_mcids(pdf: bytes) -> list[tuple[int, int]]:
    """(page, MCID) of every marked-content id the structure tree does not reach."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        reachable: set[tuple[int, int]] = set()
        todo: list[Any] = list(doc.Root.StructTreeRoot.K)
        while todo:
            node = todo.pop()
            if isinstance(node, pikepdf.Dictionary) and node.get("/Type") == "/StructElem":
                reachable.add(node.objgen)
                kids: Any = node.get("/K", [])
                todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
        nums = doc.Root.StructTreeRoot.ParentTree.Nums
        found = []
        for key, value in zip(list(nums)[::2], list(nums)[1::2], strict=True):
            if isinstance(value, pikepdf.Array):
                found += [(int(key), mcid) for mcid, element in enumerate(value)
                          if element is not None and element.objgen not in reachable]
        return found


@pytest.mark.parametrize("render", ["handout", "note", "referral"])
def test_running_footers_and_page_numbers_are_artifacts(render: str) -> None:
    """PDF/UA-1 7.8: the running footer and "Page X of Y" are /Artifact /Pagination on every
    page, so a screen reader skips them; all other text is tagged content the structure tree
    reaches (no orphan marked content)."""
    plan = plan_for("disc-recurrent")
    clinic = Clinic.from_toml(examples_dir() / "clinic.toml")
    pdf = {"handout": lambda: render_handout(plan, clinic=clinic),
           "note": lambda: render_note(plan, format="pdf", clinic=clinic),
           "referral": lambda: render_referral(plan, clinic=clinic)}[render]()
    pages = split_pagination(pdf)
    assert len(pages) > 1
    footers = set()
    for number, (artifacts, content) in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in artifacts
        footer = artifacts.replace(f"Page {number} of {len(pages)}", "").strip()
        assert len(footer) > 10, "the running footer is an artifact too"
        assert footer not in content
        assert not re.search(r"Page \d+ of \d+", content)
        footers.add(footer)
    assert len(footers) == 1, footers
    assert orphan_mcids(pdf) == []


def test_an_untagged_pdf_passes_the_finisher_untouched() -> None:
    """The finisher leaves a PDF with no structure tree as it was."""
    from physio_notes._pdfua import mark_running_artifacts

    class Pdf:
        def __init__(self) -> None:
            self.catalog: dict[str, object] = {"Type": "/Catalog"}
            self.objects: list[object] = []

    pdf = Pdf()
    mark_running_artifacts(None, pdf)
    assert pdf.catalog == {"Type": "/Catalog"}
    assert pdf.objects == []


def laid_out(name: str, size: str) -> list[Page]:
    """The demo handout of an example, laid out on ``size`` paper."""
    return _lay_out(plan_for(name), size)


def _lay_out(plan: CarePlan, size: str) -> list[Page]:
    """A plan's handout laid out on ``size`` paper with the demo clinic."""
    html, assets = document_html(HANDOUT, plan, page_size=size, clinic=DEMO_CLINIC,
                                 for_pdf=True)
    return page_fill(html, assets)


def _check_fill(pages: list[Page], own_page: int | None) -> None:
    """Every page but the last, and the one before a diary on a page of its own, is at least
    70 % full; no heading ends a page."""
    exempt = {len(pages) - 1} | ({own_page - 1} if own_page is not None else set())
    for number, page in enumerate(pages):
        if number not in exempt:
            assert page.fill >= 0.70, (number + 1, [round(p.fill, 2) for p in pages])
        if number != len(pages) - 1:
            assert page.last_tag not in HEADINGS, (number + 1, page.last_text)


def _diary_page(pages: list[Page]) -> tuple[int, bool]:
    """The index of the page the diary is on, and whether it starts that page."""
    (index,) = [i for i, p in enumerate(pages) if "My exercise diary" in p.text]
    return index, pages[index].text.startswith("My exercise diary")


@pytest.mark.parametrize("size", ["A4", "Letter"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_a_handout_prints_compactly(name: str, size: str) -> None:
    """An emergency sheet is 1 page, an urgent one at most 2, an exercise handout at most 3,
    diary included (on the last page, whole). Every page but the last is at least 70 % full;
    no heading ends a page."""
    plan = plan_for(name)
    pages = laid_out(name, size)
    if plan.urgency == "emergency":
        assert len(pages) == 1
    elif plan.urgency == "urgent":
        assert len(pages) <= 2
    if plan.exercises:
        assert len(pages) <= 3, [round(p.fill, 2) for p in pages]
        assert _diary_page(pages)[0] == len(pages) - 1
    _check_fill(pages, None)


#: The busiest routine plans the rules make: 3 or 4 pathways, severe pain (the medicine box),
#: stress, a plain diagnosis, 4 exercises.
BUSIEST = {
    "lower-back-4-pathways": {
        "region": "lower_back", "side": "left", "spasm_type": "secondary",
        "causes": ["disc_disorder", "sudden_movement", "tight_joint_or_muscle"],
        "symptoms": ["severe_pain", "stress"], "pain_score": 8, "recurrent": True,
        "duration": "hours", "plain_diagnosis": "a bulging disc in your lower back"},
    "neck-3-pathways": {
        "region": "neck", "side": "right", "spasm_type": "primary",
        "causes": ["overuse_posture", "tight_joint_or_muscle", "sudden_movement"],
        "symptoms": ["severe_pain", "stress"], "pain_score": 8, "recurrent": True},
}


@pytest.mark.parametrize("size", ["A4", "Letter"])
@pytest.mark.parametrize("case", sorted(BUSIEST))
def test_the_busiest_plans_keep_to_four_pages(case: str, size: str) -> None:
    """The most a routine plan can say takes 4 pages at most, the diary whole on the last.
    On A4 its content fits 3 pages and the diary has a page of its own (the page before it
    may be less full); on Letter, 18 mm shorter a page, the content may reach page 4."""
    plan = select_pathways(Presentation.from_dict(
        {"schema_version": 1, "date": "2026-11-24", "red_flags": [], **BUSIEST[case]}))
    assert len(plan.pathways) >= 3
    assert len(plan.exercises) == 4
    assert plan.urgency is None
    pages = _lay_out(plan, size)
    index, own_page = _diary_page(pages)
    assert index == len(pages) - 1
    assert len(pages) <= 4, [round(p.fill, 2) for p in pages]
    if size == "A4":
        assert index + (0 if own_page else 1) <= 3, [round(p.fill, 2) for p in pages]
    _check_fill(pages, index if own_page else None)


@pytest.mark.parametrize("name", [n for n in EXAMPLES if plan_for(n).urgency is None])
def test_your_plan_says_which_page_the_warning_signs_are_on(name: str) -> None:
    """Page 1 says "It starts on page N." with N on the same line, and N is the page where
    "When to get help" starts; the link to it prints (annotation Print flag), so paper and
    screen agree."""
    pdf = example_handout(name)
    pages = page_texts(pdf)
    said = re.search(r"It starts on page (\d+)\.", pages[0])
    assert said is not None, "the page number is on the line that asks for it"
    heading = [i + 1 for i, text in enumerate(pages)
               if re.search(r"^When to get help\s*$", text, re.MULTILINE)]
    assert heading
    assert int(said.group(1)) == heading[0]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        annotations = [a for page in doc.pages for a in page.get("/Annots", [])]
        assert annotations, "the page reference is a link"
        assert all(int(a.get("/F", 0)) & 4 for a in annotations)
