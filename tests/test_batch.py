"""Batch rendering: every record stands alone, files named safely from the patient id, a
manifest that lets a re-run skip unchanged records without ever mixing patients."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from physio_notes import Clinic
from physio_notes import _batch as batch_module
from physio_notes._batch import (
    MANIFEST,
    STEM_MAX,
    BatchItem,
    _hash_context,
    _read_records,
    render_batch,
    safe_stem,
)
from physio_notes.cli import main

from .conftest import EXAMPLE_FILES

SAFE_STEM = rf"[A-Za-z0-9_-]{{1,{STEM_MAX}}}"
SAFE_NAME = re.compile(SAFE_STEM + r"(-[0-9]+)?-(handout|note)\.pdf")


def _records() -> list[str]:
    good = [json.dumps(json.loads(f.read_text(encoding="utf-8"))) for f in EXAMPLE_FILES[:3]]
    return [
        good[0] + "\n",                                 # line 1: patient CL-11872
        '{"schema_version": 1, "region": "knee"}\n',   # line 2: bad value
        "\n",                                           # line 3: blank, ignored
        good[1] + "\n",                                 # line 4: no patient id
        "not json\n",                                   # line 5: not JSON
        good[2] + "\n",                                 # line 6: patient CL-20931
    ]


def _record(name: str, patient_id: str | None = None, **fields: Any) -> str:
    """A small valid presentation for a named patient, as one JSON line."""
    patient: dict[str, str] = {"name": name}
    if patient_id is not None:
        patient["id"] = patient_id
    data = {"schema_version": 1, "patient": patient, "date": "2026-11-24", "region": "calves",
            "causes": ["overstretching"], "red_flags": [], **fields}
    return json.dumps(data, ensure_ascii=False)


def _threads(records: list[str] | list[bytes], out: Path, **options: Any) -> Any:
    with ThreadPoolExecutor(2) as pool:
        return render_batch(records, out, executor=pool, **options)


def _manifest(out: Path) -> list[dict[str, Any]]:
    data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert list(data) == ["records"]
    records = data["records"]
    assert isinstance(records, list)
    return records


def _text(path: Path) -> str:
    return pypdf.PdfReader(path).pages[0].extract_text()


def _state(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time: what a skip must leave alone."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()
            if p.name != MANIFEST}


# --- the manifest and the statuses ----------------------------------------------------------


@pytest.mark.hazard("HAZ-10")
def test_good_records_render_and_bad_ones_are_reported(tmp_path: Path) -> None:
    """One PDF per good record, named from the patient id (else the line); each bad record
    is named by line with its problem; manifest.json says so, record by record."""
    summary = _threads(_records(), tmp_path)
    assert [(i.line, i.status) for i in summary.items] == [
        (1, "rendered"), (2, "failed"), (4, "rendered"), (5, "failed"), (6, "rendered"),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "CL-11872-handout.pdf", "CL-20931-handout.pdf", MANIFEST, "record-00004-handout.pdf",
    ]
    failed = {i.line: i.error for i in summary.items if i.status == "failed"}
    assert "$.region" in (failed[2] or "")
    assert "not valid JSON" in (failed[5] or "")
    assert not summary.ok
    for item in summary.items:
        for path in item.outputs:
            assert "Your muscle spasm plan" in _text(path)

    records = _manifest(tmp_path)
    assert records == summary.to_manifest()["records"]
    assert [set(r) for r in records] == [
        {"line", "status", "files", "patient_id", "record_hash", "error"}] * 5
    by_line = {r["line"]: r for r in records}
    assert by_line[1]["files"] == ["CL-11872-handout.pdf"]
    assert by_line[1]["patient_id"] == "CL-11872"
    assert by_line[4]["patient_id"] is None
    assert by_line[1]["error"] is None
    assert by_line[2]["files"] == []
    assert "$.region" in by_line[2]["error"]
    assert by_line[5]["record_hash"] is None  # not JSON: nothing to hash
    for line in (1, 2, 4, 6):
        assert re.fullmatch(r"[0-9a-f]{64}", by_line[line]["record_hash"])
    # patient data other than the sanitised id is never in a file name
    names = " ".join(p.name for p in tmp_path.iterdir()).lower()
    for example in EXAMPLE_FILES[:3]:
        patient = json.loads(example.read_text(encoding="utf-8")).get("patient", {})
        for part in (patient.get("name") or "").lower().split():
            assert part not in names
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.hazard("HAZ-13")
def test_existing_outputs_are_skipped_unless_forced(tmp_path: Path) -> None:
    """A second run skips an unchanged record whose files are there (and still lists them);
    a missing file renders it again; force renders it again."""
    records = _records()[:1]
    first = _threads(records, tmp_path)
    assert [i.status for i in first.items] == ["rendered"]
    target = tmp_path / "CL-11872-handout.pdf"
    target.write_bytes(b"kept")
    again = render_batch(records, tmp_path)  # nothing to render: no pool is even made
    assert [(i.status, i.outputs) for i in again.items] == [("skipped", (target,))]
    assert _manifest(tmp_path)[0]["status"] == "skipped"
    assert _manifest(tmp_path)[0]["files"] == ["CL-11872-handout.pdf"]
    assert target.read_bytes() == b"kept"
    forced = _threads(records, tmp_path, force=True)
    assert [i.status for i in forced.items] == ["rendered"]
    assert target.read_bytes().startswith(b"%PDF")
    target.unlink()
    assert [i.status for i in _threads(records, tmp_path).items] == ["rendered"]
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.hazard("HAZ-13")
def test_process_pool_and_progress(tmp_path: Path) -> None:
    """The default process pool renders; progress is called once per record, counting up."""
    seen: list[tuple[int, int, int]] = []

    def progress(item: BatchItem, done: int, total: int) -> None:
        seen.append((item.line, done, total))

    summary = render_batch(_records(), tmp_path, workers=2, progress=progress)
    assert summary.count("rendered") == 3
    assert summary.count("failed") == 2
    assert sorted(done for _, done, _ in seen) == [1, 2, 3, 4, 5]
    assert {total for _, _, total in seen} == {5}
    assert sorted(line for line, _, _ in seen) == [1, 2, 4, 5, 6]
    assert not list(tmp_path.glob("*.part"))


# --- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize(("patient_id", "stem"), [
    ("CL-20931", "CL-20931"),
    ("../../etc/x", "etc_x"),
    ("a/b", "a_b"),
    ("a\\b", "a_b"),
    ("CON", "CON_"),
    ("com1", "com1_"),
    ("LPT9", "LPT9_"),
    ("Máire Ní Bhriain", "Maire_Ni_Bhriain"),
    ("ﬁle①", "file1"),          # compatibility forms fold to ASCII
    ("x\x00y\nz", "x_y_z"),
    ("患者", None),               # nothing usable left: named by line instead
    ("..", None),
    (".", None),
    ("", None),
    (None, None),
    ("/", None),
    ("x" * 500, "x" * STEM_MAX),
])
def test_safe_stem(patient_id: str | None, stem: str | None) -> None:
    """A patient id becomes a stem of allowed characters only, limited in length."""
    assert safe_stem(patient_id) == stem


@given(st.text())
def test_safe_stem_never_escapes_the_folder(patient_id: str) -> None:
    """Whatever the id: allowed characters only, never empty, short, no device name."""
    stem = safe_stem(patient_id)
    if stem is not None:
        assert re.fullmatch(SAFE_STEM, stem)
        assert stem.upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
        assert not stem.startswith(("-", "_"))


def test_hostile_patient_ids_name_files_safely_and_uniquely(tmp_path: Path) -> None:
    """Ids that try to leave the folder, device names, empty, unicode, very long and
    duplicate ids: every file stays in the folder with a safe, unique name."""
    out = tmp_path / "out"
    ids = ["../../etc/x", "a/b", "CON", "", "Máire", "y" * 200, "a/b", "a_b", "x" * 500]
    records = [_record(f"Patient {n}", patient_id) for n, patient_id in enumerate(ids, 1)]
    summary = _threads(records, out)
    files = {item.line: [p.name for p in item.outputs] for item in summary.items}
    assert files == {
        1: ["etc_x-handout.pdf"],
        2: ["a_b-handout.pdf"],
        3: ["CON_-handout.pdf"],
        4: ["record-00004-handout.pdf"],
        5: ["Maire-handout.pdf"],
        6: [f"{'y' * STEM_MAX}-handout.pdf"],
        7: ["a_b-2-handout.pdf"],   # the same id again: its own file
        8: ["a_b-3-handout.pdf"],   # a different id that sanitises the same
        9: [],                      # longer than the model allows: refused
    }
    assert "$.patient.id" in (summary.items[-1].error or "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    for item in summary.items:
        for path in item.outputs:
            assert path.parent == out
            assert SAFE_NAME.fullmatch(path.name)
            assert f"Patient {item.line}" in _text(path)  # each file holds its own patient
    assert [r["patient_id"] for r in _manifest(out)] == ids


# --- re-runs --------------------------------------------------------------------------------


def test_inserting_a_line_skips_unchanged_records_and_does_not_mix_patients(
    tmp_path: Path,
) -> None:
    """Records are matched between runs by content and patient id, not by line: after a line
    is inserted at the top, unchanged records are skipped, their files untouched, and every
    line of the manifest lists its own patient's handout."""
    records = [_record("Ann Ash", "P-1"), _record("Bob Birch", "P-1"), _record("Cy Cedar")]
    _threads(records, tmp_path)
    before = _state(tmp_path)
    assert sorted(before) == ["P-1-2-handout.pdf", "P-1-handout.pdf", "record-00003-handout.pdf"]

    inserted = [_record("Dee Dogwood"), *records]
    summary = _threads(inserted, tmp_path)
    assert [i.status for i in summary.items] == ["rendered", "skipped", "skipped", "skipped"]
    after = _state(tmp_path)
    assert {name: after[name] for name in before} == before  # not even rewritten
    names = ["Dee Dogwood", "Ann Ash", "Bob Birch", "Cy Cedar"]
    for record, name in zip(_manifest(tmp_path), names, strict=True):
        (file,) = record["files"]
        assert name in _text(tmp_path / file), (record, name)
    # Dee is new: a name no other record had, though line 1 was Ann's before
    assert _manifest(tmp_path)[0]["files"] not in [[n] for n in before]


