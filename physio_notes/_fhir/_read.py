"""Reading a FHIR R4 Bundle, as an EHR exports it, into a validated Presentation and warnings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from .._convert import show as _show
from .._model import SCHEMA_VERSION, Presentation, RedFlag, Region
from ..exceptions import PresentationError, Problem
from ._codes import (
    _FIELD_KINDS,
    _OBSERVATION_CODES,
    _SYSTEM_NAMES,
    BUNDLE_TYPES,
    CLINICAL_CURRENT,
    CLINICAL_PAST,
    CLINICAL_STATUS,
    CONDITION_CODES,
    ENCOUNTER_IGNORED,
    EXT_PLAIN_DIAGNOSIS,
    ICD10CM,
    MEDICAL_RECORD,
    OBSERVATION_IGNORED,
    PAIN_SCORE_CODE,
    PROJECT_SYSTEM,
    RED_FLAG_CODES,
    SIDE_CODES,
    SITE_CODES,
    SSN_SYSTEMS,
    SSN_TYPES,
    V2_0203,
    VERIFICATION_IGNORED,
    VERIFICATION_READ,
    VERIFICATION_STATUS,
    VERIFICATION_UNSURE,
    _ConditionCode,
    _supported,
    icd10cm_category,
)
from ._json import JSON
from ._values import (
    _ISO_DATE,
    _Bad,
    _boolean,
    _bounds,
    _coded_value,
    _coding_key,
    _concept_text,
    _date,
    _date_part,
    _date_value,
    _describe,
    _drop_none,
    _find,
    _finding_present,
    _first,
    _human_name,
    _iter_list,
    _list,
    _object,
    _pain_score,
    _PainScore,
    _pick,
    _required_text,
    _start_back,
    _string,
    _text,
)

_ABATEMENT: Final = ("abatementDateTime", "abatementAge", "abatementPeriod", "abatementRange",
                     "abatementString", "abatementBoolean")
_NAME_RANK: Final = {"official": 0, "usual": 1, None: 2}
_BODY_SITE_CODES: Final[Mapping[tuple[str, str], object]] = {**SIDE_CODES, **SITE_CODES}

@attrs.frozen
class FhirWarning:
    """Something the reader ignored or chose, which the caller should know about.

    Attributes:
        path: JSON Pointer into the Bundle (``/entry/3/resource``).
        message: What was ignored or chosen, and why.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@attrs.frozen
class FhirReading:
    """What :func:`read_fhir` makes of a Bundle.

    Attributes:
        presentation: The validated presentation.
        warnings: What was ignored (resources the mapper does not use, conditions and
            observations unrelated to the spasm or no longer current) or chosen (the latest pain
            score, the region of a code for the whole back), in Bundle order.
    """

    presentation: Presentation
    warnings: tuple[FhirWarning, ...] = ()


@attrs.define
class _Facts:
    """Contract fields found so far, with the JSON Pointer of the resource each came from."""

    values: dict[str, Any] = attrs.field(factory=dict)
    sources: dict[str, str] = attrs.field(factory=dict)
    diagnosis: list[str] = attrs.field(factory=list)
    plain_diagnosis: list[str] = attrs.field(factory=list)
    fallback_dates: list[tuple[int, int, str, str]] = attrs.field(factory=list)
    screened: bool = False
    screen_positive: str | None = None
    pain: list[_PainScore] = attrs.field(factory=list)
    ignored: list[str] = attrs.field(factory=list)

    def set(self, field: str, value: object, path: str) -> None:
        """Set a single-valued field; a second, different value is a problem."""
        if field in self.values and self.values[field] != value:
            raise _Bad(
                path,
                f"{field} is given twice with different values "
                f"({_show(self.values[field])} at {self.sources[field]})",
                value,
            )
        self.values[field] = value
        self.sources.setdefault(field, path)

    def add(self, field: str, value: object, path: str) -> None:
        """Add an item to a list field (once: repeats are the same finding)."""
        items: list[object] = self.values.setdefault(field, [])
        if value not in items:
            items.append(value)
        self.sources.setdefault(field, path)


@attrs.frozen
class _Patient:
    """The Bundle's patient: how references name it."""

    path: str
    refs: frozenset[str]
    identifiers: frozenset[tuple[object, object]]
    label: str


@attrs.define
class _Context:
    facts: _Facts
    identifier_system: str | None
    warnings: list[FhirWarning] = attrs.field(factory=list)
    patient: _Patient | None = None
    anchor: tuple[str, str] | None = None
    index: int = 0

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(FhirWarning(path, message))

    def ignore(self, path: str, message: str, short: str) -> None:
        """Warn that a resource is ignored; ``short`` names it in a 'no region' problem."""
        self.warn(path, message)
        self.facts.ignored.append(f"{path} ({short})")


