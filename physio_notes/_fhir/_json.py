"""The JSON type shared by the FHIR reader and writer."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
