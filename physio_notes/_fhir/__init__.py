"""FHIR R4 in and out: a Bundle to a :class:`Presentation`, and a care plan to a Bundle.

Plain R4 JSON (``dict``), written by hand: no FHIR library is needed at run time.

* :func:`read_fhir` reads a Bundle as an EHR exports it (collection, searchset, document,
  transaction or batch) into a :class:`FhirReading`: the presentation and the
  :class:`FhirWarning` list of what it ignored or chose. It reads Patient, Practitioner,
  PractitionerRole, Encounter, Condition and Observation resources; other resources, and
  conditions and observations unrelated to the spasm or no longer current, are ignored with a
  warning. What it cannot read safely (a ``modifierExtension``, a resource about another
  patient, an unknown project code or an unknown code of an ICD-10-CM category it knows, a value
  of the wrong type, unit or range, an impossible date) is a
  :class:`~physio_notes.exceptions.PresentationError` whose problem paths are JSON Pointers into
  the Bundle (``/entry/3/resource/code/coding/0``). :func:`from_fhir` is the same reading
  returning the presentation only.
* :func:`presentation_to_fhir` writes a presentation as a Bundle that :func:`from_fhir` reads
  back to an equal presentation.
* :func:`to_fhir` writes a care plan as a Bundle (type ``collection``) with the Patient, a
  CarePlan (one activity per pathway) and one DocumentReference per rendered document.

Output is deterministic: ``fullUrl`` values are ``urn:uuid:`` UUID-5s of each resource's own
content, and no wall-clock time is written. The mapping tables, the codes and where each code
was checked are documented in ``docs/fhir.md``.

Files:

* ``codes.toml``: the code map (SNOMED CT and ICD-10-CM codes, body sites, ICD-10-CM
  categories), each code with the public table it was checked against;
* ``_codes``: code systems, extension URLs and the mapping tables (loads ``codes.toml``);
* ``_json``: the JSON type shared by reading and writing;
* ``_read``: :func:`read_fhir`, :func:`from_fhir`, :class:`FhirReading`, :class:`FhirWarning`:
  the Bundle, its patient, its resources and the presentation they give;
* ``_values``: reading element values (codings, dates and times, pain scores, primitives);
* ``_definitions``: :func:`fhir_definitions`, the StructureDefinitions of the project's
  extensions and its CodeSystems (also shipped as JSON in ``definitions/``);
* ``_write``: :class:`FhirDocument`, :func:`presentation_to_fhir`, :func:`to_fhir` and their
  helpers.
"""

from __future__ import annotations

from ._definitions import fhir_definitions
from ._read import FhirReading, FhirWarning, from_fhir, read_fhir
from ._write import FhirDocument, presentation_to_fhir, to_fhir

__all__ = [
    "FhirDocument",
    "FhirReading",
    "FhirWarning",
    "fhir_definitions",
    "from_fhir",
    "presentation_to_fhir",
    "read_fhir",
    "to_fhir",
]
