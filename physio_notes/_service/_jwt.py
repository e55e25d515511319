"""CDS Hooks 2.0 authorisation: the EHR's signed JWT, checked against keys given in advance.

A CDS client (the EHR) calls a CDS service with ``Authorization: Bearer <JWT>``: a JSON Web
Token it signs with its private key (ES384 or RS384), whose claims say who sent it (``iss``),
which client (``sub``), for which service endpoint (``aud``: the URL called), when (``iat``,
``exp``: at most 5 minutes on) and once (``jti``). See the CDS Hooks 2.0 specification,
"Trusting CDS Clients".

This service makes no network calls to fetch keys: the operator lists each trusted issuer with
its public keys (a JWKS) in one JSON file, ``{"issuers": {"<iss>": {"keys": [<JWK>, ...]}}}``,
given with ``--cds-jwks FILE`` (or ``PHYSIO_NOTES_CDS_JWKS``). A token is accepted only when
its issuer is listed, its ``kid`` names one of that issuer's keys, the signature verifies with
that key and an allowed algorithm, every required claim is there, ``aud`` is this endpoint's
URL, it has not expired (60 s of clock leeway), and its ``jti`` has not been seen before while
the token is still valid. Every refusal is a 401 naming the reason, never the token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import jwt

from ..exceptions import PhysioNotesError

__all__ = ["ALGORITHMS", "CdsTrust", "TokenRefused"]

#: The signing algorithms CDS Hooks 2.0 allows (ES384, RS384).
ALGORITHMS: Final = ("ES384", "RS384")
_REQUIRED: Final = ("iss", "sub", "aud", "exp", "iat", "jti")
_LEEWAY: Final = 60
_MAX_LIFETIME: Final = 3600  # the specification asks for 5 minutes; refuse anything absurd


class TokenRefused(Exception):
    """A CDS client's JWT was refused; the message says why (it never holds the token)."""


class CdsTrust:
    """The trusted CDS clients (issuer → public keys) and the token ids already used."""

    def __init__(self, keys: Mapping[str, Mapping[str, jwt.PyJWK]]) -> None:
        self._keys = {iss: dict(by_kid) for iss, by_kid in keys.items()}
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    @property
    def issuers(self) -> tuple[str, ...]:
        """The trusted issuers, in file order."""
        return tuple(self._keys)

    @classmethod
    def from_file(cls, path: str | Path) -> CdsTrust:
        """Read and check the trust file; every problem names the issuer and key.

        Raises:
            PhysioNotesError: the file cannot be read, is not the shape above, lists no
                issuer, or holds a key that is not a public ES384/RS384 key with a ``kid``.
        """
        where = f"serve: the CDS trust file {path}"
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise PhysioNotesError(f"{where} cannot be read: {exc}") from None
        issuers = data.get("issuers") if isinstance(data, dict) else None
        if not isinstance(issuers, dict) or not issuers:
            raise PhysioNotesError(f'{where} must be {{"issuers": {{"<iss>": {{"keys": '
                                   "[<JWK>, ...]}}}}}} with at least one issuer")
        return cls({iss: _issuer_keys(where, iss, jwks) for iss, jwks in issuers.items()})

    def verify(self, token: str, audience: str, now: float | None = None) -> dict[str, Any]:
        """The token's claims when it is acceptable for ``audience`` (this endpoint's URL).

        Raises:
            TokenRefused: why it is not.
        """
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise TokenRefused("the bearer token is not a JWT") from None
        issuer = unverified.get("iss")
        if not isinstance(issuer, str) or issuer not in self._keys:
            raise TokenRefused("the JWT's issuer (iss) is not a trusted CDS client")
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise TokenRefused(f"the JWT must be signed with {' or '.join(ALGORITHMS)}")
        key = self._keys[issuer].get(str(header.get("kid")))
        if key is None:
            raise TokenRefused("the JWT's key id (kid) is not one of its issuer's keys")
        if key.algorithm_name != alg:
            raise TokenRefused("the JWT's algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=[alg], audience=audience, issuer=issuer,
                leeway=_LEEWAY, options={"require": list(_REQUIRED)})
        except jwt.ExpiredSignatureError:
            raise TokenRefused("the JWT has expired") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused(f"the JWT's audience (aud) must be {audience}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused(f"the JWT lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise TokenRefused("the JWT's signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"the JWT is not valid: {type(exc).__name__}") from None
        if float(claims["exp"]) - float(claims["iat"]) > _MAX_LIFETIME:
            raise TokenRefused(f"the JWT may live at most {_MAX_LIFETIME} s (exp - iat)")
        self._once(issuer, str(claims["jti"]), float(claims["exp"]), now)
        return claims

    def _once(self, issuer: str, jti: str, expires: float, now: float | None) -> None:
        """Refuse a token id seen before; forget ids once their token has expired."""
        clock = time.time() if now is None else now
        with self._lock:
            self._seen = {k: exp for k, exp in self._seen.items() if exp + _LEEWAY >= clock}
            if (issuer, jti) in self._seen:
                raise TokenRefused("the JWT was used before (its jti is not new)")
            self._seen[(issuer, jti)] = expires


def _issuer_keys(where: str, issuer: object, jwks: object) -> dict[str, jwt.PyJWK]:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(issuer, str) or not issuer or not isinstance(keys, list) or not keys:
        raise PhysioNotesError(f"{where}: issuer {issuer!r} must have a non-empty 'keys' list")
    found: dict[str, jwt.PyJWK] = {}
    for number, jwk in enumerate(keys, start=1):
        label = f"{where}: issuer {issuer!r}, key {number}"
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
            raise PhysioNotesError(f"{label} must be a JWK object with a 'kid'")
        if "d" in jwk:
            raise PhysioNotesError(f"{label} ({jwk['kid']!r}) is a private key: give the "
                                   "public key only")
        try:
            key = jwt.PyJWK(jwk)
        except jwt.PyJWTError as exc:
            raise PhysioNotesError(f"{label} ({jwk['kid']!r}) is not a usable key: {exc}") \
                from None
        if key.algorithm_name not in ALGORITHMS:
            raise PhysioNotesError(f"{label} ({jwk['kid']!r}) must be an ES384 (EC P-384) or "
                                   f"RS384 (RSA) key; set its 'alg' (got {key.algorithm_name})")
        found[jwk["kid"]] = key
    return found
