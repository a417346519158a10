"""Tokens as Identity-Aware Proxy signs them, with keys made in the test (nothing fetched)."""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.auth import jwt
from google.auth.crypt import es256

from trendwatch.api.iap import IAP_ISSUER

#: The backend service the tokens are for.
AUDIENCE = "/projects/123456789/global/backendServices/987654321"


class SigningKey:
    """An EC P-256 key pair standing in for one of IAP's keys."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        private = ec.generate_private_key(ec.SECP256R1())
        self._private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.public_pem = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def token(self, **changes: Any) -> str:
        """A token as IAP signs it for ``dana@shop.example``, with ``changes`` to its claims."""
        now = int(time.time())
        claims = {
            "iss": IAP_ISSUER,
            "aud": AUDIENCE,
            "sub": "accounts.google.com:1001",
            "email": "dana@shop.example",
            "iat": now - 10,
            "exp": now + 600,
        } | changes
        signer = es256.ES256Signer.from_string(self._private_pem, self.key_id)
        encoded: bytes = jwt.encode(signer, claims)  # type: ignore[no-untyped-call]
        return encoded.decode()
