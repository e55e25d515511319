"""CDS Hooks 2.0 authorisation: a CDS call carries the EHR's signed JWT, checked against the
trusted issuers' public keys (``--cds-jwks``); every refusal is a 401 that names the reason."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from physio_notes._service._app import create_app
from physio_notes._service._cds import SERVICE_ID
from physio_notes._service._jwt import CdsTrust, TokenRefused
from physio_notes._service._options import ServeOptions
from physio_notes.exceptions import PhysioNotesError

from .service_helpers import InProcess, cds_request

ISSUER = "https://ehr.example.org"
CDS = f"/cds-services/{SERVICE_ID}"
AUDIENCE = f"http://testserver{CDS}"
TOKEN = "a-bearer-token-for-tests-0123"
EC_KEY = ec.generate_private_key(ec.SECP384R1())
OTHER_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: Any, kid: str, alg: str) -> dict[str, Any]:
    """The public half of ``key`` as a JWK with its kid and alg."""
    algorithm = jwt.algorithms.ECAlgorithm if alg == "ES384" else jwt.algorithms.RSAAlgorithm
    jwk: dict[str, Any] = json.loads(algorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": alg}


def trust_file(folder: Path, issuers: dict[str, Any]) -> Path:
    """A trust file listing ``issuers``."""
    path = folder / "cds-trust.json"
    path.write_text(json.dumps({"issuers": issuers}), encoding="utf-8")
    return path


def token(key: Any = EC_KEY, *, kid: str = "ehr-1", alg: str = "ES384",
          **claims: Any) -> str:
    """A CDS client's JWT, valid unless ``claims`` say otherwise (None drops a claim)."""
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "ehr-client", "aud": AUDIENCE, "iat": now,
            "exp": now + 300, "jti": str(uuid.uuid4()), **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=alg,
                      headers={"kid": kid})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    """The service trusting one EHR (an ES384 and an RS384 key), with a token for other POSTs."""
    path = trust_file(tmp_path_factory.mktemp("trust"), {ISSUER: {"keys": [
        public_jwk(EC_KEY, "ehr-1", "ES384"), public_jwk(RSA_KEY, "ehr-rsa", "RS384")]}})
    running = InProcess(create_app(ServeOptions(workers=1, token=TOKEN, cds_jwks=str(path))))
    yield running
    running.close()


def call(app: InProcess, bearer: str | None) -> Any:
    """POST the calf-cramp CDS call with ``bearer``."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return app.post(CDS, json=cds_request("calf-cramp"), headers=headers)


def test_a_call_signed_by_a_trusted_ehr_gets_its_cards(app: InProcess) -> None:
    """ES384 and RS384 tokens from the trusted issuer, for this endpoint: 200 with cards."""
    for signed in (token(), token(RSA_KEY, kid="ehr-rsa", alg="RS384")):
        answer = call(app, signed)
        assert answer.status_code == 200, answer.text
        assert answer.json()["cards"]


@pytest.mark.parametrize(("bearer", "reason"), [
    pytest.param(None, "not a JWT", id="no-token"),
    pytest.param(TOKEN, "not a JWT", id="the-service-token"),
    pytest.param(token(iss="https://other.example"), "issuer", id="untrusted-issuer"),
    pytest.param(token(kid="unknown"), "key id", id="unknown-kid"),
    pytest.param(token(OTHER_KEY), "signature", id="wrong-key"),
    pytest.param(token(aud="http://testserver/cds-services/other"), "audience",
                 id="other-endpoint"),
    pytest.param(token(iat=int(time.time()) - 900, exp=int(time.time()) - 600), "expired",
                 id="expired"),
    pytest.param(token(jti=None), "'jti'", id="no-jti"),
    pytest.param(token(sub=None), "'sub'", id="no-sub"),
    pytest.param(token(exp=int(time.time()) + 86400), "at most", id="too-long-lived"),
    pytest.param(jwt.encode({"iss": ISSUER}, "a-shared-secret-of-32-bytes-min!", "HS256",
                            headers={"kid": "ehr-1"}), "ES384 or RS384", id="hs256"),
    pytest.param(token(RSA_KEY, kid="ehr-1", alg="RS384"), "does not match", id="alg-mismatch"),
])
def test_a_refused_token_is_401_saying_why(app: InProcess, bearer: str | None,
                                           reason: str) -> None:
    """Each way a token can be wrong is refused with a reason, never echoing the token."""
    answer = call(app, bearer)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    body = answer.json()
    assert body["error"] == "unauthorised"
    assert reason in body["message"]
    assert bearer is None or bearer not in answer.text


def test_a_token_is_accepted_once(app: InProcess) -> None:
    """Replaying the same JWT (same jti) is refused."""
    signed = token()
    assert call(app, signed).status_code == 200
    again = call(app, signed)
    assert again.status_code == 401
    assert "used before" in again.json()["message"]


def test_other_posts_still_need_the_service_token(app: InProcess) -> None:
    """The trust file guards CDS calls only; /plan keeps its bearer token."""
    assert app.post("/plan", json={"region": "neck"},
                    headers={"Authorization": f"Bearer {token()}"}).status_code == 401
    assert app.get("/cds-services").status_code == 200


def test_ids_are_forgotten_once_their_token_has_expired(tmp_path: Path) -> None:
    """The replay memory holds a jti only while its token could still be used."""
    trust = CdsTrust.from_file(trust_file(tmp_path, {ISSUER: {"keys": [
        public_jwk(EC_KEY, "ehr-1", "ES384")]}}))
    signed = token()
    claims = trust.verify(signed, AUDIENCE)
    with pytest.raises(TokenRefused, match="used before"):
        trust.verify(signed, AUDIENCE)
    later = float(claims["exp"]) + 3600
    trust._once(ISSUER, "another", later + 300, now=later)
    assert (ISSUER, claims["jti"]) not in trust._seen


@pytest.mark.parametrize(("content", "message"), [
    pytest.param("not json", "cannot be read", id="not-json"),
    pytest.param({"issuers": {}}, "at least one issuer", id="no-issuer"),
    pytest.param({"issuers": {ISSUER: {"keys": []}}}, "non-empty 'keys'", id="no-keys"),
    pytest.param({"issuers": {ISSUER: {"keys": [{"kty": "EC"}]}}}, "with a 'kid'", id="no-kid"),
    pytest.param({"issuers": {ISSUER: {"keys": [{"kid": "x", "kty": "EC", "crv": "P-384",
                                                 "x": "AA", "y": "AA"}]}}},
                 "not a usable key", id="broken-key"),
    pytest.param({"issuers": {ISSUER: {"keys": [{**public_jwk(EC_KEY, "p", "ES384"),
                                                 "d": "secret"}]}}},
                 "private key", id="private-key"),
    pytest.param({"issuers": {ISSUER: {"keys": [{**public_jwk(RSA_KEY, "r", "RS384"),
                                                 "alg": "RS256"}]}}},
                 "ES384 (EC P-384) or RS384", id="rs256"),
])
def test_a_bad_trust_file_is_refused_at_start(tmp_path: Path, content: Any,
                                              message: str) -> None:
    """Every problem names the file, the issuer and the key; the service does not start."""
    path = tmp_path / "trust.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    with pytest.raises(PhysioNotesError, match="CDS trust file") as info:
        CdsTrust.from_file(path)
    assert message in str(info.value)
    assert "secret" not in str(info.value)


def test_the_trust_file_must_exist() -> None:
    """--cds-jwks naming no file is an option error, before anything starts."""
    with pytest.raises(PhysioNotesError, match="--cds-jwks must name a file"):
        ServeOptions(cds_jwks="/no/such/trust.json")
