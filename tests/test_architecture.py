"""The layers read top-down, with no cycles; one vocabulary spells pathway ids; every document
is built once, as plain data, through one pipeline. See docs/architecture.md."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from physio_notes import Clinic, render_handout, render_note, render_referral
from physio_notes._common import plain_data_problem
from physio_notes._handout import HANDOUT
from physio_notes._note import NOTE
from physio_notes._referral import LETTER
from physio_notes._render import Assets, Document, clinic_data
from physio_notes._vocab import PathwayId

from .conftest import EXAMPLE_FILES, plan_for

PACKAGE = Path(__file__).resolve().parent.parent / "physio_notes"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

#: Each module's layer: a module may import only from its own layer or the ones below.
LAYERS = {
    "exceptions": 0, "_vocab": 0, "_paths": 0, "_convert": 0, "_limits": 0, "_images": 0,
    "_model": 1,
    "_datafile": 2, "_conditions": 2, "_exercises": 2, "_texts": 2, "_knowledge": 2,
    "_engine": 3, "_edit": 3,
    "_clinic": 4, "_common": 4, "_facts": 4, "_pdfua": 4, "_render": 4,
    "_handout": 4, "_note": 4, "_referral": 4,
    "_io": 5, "_schema": 5, "_batch": 5, "_fhir": 5,
    "cli": 6, "__main__": 6, "__init__": 6, "_service": 6,
}
DOCUMENTS = {"_handout", "_note", "_referral"}
#: Third-party modules that may be imported inside a function: WeasyPrint, so that
#: `import physio_notes` does not import it; uvicorn, in `physio-notes serve` only, so that the
#: command line works without the optional `serve` extra.
DEFERRED_OK = {"weasyprint", "uvicorn"}


def _modules() -> dict[str, Path]:
    """Dotted names relative to the package (``_fhir._read``, ``__init__``) -> files."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        found[".".join(parts)] = path
    return found


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """The package modules one ``from ... import ...`` names."""
    package = module.split(".")[:-1]  # the package a module (or an __init__) is in
    base = package[: len(package) - (node.level - 1)] if node.level else []
    target = [*base, *(node.module.split(".") if node.module else [])]
    if not node.level and (not node.module or not node.module.startswith("physio_notes")):
        return []
    if not node.level:
        target = target[1:]
    modules = _modules()
    out = []
    for alias in node.names:
        for candidate in (".".join([*target, alias.name]), ".".join(target)):
            for name in (candidate, f"{candidate}.__init__" if candidate else "__init__"):
                if name in modules:
                    out.append(name)
                    break
            else:
                continue
            break
    return out


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """Imports between package modules (anywhere in the file), and deferred imports."""
    edges: dict[str, set[str]] = {}
    deferred: list[tuple[str, str]] = []
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(map(id, tree.body))
        edges[module] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                edges[module].update(t for t in _resolve(module, node) if t != module)
                name = ("." * node.level) + (node.module or "")
            elif isinstance(node, ast.Import):
                edges[module].update(
                    a.name.removeprefix("physio_notes.") for a in node.names
                    if a.name.startswith("physio_notes."))
                name = node.names[0].name
            else:
                continue
            if id(node) not in top:
                deferred.append((module, name))
    return edges, deferred


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in a layer (and in docs/architecture.md)."""
    assert {m.split(".")[0] for m in _modules()} == set(LAYERS)


def test_imports_go_down_the_layers() -> None:
    """model → knowledge → engine → documents → interop → faces: never upwards."""
    edges, _ = _graph()
    upward = [(a, b) for a, targets in edges.items() for b in targets
              if _layer(b) > _layer(a) and not b.startswith(a.split(".")[0])]
    assert upward == []


def test_no_import_cycles() -> None:
    """No module reaches itself through imports, counting imports inside functions."""
    edges, _ = _graph()

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        return seen

    cycles = sorted(m for m in edges if m in reach(m) and m != "__init__")
    assert cycles == []


def test_documents_never_import_each_other() -> None:
    """The handout, the note and the letter share helpers, never each other."""
    edges, _ = _graph()
    for document in DOCUMENTS:
        assert not edges[document] & (DOCUMENTS - {document}), document


def test_only_weasyprint_is_imported_late() -> None:
    """Imports sit at the top of modules, except WeasyPrint's (kept out of the import)."""
    _, deferred = _graph()
    assert [d for d in deferred if d[1].split(".")[0] not in DEFERRED_OK] == []
    assert deferred, "html_to_pdf imports WeasyPrint when a PDF is asked for"


def test_only_the_vocabulary_spells_a_pathway_id() -> None:
    """No module but _vocab, and no template, writes a pathway id as a literal."""
    ids = re.compile("|".join(re.escape(p.value) for p in PathwayId))
    offenders = []
    for module, path in _modules().items():
        if module == "_vocab":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value if not _is_docstring_like(node.value) else ""
                if ids.search(text):
                    offenders.append((module, node.value[:60]))
    for template in TEMPLATES.glob("*.j2"):
        if ids.search(template.read_text(encoding="utf-8")):
            offenders.append((template.name, "pathway id"))
    assert offenders == []


def _is_docstring_like(text: str) -> bool:
    """Prose (docstrings, messages naming examples) rather than an id used as a key."""
    return " " in text.strip()


CONTENT_CASES = [
    pytest.param(document, example.stem, id=f"{document.template}-{example.stem}")
    for document in (HANDOUT, NOTE, LETTER)
    for example in EXAMPLE_FILES
    if document is not LETTER or plan_for(example.stem).referral is not None
]


@pytest.mark.parametrize(("document", "example"), CONTENT_CASES)
def test_document_content_is_plain_data(document: Document, example: str) -> None:
    """Templates receive only text, numbers, lists and mappings: no paths, no objects."""
    content = document.build(plan_for(example), clinic_data(Clinic()), Assets())
    assert plain_data_problem(content) is None


def test_plain_data_check_finds_objects() -> None:
    """The check names where a path or an object with methods hides in the content."""
    assert plain_data_problem({"a": [1, {"b": Path("/etc")}]}) == (
        "context.a[1].b is a PosixPath, not plain data")
    assert plain_data_problem({"f": len}) is not None
    assert plain_data_problem({1: "x"}) is not None


def test_renderers_take_the_same_keywords() -> None:
    """Every renderer takes (plan, *, format, page_size, clinic); the letter also takes the
    named recipient."""
    for render in (render_handout, render_note, render_referral):
        parameters = inspect.signature(render).parameters
        assert list(parameters)[:4] == ["plan", "format", "page_size", "clinic"], render
        assert all(p.kind is p.KEYWORD_ONLY for n, p in parameters.items() if n != "plan")
    assert list(inspect.signature(render_referral).parameters)[4:] == ["recipient"]