def read_fhir(bundle: object, *, identifier_system: str | None = None) -> FhirReading:
    """Read a FHIR R4 Bundle, as an EHR exports it, into a presentation and warnings.

    Args:
        bundle: A parsed FHIR R4 Bundle (JSON object) of type collection, searchset, document,
            transaction or batch.
        identifier_system: The ``Patient.identifier.system`` whose value is the patient id.
            By default the identifier of type MR (medical record number, HL7 v2-0203) is used,
            never an SSN-like one.

    Returns:
        The presentation (built through :meth:`Presentation.from_dict`, so the contract's own
        checks apply) and the warnings: resources, conditions and observations ignored, and
        choices made (the latest pain score, the official name, ...).

    Raises:
        PresentationError: listing every problem, each with a JSON Pointer into the bundle:
            not a Bundle, a resource with a ``modifierExtension``, a resource about another
            patient, a code of the project or of a known ICD-10-CM category the mapper does not
            support, a value of the wrong type, unit or range, an impossible date, conflicting
            values, no region, or a contract rule the mapped values break.
    """
    if identifier_system is not None and (
        not isinstance(identifier_system, str) or not identifier_system
    ):
        raise TypeError("identifier_system must be a non-empty string (a Identifier.system URI)")
    ctx = _Context(_Facts(), identifier_system)
    kind, entries = _entries(bundle, ctx)
    problems: list[Problem] = []
    items: list[tuple[int, JSON, JSON]] = []
    for index, entry in enumerate(entries):
        try:
            resource = _entry_resource(entry, f"/entry/{index}", kind, ctx)
        except _Bad as bad:
            problems.append(bad.problem)
            continue
        if resource is not None:
            assert isinstance(entry, dict)
            items.append((index, entry, resource))
    if kind == "document":
        problems.extend(_document_problems(items))
    try:
        ctx.patient = _find_patient(items)
    except _Bad as bad:
        problems.append(bad.problem)
    for index, entry, resource in items:
        ctx.index = index
        try:
            _read_entry(entry, resource, f"/entry/{index}", ctx)
        except _Bad as bad:
            problems.append(bad.problem)
    if not problems:
        problems.extend(_choose_pain_score(ctx))
    problems.extend(_missing(ctx.facts) if not problems else [])
    if problems:
        raise PresentationError(problems)
    return FhirReading(_build(ctx.facts), tuple(sorted(ctx.warnings, key=_entry_order)))


def _entry_order(warning: FhirWarning) -> int:
    """The entry a warning is about (-1 for the Bundle itself), to list warnings in order."""
    match = re.match(r"/entry/(\d+)", warning.path)
    return int(match.group(1)) if match else -1


def from_fhir(
    bundle: object,
    *,
    identifier_system: str | None = None,
    on_warning: Callable[[FhirWarning], object] | None = None,
) -> Presentation:
    """Read a FHIR R4 Bundle into a validated :class:`Presentation`.

    The same reading as :func:`read_fhir`; its warnings go to ``on_warning``, if given.

    Args:
        bundle: A parsed FHIR R4 Bundle (JSON object) of type collection, searchset, document,
            transaction or batch.
        identifier_system: The ``Patient.identifier.system`` whose value is the patient id
            (default: the identifier of type MR).
        on_warning: Called with each :class:`FhirWarning`, in Bundle order, once the Bundle has
            been read without problems.

    Returns:
        The presentation.

    Raises:
        PresentationError: listing every problem, each with a JSON Pointer into the bundle.
    """
    reading = read_fhir(bundle, identifier_system=identifier_system)
    if on_warning is not None:
        for warning in reading.warnings:
            on_warning(warning)
    return reading.presentation


# --- the Bundle -----------------------------------------------------------------------------


