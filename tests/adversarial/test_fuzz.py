"""Property-based fuzzing of the JSON and FHIR input through the command line: whatever comes
in, the CLI exits 0 or 2, never with a traceback, and never leaves a partial file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from physio_notes.cli import main

from ..conftest import EXAMPLES, example_dict

FIELDS = list(example_dict("disc-recurrent"))
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

leaves = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
          | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@st.composite
def presentations(draw: st.DrawFn) -> Any:
    """Mostly presentation-shaped JSON: real field names with any values, some real values,
    the odd unknown field; sometimes not an object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    base = example_dict(draw(st.sampled_from(["disc-recurrent", "calf-cramp", "neck-posture"])))
    for field in draw(st.lists(st.sampled_from([*FIELDS, "bogus"]), max_size=4)):
        base[field] = draw(json_values)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=2)):
        base.pop(field, None)
    return base


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@SETTINGS
@given(data=presentations())
def test_plan_survives_any_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any
) -> None:
    """`plan --json` on any JSON: exit 0 with a plan, or exit 2 with one error message."""
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    status, out, err = _run(capsys, "plan", str(path), "--json")
    assert status in (0, 2)
    if status == 0:
        assert json.loads(out)["pathways"]
    else:
        assert err.startswith("physio-notes: error: ")
        assert "Traceback" not in err


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=presentations())
def test_handout_never_leaves_a_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any
) -> None:
    """`handout` on any JSON: either the whole file is written, or nothing is."""
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.html"
    out.unlink(missing_ok=True)
    status, _, _ = _run(capsys, "handout", str(path), "--html", "-o", str(out))
    assert status in (0, 2)
    assert out.exists() is (status == 0)
    if status == 0:
        assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


BUNDLE = json.loads((EXAMPLES / "fhir" / "disc-recurrent.json").read_text(encoding="utf-8"))


def _leaves(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a JSON tree."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            found.extend(_leaves(item))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            found.extend(_leaves(item))
    return found


@SETTINGS
@given(data=st.data())
def test_fhir_input_survives_any_mutation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    """`plan --fhir` on a real bundle with any of its values replaced: exit 0 or 2."""
    bundle = copy.deepcopy(BUNDLE)
    for _ in range(data.draw(st.integers(1, 4))):
        places = _leaves(bundle)
        container, key = data.draw(st.sampled_from(places))
        container[key] = data.draw(json_values)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    status, _, err = _run(capsys, "plan", "--fhir", str(path), "--json")
    assert status in (0, 2), err
    if status == 2:
        assert err.startswith("physio-notes: error: ")
