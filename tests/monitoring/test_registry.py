"""DOCKER probe against a local registry speaking the distribution protocol over plain HTTP
(127.0.0.1 is spoken to over HTTP, as Docker does): Bearer challenge, token service,
manifests by Accept, index → linux/amd64, config blob through a CDN redirect."""

from __future__ import annotations

import asyncio

import pytest

from app.monitoring.domain.targets import TargetError, parse_image, registry_is_insecure
from tests.monitoring.oci_registry import Registry
from workers.monitoring.net import Policy
from workers.monitoring.probes import registry as reg
from workers.monitoring.probes.registry import probe_image

OPEN = Policy(allow_private=True)


@pytest.fixture
def registry():
    reg._tokens.clear()  # each test sees the token flow from the start
    with Registry() as r:
        yield r


def probe(target, policy=OPEN, insecure=()):
    return asyncio.run(probe_image(target, 5, False, policy, insecure=insecure))


@pytest.mark.parametrize(
    "ref, expected, api",
    [
        ("nginx", "docker.io/library/nginx:latest", "registry-1.docker.io"),
        ("nginx:alpine", "docker.io/library/nginx:alpine", "registry-1.docker.io"),
        ("bitnami/redis:7.2", "docker.io/bitnami/redis:7.2", "registry-1.docker.io"),
        ("index.docker.io/library/nginx", "docker.io/library/nginx:latest", "registry-1.docker.io"),
        ("ghcr.io/org/app:v1", "ghcr.io/org/app:v1", "ghcr.io"),
        ("localhost:5000/app", "localhost:5000/app:latest", "localhost:5000"),
        ("localhost/app", "localhost/app:latest", "localhost"),
        (
            "quay.io/org/app@sha256:" + "a" * 64,
            "quay.io/org/app@sha256:" + "a" * 64,
            "quay.io",
        ),
    ],
)
def test_references_are_normalized_like_the_docker_cli(ref, expected, api):
    image = parse_image(ref)
    assert str(image) == expected
    assert image.api_host == api


@pytest.mark.parametrize("ref", ["", "Nginx", "nginx:", "nginx@sha256:short", "a//b", "-x"])
def test_invalid_references_are_refused(ref):
    with pytest.raises(TargetError):
        parse_image(ref)


def test_loopback_and_listed_registries_use_plain_http():
    assert registry_is_insecure("127.0.0.1:5000", ())
    assert registry_is_insecure("127.8.9.10", ())
    assert registry_is_insecure("registry.internal:5000", ("registry.internal:5000",))
    assert not registry_is_insecure("ghcr.io", ())


def test_a_multi_arch_image_is_pullable_via_token_and_amd64(registry):
    result = probe(f"{registry.host}/library/nginx:latest")
    assert (result.status, result.error_code) == ("AVAILABLE", None), result.message
    assert "linux/amd64" in result.message
    # Index by tag, then the amd64 manifest by digest.
    assert registry.fetched[-2:] == ["latest", registry.amd64_digest]
    token = registry.token_requests[-1]
    assert token == {"scope": "repository:library/nginx:pull", "service": "fake-registry"}
    # The token went to the registry only: not to the token service, not to the blob CDN.
    assert registry.violations == []
    assert any(
        r["headers"].get("Authorization") == "Bearer pull:library/nginx"
        for r in registry.api.requests
    )
    assert registry.cdn.requests and all(
        "Authorization" not in r["headers"] for r in registry.cdn.requests
    )


def test_a_single_docker_v2_manifest_is_pullable(registry):
    result = probe(f"{registry.host}/team/plain")
    assert result.status == "AVAILABLE", result.message
    assert registry.cdn.requests[-1]["method"] == "HEAD"


def test_without_amd64_the_first_real_platform_is_checked_and_named(registry):
    result = probe(f"{registry.host}/team/armonly")
    assert result.status == "AVAILABLE"
    assert "linux/arm64 (no linux/amd64)" in result.message


@pytest.mark.parametrize(
    "target, says",
    [
        ("team/private", "refused (401): the image is private or does not exist"),
        ("team/nosuchrepo", "Repository team/nosuchrepo does not exist on 127.0.0.1"),
        ("library/nginx:9.9.9", "Tag 9.9.9 of 127.0.0.1"),
        ("team/brokenblob", "config blob"),
        ("team/limited", "pull rate limit was reached (429) (retry after 60s)"),
        ("team/forbidden", "is forbidden (403) for anonymous pulls"),
    ],
)
def test_registry_errors_become_sentences(registry, target, says):
    result = probe(f"{registry.host}/{target}")
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "DOCKER_ERROR")
    assert says in result.message
    assert registry.violations == []


def test_the_token_is_reused_within_its_lifetime(registry):
    probe(f"{registry.host}/library/nginx")
    probe(f"{registry.host}/library/nginx")
    assert len(registry.token_requests) == 1


def test_a_registry_on_loopback_is_refused_without_allow_private(registry):
    result = probe(f"{registry.host}/library/nginx", policy=Policy(allow_private=False))
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "BLOCKED_TARGET")
    assert registry.api.requests == []


def test_an_unreachable_registry_is_a_connection_error():
    result = probe("127.0.0.1:1/library/nginx")
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "CONNECTION_ERROR")
    assert "Could not reach the registry 127.0.0.1:1" in result.message


def test_a_named_registry_is_spoken_to_over_https_unless_listed_insecure(registry):
    named = f"localhost:{registry.api.port}/library/nginx"
    over_tls = probe(named)
    assert (over_tls.status, over_tls.error_code) == ("NOT_AVAILABLE", "CONNECTION_ERROR")
    assert registry.api.requests == []  # a TLS hello is not an HTTP request
    listed = probe(named, insecure=(f"localhost:{registry.api.port}",))
    assert listed.status == "AVAILABLE", listed.message


def test_an_https_registry_with_a_self_signed_certificate_needs_skip_tls():
    from tests.monitoring.servers import self_signed

    context, _ = self_signed(days=30)
    reg._tokens.clear()
    with Registry(tls=context) as r:
        target = f"localhost:{r.api.port}/library/nginx"  # a name: spoken to over HTTPS
        strict = asyncio.run(probe_image(target, 5, False, OPEN))
        assert (strict.status, strict.error_code) == ("NOT_AVAILABLE", "CONNECTION_ERROR")
        assert "TLS certificate not trusted: self-signed certificate" in strict.message
        skipped = asyncio.run(probe_image(target, 5, True, OPEN))
        assert skipped.status == "AVAILABLE", skipped.message
        assert r.violations == []
