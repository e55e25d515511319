"""The presentation: frozen, validated attrs classes of the public input contract.

Field names and enum values are the JSON contract of ``shared/design.md``: clinic software in
any language writes them, so they never change. Every class checks itself when built and
raises one :class:`~physio_notes.exceptions.PresentationError` that lists every problem, so a
presentation that breaks the contract cannot exist.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from typing import Any, Final, TypeVar

import attrs

from ._convert import show as _show
from ._convert import structure, unstructure
from .exceptions import PresentationError, Problem

__all__ = [
    "SCHEMA_VERSION",
    "Cause",
    "Clinician",
    "Duration",
    "NeurologicalCondition",
    "Patient",
    "Presentation",
    "RedFlag",
    "Region",
    "Side",
    "SpasmType",
    "StartBack",
    "Symptom",
]

SCHEMA_VERSION: Final = 1
"""The only ``schema_version`` this release reads and writes."""

_JSON_REQUIRED: Final = ("schema_version", "region")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAX_NAME = 200
_MAX_DIAGNOSIS = 1_000
_MAX_NOTES = 20_000
#: The most items a list field may hold (each list names values of a small enum).
MAX_LIST_ITEMS: Final = 50
_ONE_LINE: Final = {"max_length": _MAX_NAME, "multiline": False}


class Region(enum.StrEnum):
    """Where the spasm is."""

    LOWER_BACK = "lower_back"
    MID_BACK = "mid_back"
    NECK = "neck"
    HANDS = "hands"
    CALVES = "calves"
    FEET = "feet"


class Side(enum.StrEnum):
    """Which side the spasm is on: named in the handout (``central``: the spine's midline)."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    CENTRAL = "central"


#: Regions with a midline, where ``side = "central"`` makes sense.
SPINAL_REGIONS: Final = frozenset({Region.LOWER_BACK, Region.MID_BACK, Region.NECK})


class SpasmType(enum.StrEnum):
    """Primary (protective, right after an injury) or secondary (a symptom of something else)."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    UNKNOWN = "unknown"


class Cause(enum.StrEnum):
    """A cause of the spasm, as the clinician judges it."""

    SUDDEN_MOVEMENT = "sudden_movement"
    OVERSTRETCHING = "overstretching"
    DISC_DISORDER = "disc_disorder"
    NEUROLOGICAL = "neurological"
    OVERUSE_POSTURE = "overuse_posture"
    PROTECTIVE_RESPONSE = "protective_response"
    TIGHT_JOINT_OR_MUSCLE = "tight_joint_or_muscle"
    UNKNOWN = "unknown"


class NeurologicalCondition(enum.StrEnum):
    """The neurological condition behind a spasm (only with cause ``neurological``)."""

    MULTIPLE_SCLEROSIS = "multiple_sclerosis"
    PARKINSONS = "parkinsons"
    STROKE = "stroke"
    OTHER = "other"


class Symptom(enum.StrEnum):
    """A symptom the patient reports."""

    SEVERE_PAIN = "severe_pain"
    TIGHTNESS = "tightness"
    FORWARD_LEANING_POSTURE = "forward_leaning_posture"
    REDUCED_MOVEMENT = "reduced_movement"
    STRESS = "stress"


class Duration(enum.StrEnum):
    """How long one episode of spasm lasts."""

    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"


class RedFlag(enum.StrEnum):
    """A finding that points to serious pathology (urgency lives in the knowledge base)."""

    SADDLE_ANAESTHESIA = "saddle_anaesthesia"
    BLADDER_OR_BOWEL_CHANGE = "bladder_or_bowel_change"
    PROGRESSIVE_LEG_WEAKNESS = "progressive_leg_weakness"
    MAJOR_TRAUMA = "major_trauma"
    HISTORY_OF_CANCER = "history_of_cancer"
    UNEXPLAINED_WEIGHT_LOSS = "unexplained_weight_loss"
    FEVER_OR_SYSTEMICALLY_UNWELL = "fever_or_systemically_unwell"
    CONSTANT_NIGHT_PAIN = "constant_night_pain"
    HAND_CLUMSINESS_OR_GAIT_CHANGE = "hand_clumsiness_or_gait_change"
    DIZZINESS_DOUBLE_VISION_SPEECH_OR_SWALLOWING = "dizziness_double_vision_speech_or_swallowing"
    PROGRESSIVE_ARM_WEAKNESS = "progressive_arm_weakness"
    CALF_SWELLING_REDNESS_OR_WARMTH = "calf_swelling_redness_or_warmth"
    BREATHLESSNESS_OR_CHEST_PAIN = "breathlessness_or_chest_pain"


E = TypeVar("E", bound=enum.Enum)


def _to_enum(kind: type[E], value: object) -> object:
    """Convert a JSON string to ``kind``; leave anything else for the checks to report."""
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            return value
    return value


def _to_enum_tuple(kind: type[E], value: object) -> object:
    """Convert a JSON list to a tuple of ``kind``; leave anything else for the checks."""
    if isinstance(value, list | tuple):
        return tuple(_to_enum(kind, v) for v in value)
    return value


# Named converters (mypy's attrs plugin reads named functions).
def _region(value: object) -> Any:
    return _to_enum(Region, value)


def _side(value: object) -> Any:
    return _to_enum(Side, value)


def _spasm_type(value: object) -> Any:
    return _to_enum(SpasmType, value)


def _causes(value: object) -> Any:
    return _to_enum_tuple(Cause, value)


def _neurological_condition(value: object) -> Any:
    return _to_enum(NeurologicalCondition, value)


def _symptoms(value: object) -> Any:
    return _to_enum_tuple(Symptom, value)


def _duration(value: object) -> Any:
    return _to_enum(Duration, value)


def _red_flags(value: object) -> Any:
    return _to_enum_tuple(RedFlag, value)


def _lenient_date(value: object) -> Any:
    """Parse an ISO ``YYYY-MM-DD`` string; leave anything else for the checks."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def bad_character(text: str, *, multiline: bool) -> str | None:
    """What is wrong with a character of ``text``, or ``None``: lone surrogates (not Unicode
    text) and control characters are refused; free text may hold newlines and tabs."""
    allowed = {"\n", "\t", "\r"} if multiline else set()
    for position, char in enumerate(text):
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"must be Unicode text (a lone surrogate U+{code:04X} at position {position})"
        if unicodedata.category(char) == "Cc" and char not in allowed:
            what = "control characters" if multiline else "line breaks or control characters"
            return f"must not contain {what} (U+{code:04X} at position {position})"
    return None


class _Checker:
    """Collects problems, each with its field path, what was found and what is allowed."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.problems: list[Problem] = []

    def add(self, field: str, message: str, value: object = attrs.NOTHING) -> None:
        found = None if value is attrs.NOTHING else _show(value)
        self.problems.append(Problem(f"$.{field}", message, found))

    def valid(self, *fields: str) -> bool:
        """True when none of ``fields`` (or anything inside them) has a problem yet."""
        bad = {p.path.split("[")[0] for p in self.problems}
        return not any(f"$.{field}" in bad for field in fields)

    def raise_if_any(self) -> None:
        if self.problems:
            raise PresentationError(self.problems)

    def choice(self, field: str, kind: type[enum.Enum], *, optional: bool = False) -> None:
        value = getattr(self.obj, field)
        if (value is None and optional) or isinstance(value, kind):
            return
        self.add(field, f"must be one of {_choices(kind)}", value)

    def choice_list(self, field: str, kind: type[enum.Enum], *, optional: bool = False) -> None:
        value = getattr(self.obj, field)
        if value is None and optional:
            return
        if not isinstance(value, tuple):
            self.add(field, f"must be a list of {_choices(kind)}", value)
            return
        if len(value) > MAX_LIST_ITEMS:
            self.add(field, f"must hold at most {MAX_LIST_ITEMS} items (got {len(value)})")
            return
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                self.add(f"{field}[{i}]", f"must be one of {_choices(kind)}", item)

    def _meta(self, field: str, key: str) -> Any:
        return attrs.fields_dict(type(self.obj))[field].metadata[key]

    def text(self, field: str) -> None:
        limit = self._meta(field, "max_length")
        value = getattr(self.obj, field)
        if value is None:
            return
        if not isinstance(value, str):
            self.add(field, "must be a string or null", value)
        elif len(value) > limit:
            self.add(field, f"must be at most {limit} characters (got {len(value)})")
        elif (bad := bad_character(value, multiline=self._meta(field, "multiline"))) is not None:
            self.add(field, bad)

    def integer(self, field: str, *, optional: bool = False) -> None:
        low, high = self._meta(field, "range")
        value = getattr(self.obj, field)
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, f"must be a whole number from {low} to {high}", value)
        elif not low <= value <= high:
            self.add(field, f"must be from {low} to {high}", value)

    def boolean(self, field: str) -> None:
        value = getattr(self.obj, field)
        if value is not None and not isinstance(value, bool):
            self.add(field, "must be true, false or null", value)

    def date(self, field: str) -> None:
        value = getattr(self.obj, field)
        if value is not None and not (
            isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        ):
            self.add(field, "must be an ISO date YYYY-MM-DD", value)

    def nested(self, field: str, kind: type) -> None:
        value = getattr(self.obj, field)
        if value is not None and not isinstance(value, kind):
            self.add(field, f"must be an object ({kind.__name__}) or null", value)


def _choices(kind: type[enum.Enum]) -> str:
    return ", ".join(repr(m.value) for m in kind)


class _SelfChecking:
    """Mixin: after ``__init__``, run ``_problems`` and raise them all at once."""

    __slots__ = ()

    def _problems(self, check: _Checker) -> None:
        raise NotImplementedError

    def __attrs_post_init__(self) -> None:
        checker = _Checker(self)
        self._problems(checker)
        checker.raise_if_any()


@attrs.frozen(kw_only=True)
class Patient(_SelfChecking):
    """Who the patient is. Every field is optional; none is needed for a plan.

    Attributes:
        name: As it should appear on the handout.
        id: The clinic's identifier (printed on clinician documents only).
        date_of_birth: ISO date.
    """

    name: str | None = attrs.field(default=None, metadata=_ONE_LINE)
    id: str | None = attrs.field(default=None, metadata=_ONE_LINE)
    date_of_birth: dt.date | None = attrs.field(default=None, converter=_lenient_date)

    def _problems(self, check: _Checker) -> None:
        check.text("name")
        check.text("id")
        check.date("date_of_birth")


@attrs.frozen(kw_only=True)
class Clinician(_SelfChecking):
    """The clinician who saw the patient.

    Attributes:
        name, role: As they sign letters.
        registration: Their professional registration number (for example with CORU or the
            HCPC), printed under the signature of a referral letter.
    """

    name: str | None = attrs.field(default=None, metadata=_ONE_LINE)
    role: str | None = attrs.field(default=None, metadata=_ONE_LINE)
    registration: str | None = attrs.field(default=None, metadata=_ONE_LINE)

    def _problems(self, check: _Checker) -> None:
        check.text("name")
        check.text("role")
        check.text("registration")


@attrs.frozen(kw_only=True)
class StartBack(_SelfChecking):
    """A Keele STarT Back Screening Tool result, scored by the clinician.

    Attributes:
        total: Overall score, 0–9.
        distress: Psychosocial subscale (items 5–9), 0–5; part of the total.
    """

    total: int = attrs.field(metadata={"range": (0, 9)})
    distress: int = attrs.field(metadata={"range": (0, 5)})

    def _problems(self, check: _Checker) -> None:
        check.integer("total")
        check.integer("distress")
        if not check.problems and self.distress > self.total:
            check.add(
                "distress",
                f"must not exceed total ({self.total}): items 5–9 are part of the total",
                self.distress,
            )

    @property
    def risk(self) -> str:
        """The risk group: ``low`` (total ≤ 3), ``high`` (distress ≥ 4) or ``medium``."""
        if self.total <= 3:
            return "low"
        return "high" if self.distress >= 4 else "medium"


@attrs.frozen(kw_only=True)
class Presentation(_SelfChecking):
    """A structured presentation of a back- or neck-related muscle spasm.

    Build it in Python (enum members or their JSON strings both work) or from the JSON
    contract with :meth:`from_dict`. Construction validates everything and raises a single
    :class:`~physio_notes.exceptions.PresentationError` listing every problem.

    ``red_flags`` is ``None`` when red flags were not screened, and an empty tuple when they
    were screened and none was found; the two are reported differently.
    """

    region: Region = attrs.field(converter=_region)
    side: Side | None = attrs.field(default=None, converter=_side)
    schema_version: int = SCHEMA_VERSION
    patient: Patient | None = None
    clinician: Clinician | None = None
    date: dt.date | None = attrs.field(default=None, converter=_lenient_date)
    spasm_type: SpasmType = attrs.field(
        default=SpasmType.UNKNOWN, converter=_spasm_type
    )
    causes: tuple[Cause, ...] = attrs.field(default=(), converter=_causes)
    neurological_condition: NeurologicalCondition | None = attrs.field(
        default=None, converter=_neurological_condition
    )
    symptoms: tuple[Symptom, ...] = attrs.field(default=(), converter=_symptoms)
    duration: Duration | None = attrs.field(default=None, converter=_duration)
    recurrent: bool | None = None
    eased_by_heat_and_positioning: bool | None = None
    pain_score: int | None = attrs.field(default=None, metadata={"range": (0, 10)})
    diagnosis: str | None = attrs.field(
        default=None, metadata={"max_length": _MAX_DIAGNOSIS, "multiline": True}
    )
    plain_diagnosis: str | None = attrs.field(
        default=None, metadata={"max_length": _MAX_DIAGNOSIS, "multiline": True}
    )
    review_date: dt.date | None = attrs.field(default=None, converter=_lenient_date)
    red_flags: tuple[RedFlag, ...] | None = attrs.field(
        default=None, converter=_red_flags
    )
    notes: str | None = attrs.field(
        default=None, metadata={"max_length": _MAX_NOTES, "multiline": True}
    )
    start_back: StartBack | None = None

    def _problems(self, check: _Checker) -> None:
        if type(self.schema_version) is not int or self.schema_version != SCHEMA_VERSION:
            check.add("schema_version", f"must be {SCHEMA_VERSION}", self.schema_version)
        check.nested("patient", Patient)
        check.nested("clinician", Clinician)
        check.date("date")
        check.choice("region", Region)
        check.choice("side", Side, optional=True)
        check.choice("spasm_type", SpasmType)
        check.choice_list("causes", Cause)
        check.choice("neurological_condition", NeurologicalCondition, optional=True)
        check.choice_list("symptoms", Symptom)
        check.choice("duration", Duration, optional=True)
        check.boolean("recurrent")
        check.boolean("eased_by_heat_and_positioning")
        check.integer("pain_score", optional=True)
        check.text("diagnosis")
        check.text("plain_diagnosis")
        check.date("review_date")
        check.choice_list("red_flags", RedFlag, optional=True)
        check.text("notes")
        check.nested("start_back", StartBack)
        self._cross_field_problems(check)

    def _cross_field_problems(self, check: _Checker) -> None:
        """Contradictions between fields, each checked once its own fields are valid."""
        causes_ok = check.valid("causes")
        if causes_ok and Cause.UNKNOWN in self.causes and len(set(self.causes)) > 1:
            check.add("causes", "'unknown' cannot be combined with a known cause", self.causes)
        if (
            causes_ok
            and check.valid("neurological_condition")
            and self.neurological_condition is not None
            and Cause.NEUROLOGICAL not in self.causes
        ):
            check.add(
                "neurological_condition",
                "is allowed only when causes include 'neurological'",
                self.neurological_condition,
            )
        if (
            check.valid("start_back", "region")
            and self.start_back is not None
            and self.region is not Region.LOWER_BACK
        ):
            check.add(
                "start_back",
                "is valid only for region 'lower_back' (the tool screens low back pain)",
                self.region,
            )
        if (
            check.valid("side", "region")
            and self.side is Side.CENTRAL
            and self.region not in SPINAL_REGIONS
        ):
            check.add("side", "'central' is allowed only for lower_back, mid_back and neck; "
                              "use left, right or both", self.side)
        if (
            check.valid("date", "review_date")
            and self.date is not None
            and self.review_date is not None
            and self.review_date < self.date
        ):
            check.add("review_date", "must not be before the encounter date", self.review_date)
        born = self.patient.date_of_birth if isinstance(self.patient, Patient) else None
        if (
            check.valid("date")
            and isinstance(born, dt.date)
            and self.date is not None
            and born > self.date
        ):
            check.add("patient.date_of_birth", "must not be after the encounter date", born)

    @property
    def encounter_date(self) -> dt.date:
        """The encounter date: :attr:`date`, or today when it was not given."""
        return self.date if self.date is not None else dt.date.today()

    @classmethod
    def from_dict(cls, data: object) -> Presentation:
        """Build a presentation from the JSON contract (a parsed JSON object).

        Raises:
            PresentationError: listing every unknown field, missing field, wrong type,
                value out of range and contradiction, each with its path.
        """
        return structure(cls, data, required=_JSON_REQUIRED)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract for this presentation; :meth:`from_dict` reads it back equal."""
        return unstructure(self)


for _cls in (Patient, Clinician, StartBack, Presentation):
    attrs.resolve_types(_cls)  # real types on attrs.fields(), for the converter and schema