def test_a_changed_record_renders_again_and_its_stale_files_go(tmp_path: Path) -> None:
    """A changed record is rendered again; the files it had and no longer has are removed;
    a record that gains a patient id moves to a name made from it."""
    first = [_record("Ann Ash"), _record("Bob Birch", "B-1", pain_score=3)]
    _threads(first, tmp_path, notes=True)
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "B-1-handout.pdf", "B-1-note.pdf", "record-00001-handout.pdf", "record-00001-note.pdf",
    ]
    old_note = (tmp_path / "B-1-note.pdf").read_bytes()

    second = [_record("Ann Ash", "A-9"), _record("Bob Birch", "B-1", pain_score=8)]
    summary = _threads(second, tmp_path, notes=True)
    assert [i.status for i in summary.items] == ["rendered", "rendered"]
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "A-9-handout.pdf", "A-9-note.pdf", "B-1-handout.pdf", "B-1-note.pdf",
    ]
    assert (tmp_path / "B-1-note.pdf").read_bytes() != old_note

    # notes off changes what a record produces: rendered again, the notes are stale
    summary = _threads(second, tmp_path)
    assert [i.status for i in summary.items] == ["rendered", "rendered"]
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["A-9-handout.pdf",
                                                              "B-1-handout.pdf"]
    assert [r["files"] for r in _manifest(tmp_path)] == [["A-9-handout.pdf"],
                                                         ["B-1-handout.pdf"]]