def _entries(bundle: object, ctx: _Context) -> tuple[str, list[object]]:
    """The type and entries of a Bundle, or a problem when ``bundle`` is not one we read."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else bundle
        raise PresentationError(
            [Problem("", "the input must be a FHIR Bundle (resourceType 'Bundle')", _show(found))]
        )
    kind = bundle.get("type")
    if kind is None:
        ctx.warn("/type", "the Bundle has no type; it is read as a collection")
        kind = "collection"
    elif kind not in BUNDLE_TYPES:
        raise PresentationError([Problem(
            "/type", f"Bundle type is not one the mapper reads; supported: "
            f"{', '.join(BUNDLE_TYPES)}", _show(kind),
        )])
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise PresentationError([Problem("/entry", "must be a list of entries", _show(entries))])
    return str(kind), entries


def _entry_resource(entry: object, path: str, kind: str, ctx: _Context) -> JSON | None:
    """The resource of an entry, or None (with a warning) for an entry that carries none."""
    item = _object(entry, path)
    search = item.get("search")
    if kind == "searchset" and isinstance(search, dict) and search.get("mode") == "outcome":
        ctx.warn(f"{path}/resource", "search outcome ignored" + _outcome_issues(item))
        return None
    request = item.get("request")
    if "resource" not in item and kind in ("transaction", "batch") and isinstance(request, dict):
        method = request.get("method")
        ctx.warn(path, f"entry ignored: its {_show(method)} request carries no resource")
        return None
    return _object(item.get("resource"), f"{path}/resource")


def _outcome_issues(entry: JSON) -> str:
    """': error: text; ...' for the issues of an OperationOutcome entry (at most three)."""
    resource = entry.get("resource")
    issues = resource.get("issue") if isinstance(resource, dict) else None
    texts = []
    for issue in issues if isinstance(issues, list) else []:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details")
        text = details.get("text") if isinstance(details, dict) else None
        text = text if isinstance(text, str) else issue.get("diagnostics")
        severity = issue.get("severity")
        if isinstance(text, str) and isinstance(severity, str):
            texts.append(f"{severity}: {text[:200]}")
    return (": " + "; ".join(texts[:3])) if texts else ""


def _document_problems(items: list[tuple[int, JSON, JSON]]) -> list[Problem]:
    if items and items[0][0] == 0 and items[0][2].get("resourceType") == "Composition":
        return []
    found = items[0][2].get("resourceType") if items and items[0][0] == 0 else None
    return [Problem("/entry/0/resource/resourceType",
                    "a document Bundle starts with its Composition", _show(found))]


def _find_patient(items: list[tuple[int, JSON, JSON]]) -> _Patient | None:
    """The Bundle's one Patient; a second one is a problem."""
    patient: _Patient | None = None
    for index, entry, resource in items:
        if resource.get("resourceType") != "Patient":
            continue
        path = f"/entry/{index}/resource"
        if patient is not None:
            raise _Bad(path, f"a second Patient: the Bundle must be about one patient "
                             f"(the first is at {patient.path})")
        refs = set()
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and full_url:
            refs.add(full_url)
        ident = resource.get("id")
        if isinstance(ident, str) and ident:
            refs.add(f"Patient/{ident}")
        identifiers = frozenset(
            (x.get("system"), x.get("value"))
            for x in _iter_list(resource.get("identifier"))
            if isinstance(x, dict) and isinstance(x.get("value"), str)
            and isinstance(x.get("system"), str | None)
        )
        label = full_url if isinstance(full_url, str) and full_url else (
            f"Patient/{ident}" if isinstance(ident, str) else path)
        patient = _Patient(path, frozenset(refs), identifiers, label)
    return patient


def _read_entry(entry: JSON, resource: JSON, path: str, ctx: _Context) -> None:
    outside = {k: v for k, v in entry.items() if k != "resource"}
    _check_modifiers(outside, path, "the entry")
    path = f"{path}/resource"
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        raise _Bad(f"{path}/resourceType", "resource type is not one the mapper reads; "
                   f"supported: {', '.join(_READERS)}", kind)
    _check_subject(resource, path, kind, ctx)
    reader = _READERS.get(kind)
    if reader is None:
        ctx.ignore(path, f"{kind} ignored: not a resource type the mapper reads", kind)
        return
    _check_modifiers(resource, path, kind)
    reader(resource, path, ctx)


