"""The documentation: the site builds strictly, generated pages are current, the examples run,
and the hazard log agrees with the tests that verify it."""

from __future__ import annotations

import ast
import doctest
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TESTS = ROOT / "tests"
HAZARD_LOG = DOCS / "safety" / "hazard-log.md"
PAGES = sorted(DOCS.rglob("*.md"))

NODE_ID = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
HAZARD_ROW = re.compile(r"^\| (HAZ-\d\d) \|")


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mkdocs_build_is_strict_clean(tmp_path: Path) -> None:
    """`mkdocs build --strict` succeeds: no broken link, missing page or API reference."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml",
         "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "safety" / "hazard-log" / "index.html").is_file()


@pytest.mark.hazard("HAZ-09")
def test_rule_reference_is_up_to_date() -> None:
    """docs/rules.md is what docs/gen_rules.py makes from the knowledge base today."""
    expected = _load(DOCS / "gen_rules.py").render_rules()
    assert (DOCS / "rules.md").read_text(encoding="utf-8") == expected, (
        "run: .venv/bin/python docs/gen_rules.py"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_doc_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `>>>` example in the page runs and prints what the page says (from the repo root)."""
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(
        str(page), module_relative=False, encoding="utf-8", report=True,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
    )
    assert result.failed == 0


def _hazard_rows() -> dict[str, list[tuple[str, str]]]:
    """Hazard id -> the (test file, test name) node ids its row lists."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for line in HAZARD_LOG.read_text(encoding="utf-8").splitlines():
        match = HAZARD_ROW.match(line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} is listed twice"
            rows[match.group(1)] = NODE_ID.findall(line)
    return rows


def _hazard_markers(path: Path) -> dict[str, set[str]]:
    """Test function name -> the ids of its @pytest.mark.hazard("...") decorators."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            ids = found.setdefault(node.name, set())
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call)
                        and ast.unparse(decorator.func) == "pytest.mark.hazard"
                        and decorator.args and isinstance(decorator.args[0], ast.Constant)):
                    ids.add(str(decorator.args[0].value))
    return found


def test_hazard_log_lists_existing_marked_tests() -> None:
    """Every hazard lists tests that exist and carry @pytest.mark.hazard with that hazard's id."""
    rows = _hazard_rows()
    assert list(rows) == [f"HAZ-{n:02d}" for n in range(1, len(rows) + 1)]
    for hazard, node_ids in rows.items():
        assert node_ids, f"{hazard} names no test"
        for file, name in node_ids:
            path = ROOT / file
            assert path.is_file(), f"{hazard}: {file} does not exist"
            markers = _hazard_markers(path)
            assert name in markers, f"{hazard}: {file} defines no test {name}"
            assert hazard in markers[name], (
                f'{file}::{name} needs @pytest.mark.hazard("{hazard}")'
            )


def test_every_hazard_marker_is_in_the_log() -> None:
    """Every @pytest.mark.hazard in the tests names a hazard of the log that lists that test."""
    rows = _hazard_rows()
    for path in sorted(TESTS.glob("test_*.py")):
        for name, hazards in _hazard_markers(path).items():
            for hazard in hazards:
                assert hazard in rows, f"{path.name}::{name}: {hazard} is not in the hazard log"
                assert (f"tests/{path.name}", name) in rows[hazard], (
                    f"{hazard} does not list tests/{path.name}::{name}"
                )


_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
CODE_PAGES = [ROOT / "README.md", *PAGES]


@pytest.mark.parametrize("page", CODE_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(
    page: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every ```python block of the README and the docs runs, in order, from the repo root
    (except a block whose first line says why it is not run: a signature, an outside cluster)."""
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    blocks = _PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))
    for number, block in enumerate(blocks, 1):
        if block.startswith("# not run: "):
            continue
        try:
            exec(compile(block, f"{page.name} block {number}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{page.name}, python block {number}: {type(exc).__name__}: {exc}")
    capsys.readouterr()