def test_a_file_the_manifest_does_not_give_a_record_is_never_touched(tmp_path: Path) -> None:
    """A file already there that no manifest gives to the record is not overwritten (the
    record takes the next name); an edited manifest cannot make a run remove files outside
    the folder or files that are not its own."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "P-1-handout.pdf").write_bytes(b"someone else's")
    victim = tmp_path / "victim-handout.pdf"
    victim.write_bytes(b"victim")
    (out / "notes.txt").write_bytes(b"mine")
    (out / MANIFEST).write_text(json.dumps({"records": [
        {"line": 1, "status": "rendered", "files": ["../victim-handout.pdf"],
         "patient_id": "P-1", "record_hash": "0" * 64, "error": None},
        {"line": 1, "status": "rendered", "files": ["notes.txt"],
         "patient_id": "P-1", "record_hash": "0" * 64, "error": None},
    ]}), encoding="utf-8")
    summary = _threads([_record("Ann Ash", "P-1")], out)
    assert [p.name for p in summary.items[0].outputs] == ["P-1-2-handout.pdf"]
    assert (out / "P-1-handout.pdf").read_bytes() == b"someone else's"
    assert victim.read_bytes() == b"victim"
    assert (out / "notes.txt").read_bytes() == b"mine"


# --- the record hash ------------------------------------------------------------------------


def _hash(line: str | bytes, *, notes: bool = False, clinic: Clinic | None = None,
          folder: Path = Path("out")) -> str | None:
    context = _hash_context(notes=notes, clinic=clinic, folder=folder)
    (record,) = _read_records([line], context)
    return record.record_hash


def test_record_hash_follows_content_and_options_not_layout(tmp_path: Path) -> None:
    """The hash ignores key order and spacing; it changes with any value, with notes, with
    the clinic settings and with the contents of the clinic's templates."""
    data = json.loads(_record("Ann Ash", "P-1"))
    line = json.dumps(data)
    assert _hash(line) == _hash(json.dumps(dict(reversed(data.items())), indent=1)
                                .replace("\n", " "))
    assert _hash(line) != _hash(json.dumps({**data, "pain_score": 4}))
    assert _hash(line) != _hash(line, notes=True)
    assert _hash(line) != _hash(line, clinic=Clinic(name="Harbour"))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "handout.html.j2").write_text("{% extends 'physio_notes/handout.html.j2' %}",
                                               encoding="utf-8")
    clinic = Clinic(templates=templates)
    before = _hash(line, clinic=clinic)
    (templates / "handout.html.j2").write_text(
        "{% extends 'physio_notes/handout.html.j2' %}{# edited #}", encoding="utf-8")
    assert _hash(line, clinic=clinic) != before
    context = _hash_context(notes=False, clinic=None, folder=tmp_path)
    assert {"package", "knowledge_base", "documents", "clinic"} <= set(context)


