"""The demo notebook runs top to bottom against the installed package, and is stored clean."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "demo.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    """No outputs or execution counts are committed (nothing volatile in the repository)."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


def test_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    """Every cell runs without error on a copy of the examples folder; the PDFs are saved."""
    pytest.importorskip("ipykernel")
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("notebook-output"))
    notebook = nbformat.read(work / "demo.ipynb", as_version=4)  # type: ignore[no-untyped-call]
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(work)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert errors == []
    saved = sorted(p.name for p in (work / "notebook-output").iterdir())
    assert {"handout.pdf", "note.pdf", "referral.pdf", "batch"} <= set(saved)
    images = [o for c in notebook.cells for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images, "page 1 of the PDF is shown as an image"
