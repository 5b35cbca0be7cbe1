"""Password hashing: production's argon2 parameters, and the cheap ones only tests use."""

from __future__ import annotations

import pytest
from argon2.exceptions import VerifyMismatchError

from app.platform.auth import password_hasher

PRODUCTION_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"  # RFC 9106 low-memory: 64 MiB, 3 passes


@pytest.mark.parametrize("env", ["production", "development"])
def test_every_environment_but_test_hashes_with_the_rfc_9106_parameters(env):
    hashed = password_hasher(env).hash("correct horse battery staple")
    assert hashed.startswith(PRODUCTION_PREFIX)
    assert password_hasher(env).verify(hashed, "correct horse battery staple")


def test_the_test_environment_hashes_cheaply_and_either_hasher_verifies_the_other():
    cheap, production = password_hasher("test"), password_hasher("production")
    hashed = cheap.hash("pw")
    assert hashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert production.verify(hashed, "pw") and cheap.verify(production.hash("pw"), "pw")
    with pytest.raises(VerifyMismatchError):
        cheap.verify(hashed, "other")