# --- failures stand alone, and the command line ---------------------------------------------


@pytest.fixture
def threads_for_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's default pool, as threads: the same code path, much faster."""
    monkeypatch.setattr(batch_module, "ProcessPoolExecutor", ThreadPoolExecutor)


def _clinic_that_fails_for(tmp_path: Path, name: str) -> Path:
    """Clinic settings whose handout template divides by zero for one patient's name."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "handout.html.j2").write_text(
        '{% extends "physio_notes/handout.html.j2" %}\n'
        "{% block disclaimer %}\n"
        f'{{% if patient_name == "{name}" %}}{{{{ 1 // 0 }}}}{{% endif %}}{{{{ super() }}}}\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    settings = tmp_path / "clinic.toml"
    settings.write_text('templates = "templates"\n', encoding="utf-8")
    return settings


@pytest.mark.usefixtures("threads_for_processes")
def test_a_failing_record_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lone surrogate, bad JSON, bytes that are not UTF-8 and a template that raises each
    fail on their own line; the others render; exit status 2."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join([
        _record("Ann Ash", "P-1").encode(),
        b'{"schema_version": 1, "region": "neck", "notes": "\\ud800"}',
        b'{"schema_version": 1, "region": ',
        b'{"schema_version": 1, "region": "neck", "notes": "caf\xe9"}',
        _record("Boom Bang", "P-5").encode(),
        _record("Cy Cedar", "P-6").encode(),
    ]) + b"\n")
    out = tmp_path / "out"
    status = main(["batch", str(source), "-o", str(out), "--workers", "2",
                   "--clinic", str(_clinic_that_fails_for(tmp_path, "Boom Bang"))])
    err = capsys.readouterr().err
    assert status == 2
    records = _manifest(out)
    assert [(r["line"], r["status"]) for r in records] == [
        (1, "rendered"), (2, "failed"), (3, "failed"), (4, "failed"), (5, "failed"),
        (6, "rendered"),
    ]
    errors = {r["line"]: r["error"] for r in records}
    assert "lone surrogate" in errors[2]
    assert "not valid JSON" in errors[3]
    assert "not UTF-8" in errors[4]
    assert "line 3 failed" in errors[5]
    for line in (2, 3, 4, 5):
        assert f"line {line}: " in err
    assert "batch: 2 rendered, 0 skipped" in err
    assert sorted(p.name for p in out.iterdir()) == ["P-1-handout.pdf", "P-6-handout.pdf",
                                                      MANIFEST]


@pytest.mark.usefixtures("threads_for_processes")
def test_exit_status_0_byte_order_mark_and_force_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A byte-order mark is accepted; no failure is exit 0; a re-run skips; --force renders."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + _record("Ann Ash", "P-1").encode() + b"\r\n\r\n")
    out = tmp_path / "out"
    assert main(["batch", str(source), "-o", str(out)]) == 0
    assert "batch: 1 rendered, 0 skipped" in capsys.readouterr().err
    assert main(["batch", str(source), "-o", str(out)]) == 0
    assert "batch: 0 rendered, 1 skipped" in capsys.readouterr().err
    assert main(["batch", str(source), "-o", str(out), "--force"]) == 0
    assert "batch: 1 rendered, 0 skipped" in capsys.readouterr().err
    assert [r["files"] for r in _manifest(out)] == [["P-1-handout.pdf"]]


def test_unreadable_input_and_bad_workers_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input file or --workers 0: exit 2 with one message, nothing written."""
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "missing.jsonl"), "-o", str(out)]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "in.jsonl").write_text(_record("Ann Ash") + "\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "in.jsonl"), "-o", str(out), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert not out.exists()
