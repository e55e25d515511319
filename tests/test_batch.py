"""Batch rendering: one handout per good record, bad records reported by line, any Executor."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdf
import pytest

from physio_notes._batch import BatchItem, render_batch

from .conftest import EXAMPLE_FILES


def _records() -> list[str]:
    good = [json.dumps(json.loads(f.read_text(encoding="utf-8"))) for f in EXAMPLE_FILES[:3]]
    return [
        good[0] + "\n",
        '{"schema_version": 1, "region": "knee"}\n',   # line 2: bad value
        "\n",                                           # line 3: blank, ignored
        good[1] + "\n",
        "not json\n",                                   # line 5: not JSON
        good[2] + "\n",
    ]


@pytest.mark.hazard("HAZ-10")
def test_good_records_render_and_bad_ones_are_reported(tmp_path: Path) -> None:
    """Exactly one PDF per good record; each bad record is named by line with its problem."""
    summary = render_batch(_records(), tmp_path, executor=ThreadPoolExecutor(2))
    assert [(i.line, i.status) for i in summary.items] == [
        (1, "written"), (2, "failed"), (4, "written"), (5, "failed"), (6, "written"),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "record-00001-handout.pdf", "record-00004-handout.pdf", "record-00006-handout.pdf",
    ]
    failed = {i.line: i.error for i in summary.items if i.status == "failed"}
    assert "$.region" in (failed[2] or "")
    assert "not valid JSON" in (failed[5] or "")
    assert not summary.ok
    for item in summary.items:
        for path in item.outputs:
            assert "Your muscle spasm plan" in pypdf.PdfReader(path).pages[0].extract_text()


@pytest.mark.hazard("HAZ-13")
def test_existing_outputs_are_skipped_unless_forced(tmp_path: Path) -> None:
    """A second run skips what exists; force renders again."""
    records = _records()[:1]
    first = render_batch(records, tmp_path, executor=ThreadPoolExecutor(1))
    assert [i.status for i in first.items] == ["written"]
    target = tmp_path / "record-00001-handout.pdf"
    target.write_bytes(b"kept")
    assert [i.status for i in render_batch(records, tmp_path).items] == ["skipped"]
    assert target.read_bytes() == b"kept"
    assert [i.status for i in render_batch(records, tmp_path, force=True,
                                           executor=ThreadPoolExecutor(1)).items] == ["written"]
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.hazard("HAZ-13")
def test_process_pool_and_progress(tmp_path: Path) -> None:
    """The default process pool renders; progress is called once per record, counting up."""
    seen: list[tuple[int, int, int]] = []

    def progress(item: BatchItem, done: int, total: int) -> None:
        seen.append((item.line, done, total))

    summary = render_batch(_records(), tmp_path, workers=2, progress=progress)
    assert summary.count("written") == 3
    assert summary.count("failed") == 2
    assert sorted(done for _, done, _ in seen) == [1, 2, 3, 4, 5]
    assert {total for _, _, total in seen} == {5}
    assert not list(tmp_path.glob("*.part"))