def _check_modifiers(obj: object, path: str, what: str) -> None:
    """A modifierExtension anywhere in ``obj`` is a problem: it may change what it means."""
    stack: list[tuple[object, str]] = [(obj, path)]
    while stack:
        value, at = stack.pop()
        if isinstance(value, dict):
            if "modifierExtension" in value:
                urls = [x.get("url") for x in value["modifierExtension"]
                        if isinstance(x, dict)] if isinstance(
                            value["modifierExtension"], list) else []
                raise _Bad(
                    f"{at}/modifierExtension",
                    f"{what} has a modifierExtension, which may change what it means (negate "
                    "it, for example); the mapper cannot read it",
                    [u for u in urls if isinstance(u, str)] or value["modifierExtension"],
                )
            stack.extend((v, f"{at}/{_pointer(str(k))}") for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((v, f"{at}/{i}") for i, v in reversed(list(enumerate(value))))


def _pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _check_subject(resource: JSON, path: str, kind: str, ctx: _Context) -> None:
    """A resource about another patient than the Bundle's is a problem."""
    if kind == "Patient":
        return
    for key in ("subject", "patient"):
        if key not in resource:
            continue
        at = f"{path}/{key}"
        ref = _object(resource[key], at)
        reference = ref.get("reference")
        if reference is not None:
            if not isinstance(reference, str):
                raise _Bad(f"{at}/reference", "must be a string", reference)
            _check_reference(_normalise(reference), at, kind, ctx)
        elif isinstance(ref.get("identifier"), dict) and ctx.patient is not None:
            identifier = ref["identifier"]
            pair = (identifier.get("system"), identifier.get("value"))
            if not all(isinstance(k, str | None) for k in pair) or pair not in (
                    ctx.patient.identifiers):
                raise _Bad(f"{at}/identifier", f"{kind} is about another patient than the "
                           f"Bundle's ({ctx.patient.label}): no identifier of that Patient "
                           "matches")


def _check_reference(reference: str, at: str, kind: str, ctx: _Context) -> None:
    if ctx.patient is not None:
        if reference not in ctx.patient.refs:
            raise _Bad(f"{at}/reference", f"{kind} is about another patient than the Bundle's "
                       f"({ctx.patient.label})", reference)
    elif ctx.anchor is None:
        ctx.anchor = (reference, at)
    elif reference != ctx.anchor[0]:
        raise _Bad(f"{at}/reference", f"{kind} is about another patient than the resource at "
                   f"{ctx.anchor[1]} ({ctx.anchor[0]})", reference)


def _normalise(reference: str) -> str:
    """A reference without its version (``Patient/1/_history/2`` is ``Patient/1``)."""
    return reference.split("/_history/", 1)[0]


# --- building the presentation --------------------------------------------------------------


def _choose_pain_score(ctx: _Context) -> list[Problem]:
    """The latest pain score by effective time; earlier ones are a warning."""
    scores = ctx.facts.pain
    if not scores:
        return []
    chosen = scores[0]
    if len(scores) > 1:
        undated = [s for s in scores if s.when is None]
        if undated and len({s.value for s in scores}) > 1:
            return [Problem(undated[0].path, "pain_score is given several times with different "
                            "values, and this one has no effective time: the latest cannot be "
                            "told")]
        dated = [(s, s.when) for s in scores if s.when is not None]
        if dated:
            chosen, latest = max(dated, key=lambda item: item[1])
            rivals = [s for s, when in dated if s is not chosen and s.value != chosen.value
                      and when[1] >= latest[0]]
        else:
            rivals = []
        if rivals:
            return [Problem(rivals[0].path, f"pain_score is given twice with different values "
                            f"at the same time ({chosen.value} at {chosen.path})",
                            str(rivals[0].value))]
        others = ", ".join(f"{s.value} at {s.path}" for s in scores if s is not chosen)
        ctx.warn(chosen.path, f"pain score given {len(scores)} times: the latest "
                 f"({chosen.value}/10{', ' + chosen.shown if chosen.shown else ''}) is used; "
                 f"earlier ones ignored: {others}")
    try:
        ctx.facts.set("pain_score", chosen.value, chosen.path)
    except _Bad as bad:
        return [bad.problem]
    if chosen.shown and _ISO_DATE.match(chosen.shown):
        ctx.facts.fallback_dates.append((2, chosen.index, chosen.path, chosen.shown[:10]))
    return []


def _missing(facts: _Facts) -> list[Problem]:
    problems = []
    if "region" not in facts.values:
        shown = facts.ignored[:10] + (
            [f"and {len(facts.ignored) - 10} more"] if len(facts.ignored) > 10 else [])
        ignored = f"; ignored: {', '.join(shown)}" if shown else ""
        problems.append(Problem(
            "/entry",
            "no Condition codes the region of the spasm (required); supported codes: "
            + _supported(CONDITION_CODES, lambda c: c.kind != "none") + ignored,
        ))
    if facts.screen_positive is not None and not facts.values.get("red_flags"):
        problems.append(Problem(
            facts.screen_positive, "the red-flag screen is positive but no red flag is given"
        ))
    return problems


def _build(facts: _Facts) -> Presentation:
    data: JSON = {"schema_version": SCHEMA_VERSION, **facts.values}
    if facts.screened:
        data.setdefault("red_flags", [])
    if facts.diagnosis:
        data["diagnosis"] = "\n".join(facts.diagnosis)
    if facts.plain_diagnosis:
        data["plain_diagnosis"] = "\n".join(facts.plain_diagnosis)
    dates = sorted(facts.fallback_dates)
    if "date" not in data and dates:
        data["date"] = dates[0][3]
        facts.sources["date"] = dates[0][2]
    try:
        return Presentation.from_dict(data)
    except PresentationError as exc:
        raise PresentationError(_relocate(p, facts.sources) for p in exc.problems) from None


def _relocate(problem: Problem, sources: Mapping[str, str]) -> Problem:
    """Point a contract problem (``$.start_back``) at the resource that gave the field."""
    field_path = problem.path.removeprefix("$.")
    field = re.split(r"[.\[]", field_path)[0]
    where = sources.get(field, "/entry")
    return Problem(where, f"{field_path} {problem.message}", problem.found)


# --- resources ------------------------------------------------------------------------------


def _read_patient(resource: JSON, path: str, ctx: _Context) -> None:
    patient: JSON = {}
    name = _choose_name(resource, path, "Patient", ctx)
    if name is not None:
        patient["name"] = name
    identifier = _choose_identifier(resource, path, ctx)
    if identifier is not None:
        patient["id"] = identifier
    born = _string(resource, "birthDate", path)
    if born is not None:
        patient["date_of_birth"] = _date(born, f"{path}/birthDate")
    ctx.facts.set("patient", _drop_none(patient), path)


def _choose_name(resource: JSON, path: str, kind: str, ctx: _Context) -> str | None:
    """The official name, else the usual one, else one without a use; never an old one."""
    names = _list(resource, "name", path)
    candidates = []
    skipped = []
    for i, name in enumerate(names):
        at = f"{path}/name/{i}"
        item = _object(name, at)
        use = _string(item, "use", at)
        if use not in _NAME_RANK:
            skipped.append(str(use))
            continue
        candidates.append((_NAME_RANK[use], i, item, at))
    if not candidates:
        if names:
            ctx.warn(f"{path}/name", f"{kind} name not read: it has no official or usual name "
                     f"(only: {', '.join(skipped)})")
        return None
    _, _, item, at = min(candidates, key=lambda c: (c[0], c[1]))
    return _human_name(item, at)


@attrs.frozen
class _Identifier:
    path: str
    system: str | None
    use: str | None
    types: frozenset[str]
    value: str | None


def _choose_identifier(resource: JSON, path: str, ctx: _Context) -> str | None:
    """The identifier of type MR (or of the caller's system); never an SSN-like one by default."""
    found = [_identifier(item, f"{path}/identifier/{i}")
             for i, item in enumerate(_list(resource, "identifier", path))]
    usable = [x for x in found if x.use != "old" and x.value is not None]
    if ctx.identifier_system is not None:
        chosen = [x for x in usable if x.system == ctx.identifier_system]
        if not chosen:
            ctx.warn(f"{path}/identifier", "no Patient identifier has the system "
                     f"{ctx.identifier_system!r}: the patient id is not set")
            return None
    else:
        chosen = [x for x in usable if MEDICAL_RECORD in x.types
                  and x.system not in SSN_SYSTEMS and not x.types & SSN_TYPES]
        if not chosen:
            if found:
                systems = sorted({x.system or "(no system)" for x in found})
                ctx.warn(f"{path}/identifier", "no medical record number (identifier type MR, "
                         "HL7 v2-0203): the patient id is not set; name the identifier system "
                         f"to use (systems present: {', '.join(systems)})")
            return None
    chosen.sort(key=lambda x: x.use not in ("official", "usual"))
    if len({x.value for x in chosen}) > 1:
        ctx.warn(chosen[0].path, f"{len(chosen)} Patient identifiers qualify: the first "
                 f"(system {chosen[0].system!r}) is used; name the identifier system to choose")
    return chosen[0].value


def _identifier(identifier: object, path: str) -> _Identifier:
    item = _object(identifier, path)
    types: set[str] = set()
    kind = item.get("type")
    if kind is not None:
        for i, coding in enumerate(_list(_object(kind, f"{path}/type"), "coding", f"{path}/type")):
            at = f"{path}/type/coding/{i}"
            code = _object(coding, at)
            if code.get("system") == V2_0203 and isinstance(code.get("code"), str):
                types.add(code["code"])
    return _Identifier(path, _string(item, "system", path), _string(item, "use", path),
                       frozenset(types), _text(item, "value", path))


def _read_practitioner(resource: JSON, path: str, ctx: _Context) -> None:
    facts = ctx.facts
    clinician = dict(facts.values.get("clinician", {}))
    if "name" in clinician or facts.sources.get("clinician.name"):
        raise _Bad(path, "a second Practitioner: the presentation has one clinician")
    facts.sources["clinician.name"] = path
    clinician["name"] = _choose_name(resource, path, "Practitioner", ctx)
    clinician["registration"] = _registration(resource, path)
    facts.values["clinician"] = _drop_none(clinician)
    facts.sources.setdefault("clinician", path)


def _registration(resource: JSON, path: str) -> str | None:
    """The clinician's professional registration number: the identifier typed with the
    project's ``registration`` code (other identifiers are the EHR's own, and ignored)."""
    identifiers = resource.get("identifier", [])
    if not isinstance(identifiers, list):
        raise _Bad(f"{path}/identifier", "must be a list of identifiers", identifiers)
    for index, identifier in enumerate(identifiers):
        kind = identifier.get("type") if isinstance(identifier, dict) else None
        codings = kind.get("coding", []) if isinstance(kind, dict) else []
        if isinstance(codings, list) and any(
                isinstance(c, dict) and c.get("system") == PROJECT_SYSTEM
                and c.get("code") == "registration" for c in codings):
            value = identifier.get("value")
            if not isinstance(value, str):
                raise _Bad(f"{path}/identifier/{index}/value", "must be text", value)
            return value
    return None


def _read_practitioner_role(resource: JSON, path: str, ctx: _Context) -> None:
    facts = ctx.facts
    code = _first(resource, "code", path)
    role = None if code is None else _concept_text(code, f"{path}/code/0")
    clinician = dict(facts.values.get("clinician", {}))
    if facts.sources.get("clinician.role"):
        raise _Bad(path, "a second PractitionerRole: the presentation has one clinician")
    facts.sources["clinician.role"] = path
    clinician["role"] = role
    facts.values["clinician"] = _drop_none(clinician)
    facts.sources.setdefault("clinician", path)


def _read_encounter(resource: JSON, path: str, ctx: _Context) -> None:
    status = _string(resource, "status", path)
    if status in ENCOUNTER_IGNORED:
        ctx.warn(path, f"Encounter ignored: its status is {status}")
        return
    period = resource.get("period")
    if period is None:
        return
    start = _string(_object(period, f"{path}/period"), "start", f"{path}/period")
    if start is not None:
        ctx.facts.set("date", _date_part(start, f"{path}/period/start"), path)


def _read_condition(resource: JSON, path: str, ctx: _Context) -> None:
    facts = ctx.facts
    code = _object(resource.get("code"), f"{path}/code")
    ignored = _condition_ignored(resource, path)
    if ignored is not None:
        ctx.ignore(path, f"Condition ignored: {ignored} ({_describe(code)})",
                   f"Condition: {ignored}")
        return
    if code.get("coding") is None:
        diagnosis = _text(code, "text", f"{path}/code")
        if diagnosis is None:
            raise _Bad(f"{path}/code", "a Condition needs a coding or a text")
        facts.diagnosis.append(diagnosis)
        _body_sites(resource, path, facts)
    else:
        found = _find(code, f"{path}/code", CONDITION_CODES)
        if found is None:
            _unmapped_condition(code, path, ctx)
            return
        key, at = found
        meaning = CONDITION_CODES[key]
        sites = _body_sites(resource, path, facts)
        if meaning.kind != "none":
            region, where = _region(meaning, key, at, sites, path, ctx)
            facts.set("region", region.value, where)
        if meaning.cause is not None:
            facts.add("causes", meaning.cause.value, at)
        if meaning.neurological is not None:
            facts.set("neurological_condition", meaning.neurological.value, at)
    unsure = _verification(resource, path) & VERIFICATION_UNSURE
    if unsure:
        ctx.warn(f"{path}/verificationStatus", f"Condition read although its verification "
                 f"status is {', '.join(sorted(unsure))} ({_describe(code)})")
    for i, note in enumerate(_list(resource, "note", path)):
        _read_note(_object(note, f"{path}/note/{i}"), f"{path}/note/{i}", facts)
    facts.sources.setdefault("diagnosis", path)
    _fallback_date(resource, "recordedDate", path, 1, ctx)


def _condition_ignored(resource: JSON, path: str) -> str | None:
    """Why a Condition is not current (refuted, in error, resolved, ...), or None."""
    verification = _verification(resource, path)
    for code in sorted(verification & VERIFICATION_IGNORED):
        return f"its verification status is {code}"
    clinical = _status_codes(resource, "clinicalStatus", CLINICAL_STATUS,
                             CLINICAL_CURRENT | CLINICAL_PAST, path)
    for code in sorted(clinical & CLINICAL_PAST):
        return f"its clinical status is {code}"
    for key in _ABATEMENT:
        if key in resource:
            return f"it has abated ({key})"
    return None


def _verification(resource: JSON, path: str) -> set[str]:
    return _status_codes(resource, "verificationStatus", VERIFICATION_STATUS,
                         VERIFICATION_READ | VERIFICATION_IGNORED, path)


def _status_codes(
    resource: JSON, key: str, system: str, allowed: frozenset[str], path: str
) -> set[str]:
    """The codes of a status CodeableConcept in ``system``; an unknown one is a problem."""
    value = resource.get(key)
    if value is None:
        return set()
    concept = _object(value, f"{path}/{key}")
    codes = set()
    for i, coding in enumerate(_list(concept, "coding", f"{path}/{key}")):
        at = f"{path}/{key}/coding/{i}"
        item = _object(coding, at)
        if item.get("system", system) != system:
            continue
        code = item.get("code")
        if not isinstance(code, str) or code not in allowed:
            raise _Bad(f"{at}/code", f"must be one of {', '.join(sorted(allowed))}", code)
        codes.add(code)
    return codes


def _unmapped_condition(concept: JSON, path: str, ctx: _Context) -> None:
    """A Condition none of whose codings the mapper supports: refused or ignored."""
    for i, coding in enumerate(_list(concept, "coding", f"{path}/code")):
        at = f"{path}/code/coding/{i}"
        system, code = _coding_key(coding, at)
        if system == PROJECT_SYSTEM:
            raise _Bad(at, f"Condition code physio-notes '{code}' is not one the mapper "
                       f"supports; supported: {_supported(CONDITION_CODES)}")
        category = icd10cm_category(code) if system == ICD10CM else None
        if category is not None:
            known = [c for (s, c) in CONDITION_CODES if s == ICD10CM
                     and c.startswith(category.prefix)]
            raise _Bad(at, f"Condition code ICD-10-CM '{code}' is not one the mapper supports; "
                       f"it is in category {category.prefix} ({category.title}), which the "
                       f"mapper reads: supported there: {', '.join(known)} (or the project's "
                       "own codes)")
    ctx.ignore(path, f"Condition ignored: not about the spasm, its region or its cause "
               f"({_describe(concept)})", f"Condition: {_describe(concept)}")


def _body_sites(resource: JSON, path: str, facts: _Facts) -> list[tuple[Region | None, str]]:
    """Sets the side from laterality codes; returns the regions the site codes give."""
    sites: list[tuple[Region | None, str]] = []
    for i, site in enumerate(_list(resource, "bodySite", path)):
        at = f"{path}/bodySite/{i}"
        key, where = _pick(_object(site, at), at, _BODY_SITE_CODES, "bodySite")
        if key in SIDE_CODES:
            facts.set("side", SIDE_CODES[key].value, where)
        else:
            sites.append((SITE_CODES[key].region, where))
    return sites


def _region(
    meaning: _ConditionCode, key: tuple[str, str], at: str,
    sites: list[tuple[Region | None, str]], path: str, ctx: _Context,
) -> tuple[Region, str]:
    """The region a Condition gives: its code's, refined or given by its body site."""
    specific = [(r, where) for r, where in sites if r is not None]
    for region, where in specific[1:]:
        if region is not specific[0][0]:
            raise _Bad(where, f"bodySite gives two regions ({specific[0][0].value} and "
                       f"{region.value})")
    named = f"{_SYSTEM_NAMES.get(key[0], key[0])} '{key[1]}' ({meaning.display})"
    if meaning.kind == "fixed":
        assert meaning.region is not None
        for region, where in specific:
            if region is not meaning.region:
                raise _Bad(where, f"bodySite says {region.value} but the Condition code "
                           f"{named} says {meaning.region.value}")
        return meaning.region, at
    back = (Region.LOWER_BACK, Region.MID_BACK)
    if specific:
        region, where = specific[0]
        if meaning.kind == "back" and region not in back:
            raise _Bad(where, f"bodySite says {region.value}, which is not on the back "
                       f"where {named} is")
        return region, where
    if meaning.kind == "body_site" and not sites:
        supported = _supported(SITE_CODES)
        raise _Bad(f"{path}/bodySite", f"{named} does not say where the spasm is: give "
                   f"Condition.bodySite with one of: {supported}")
    ctx.warn(at, f"region read as lower_back: {named} covers the whole back; give "
             "Condition.bodySite (e.g. SNOMED CT 122495006 Thoracic spine) or the project "
             "code mid_back for a mid-back spasm")
    return Region.LOWER_BACK, at


def _read_note(note: JSON, path: str, facts: _Facts) -> None:
    """A Condition.note: the diagnosis, or the plain diagnosis when the project marks it."""
    plain = False
    for i, ext in enumerate(_list(note, "extension", path)):
        at = f"{path}/extension/{i}"
        if _object(ext, at).get("url") == EXT_PLAIN_DIAGNOSIS:
            plain = _boolean(ext, "valueBoolean", at)
    text = _text(note, "text", path)
    if text is None:
        return
    if plain:
        facts.plain_diagnosis.append(text)
        facts.sources.setdefault("plain_diagnosis", path)
    else:
        facts.diagnosis.append(text)


def _read_observation(resource: JSON, path: str, ctx: _Context) -> None:
    facts = ctx.facts
    status = _string(resource, "status", path)
    code = _object(resource.get("code"), f"{path}/code")
    if status in OBSERVATION_IGNORED:
        ctx.warn(path, f"Observation ignored: its status is {status} ({_describe(code)})")
        return
    found = _find(code, f"{path}/code", _OBSERVATION_CODES)
    if found is None:
        for i, coding in enumerate(_list(code, "coding", f"{path}/code")):
            system, value = _coding_key(coding, f"{path}/code/coding/{i}")
            if system == PROJECT_SYSTEM:
                raise _Bad(f"{path}/code/coding/{i}", f"Observation code physio-notes "
                           f"'{value}' is not one the mapper supports; supported: "
                           f"{_supported(_OBSERVATION_CODES)}")
        if not _list(code, "coding", f"{path}/code"):
            raise _Bad(f"{path}/code/coding", "Observation code has no coding",
                       code.get("coding"))
        ctx.warn(path, f"Observation ignored: not about the spasm ({_describe(code)})")
        return
    key, _ = found
    if key == PAIN_SCORE_CODE:
        facts.pain.append(_pain_score(resource, path, ctx.index))
        return
    if key in RED_FLAG_CODES:
        _read_red_flag(RED_FLAG_CODES[key], resource, path, facts)
    else:
        _read_field(key[1], resource, path, facts)
    _fallback_date(resource, "effectiveDateTime", path, 2, ctx)


def _read_field(field: str, resource: JSON, path: str, facts: _Facts) -> None:
    kind, enum_type = _FIELD_KINDS[field]
    if kind in ("enum", "enum_list"):
        assert enum_type is not None
        value = _coded_value(resource, path, enum_type)
        (facts.add if kind == "enum_list" else facts.set)(field, value, path)
    elif kind == "boolean":
        facts.set(field, _boolean(resource, "valueBoolean", path), path)
    elif kind == "text":
        facts.set(field, _required_text(resource, "valueString", path), path)
    elif kind == "date":
        facts.set(field, _date_value(resource, path), path)
    elif kind == "start_back":
        facts.set(field, _start_back(resource, path), path)
    else:
        _read_screen(resource, path, facts)


def _read_screen(resource: JSON, path: str, facts: _Facts) -> None:
    facts.screened = True
    facts.sources.setdefault("red_flags", path)
    if _boolean(resource, "valueBoolean", path):
        facts.screen_positive = path


def _read_red_flag(flag: RedFlag, resource: JSON, path: str, facts: _Facts) -> None:
    facts.screened = True
    facts.sources.setdefault("red_flags", path)
    if _finding_present(resource, path):
        facts.add("red_flags", flag.value, path)


_READERS: Final[Mapping[str, Callable[[JSON, str, _Context], None]]] = {
    "Patient": _read_patient,
    "Practitioner": _read_practitioner,
    "PractitionerRole": _read_practitioner_role,
    "Encounter": _read_encounter,
    "Condition": _read_condition,
    "Observation": _read_observation,
}


def _fallback_date(resource: JSON, key: str, path: str, rank: int, ctx: _Context) -> None:
    value = _string(resource, key, path)
    if value is None:
        return
    _bounds(value, f"{path}/{key}")
    if _ISO_DATE.match(value):
        date = _date(value[:10], f"{path}/{key}")
        ctx.facts.fallback_dates.append((rank, ctx.index, path, date))
