"""The handout links of CDS cards: everything needed to render again, encrypted, with an expiry.

A card's link must work on any instance behind a load balancer, without shared storage, and
must carry no readable patient data. So the link carries the presentation itself, encrypted
and authenticated with Fernet (AES-128-CBC and HMAC-SHA256, with the time it was made). The
Fernet key is derived (HKDF-SHA256) from the secret every instance shares; a link changed by
one bit, made with another secret, or older than its time to live is refused. Nothing is
stored: any instance with the secret can open the link and render the handout again.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["MAX_LINK_CHARS", "LinkExpired", "LinkInvalid", "LinkKey"]

#: Longer tokens are refused before any cryptography (a presentation is well under this).
MAX_LINK_CHARS: Final = 32_000
_INFO: Final = b"physio-notes cds-hooks handout link v1"
_VERSION: Final = 1


class LinkInvalid(Exception):
    """Not a link this service made (changed, or made with another secret)."""


class LinkExpired(Exception):
    """A link this service made, past its time to live."""


class LinkKey:
    """Makes and opens handout links with a key derived from a shared secret.

    Args:
        secret: The secret shared by every instance; ``None`` makes a random one, and links
            then open only on this process.
        ttl: Seconds a link works.
    """

    def __init__(self, secret: str | None, ttl: int) -> None:
        material = secret.encode("utf-8") if secret is not None else secrets.token_bytes(32)
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.ttl = ttl
        self.shared = secret is not None

    def make(self, presentation: dict[str, Any], page_size: str, *,
             at: int | None = None) -> str:
        """A token (URL-safe text) holding the presentation and page size, encrypted; ``at``
        is the time it was made (seconds since the epoch; default: now)."""
        payload = {"v": _VERSION, "page_size": page_size, "presentation": presentation}
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        token = (self._fernet.encrypt(data) if at is None
                 else self._fernet.encrypt_at_time(data, at))
        return token.decode("ascii")

    def open(self, token: str) -> tuple[dict[str, Any], str]:
        """The presentation and page size a token holds.

        Raises:
            LinkInvalid: the token was not made with this secret, or was changed.
            LinkExpired: the token is older than the time to live.
        """
        if len(token) > MAX_LINK_CHARS or not token.isascii():
            raise LinkInvalid
        try:
            made = self._fernet.extract_timestamp(token.encode("ascii"))
        except InvalidToken:
            raise LinkInvalid from None
        if time.time() - made > self.ttl:
            raise LinkExpired
        try:
            data = json.loads(self._fernet.decrypt(token.encode("ascii"), ttl=self.ttl))
        except InvalidToken:  # made in the future (clock skew), or expired since
            raise LinkExpired from None
        if (not isinstance(data, dict) or data.get("v") != _VERSION
                or not isinstance(data.get("presentation"), dict)
                or data.get("page_size") not in ("A4", "Letter")):
            raise LinkInvalid
        return data["presentation"], data["page_size"]
