"""FHIR R4 in and out: a Bundle to a :class:`Presentation`, and a care plan to a Bundle.

Plain R4 JSON (``dict``), written by hand: no FHIR library is needed at run time.

* :func:`from_fhir` reads a Bundle of Patient, Practitioner, PractitionerRole, Encounter,
  Condition and Observation resources. Every code it meets must be one of the mapping tables
  in ``_codes``; anything it cannot map (an unknown code, a resource type it does not read, a
  value of the wrong type) is a :class:`~physio_notes.exceptions.PresentationError` whose
  problem paths are JSON Pointers into the Bundle (``/entry/3/resource/code/coding/0``).
  Nothing is dropped.
* :func:`presentation_to_fhir` writes a presentation as a Bundle that :func:`from_fhir` reads
  back to an equal presentation.
* :func:`to_fhir` writes a care plan as a Bundle (type ``collection``) with the Patient, a
  CarePlan (one activity per pathway) and one DocumentReference per rendered document.

Output is deterministic: ``fullUrl`` values are ``urn:uuid:`` UUID-5s of each resource's own
content, and no wall-clock time is written. The mapping tables, the codes and where each code
was checked are documented in ``docs/fhir.md``.

Files:

* ``_codes``: code systems, extension URLs and the mapping tables (data only);
* ``_json``: the JSON type shared by reading and writing;
* ``_read``: :func:`from_fhir` and its helpers;
* ``_write``: :class:`FhirDocument`, :func:`presentation_to_fhir`, :func:`to_fhir` and their
  helpers.
"""

from __future__ import annotations

from ._read import from_fhir
from ._write import FhirDocument, presentation_to_fhir, to_fhir

__all__ = [
    "FhirDocument",
    "from_fhir",
    "presentation_to_fhir",
    "to_fhir",
]
