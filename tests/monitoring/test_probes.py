"""HTTP and TCP probes against real local servers, and the SSRF guard at connect time."""

from __future__ import annotations

import asyncio

import pytest

from tests.monitoring.probe_helpers import wait_until
from tests.monitoring.servers import TargetServer, TcpListener, self_signed
from workers.monitoring.net import Policy
from workers.monitoring.probes import ProbeSpec, run_batch
from workers.monitoring.probes.http import probe_http
from workers.monitoring.probes.tcp import probe_tcp

OPEN = Policy(allow_private=True)  # tests' servers live on loopback
GUARDED = Policy(allow_private=False)


def http(url, timeout=5.0, skip_tls=False, policy=OPEN):
    return asyncio.run(probe_http(url, timeout, skip_tls, policy))


@pytest.fixture
def server():
    with TargetServer() as s:
        yield s


@pytest.fixture(scope="module")
def tls():
    return self_signed(days=20)


def test_2xx_is_available_with_latency(server):
    result = http(f"{server.url}/ok")
    assert (result.status, result.error_code, result.message) == ("AVAILABLE", "200", "HTTP 200")
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert server.requests[-1]["method"] == "GET"


@pytest.mark.parametrize("code", [404, 500, 503])
def test_other_statuses_are_not_available_with_the_code(server, code):
    result = http(f"{server.url}/status/{code}")
    assert result.status == "NOT_AVAILABLE"
    assert result.error_code == str(code)
    assert result.message.startswith(f"HTTP {code}")


def test_redirects_are_followed_and_the_final_answer_counts(server):
    result = http(f"{server.url}/redirect?to=/redirect%3Fto%3D/status/503")
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "503")
    assert server.hits["/redirect"] == 2 and server.hits["/status/503"] == 1


def test_endless_redirects_stop(server):
    result = http(f"{server.url}/loop")
    assert result.status == "NOT_AVAILABLE"
    assert "redirects" in result.message


def test_a_slow_target_times_out(server):
    result = http(f"{server.url}/hang", timeout=0.5)
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "CONNECTION_ERROR")
    assert "Timed out after 0.5s" in result.message


def test_connection_refused_is_said_plainly():
    result = http("http://127.0.0.1:1/")
    assert (result.status, result.error_code, result.message) == (
        "NOT_AVAILABLE",
        "CONNECTION_ERROR",
        "Connection refused",
    )


def test_an_unknown_host_is_a_connection_error():
    result = http("http://no-such-host.invalid/")
    assert result.error_code == "CONNECTION_ERROR"
    assert "Could not resolve no-such-host.invalid" in result.message


def test_only_the_start_of_a_large_body_is_read(server):
    result = http(f"{server.url}/big")
    assert result.status == "AVAILABLE"
    # 64 MiB offered; the probe hung up after its cap, so the server could not send it all.
    wait_until(lambda: server.cut_off == ["/big"], timeout=10, what="the server to be cut off")


def test_https_records_certificate_expiry_even_when_tls_is_skipped(tls):
    context, not_after = tls
    with TargetServer(tls=context) as s:
        result = http(f"{s.url}/ok", skip_tls=True)
    assert result.status == "AVAILABLE"
    assert result.cert_expires_at == not_after


def test_an_untrusted_certificate_is_not_available_unless_skipped(tls):
    context, not_after = tls
    with TargetServer(tls=context) as s:
        result = http(f"{s.url}/ok")
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "CONNECTION_ERROR")
    assert "certificate" in result.message.lower()


def test_tcp_connect(server):
    with TcpListener() as listener:
        ok = asyncio.run(probe_tcp(f"127.0.0.1:{listener.port}", 3, OPEN))
    assert ok.status == "AVAILABLE" and ok.latency_ms is not None
    refused = asyncio.run(probe_tcp("127.0.0.1:1", 3, OPEN))
    assert (refused.status, refused.error_code) == ("NOT_AVAILABLE", "CONNECTION_ERROR")
    assert "refused" in refused.message


# --- the address rule at connect time ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok",
        "http://localhost:{port}/ok",
        "http://[::1]:{port}/ok",
        "http://[::ffff:127.0.0.1]:{port}/ok",
        "http://10.1.2.3:{port}/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]:{port}/ok",
        "http://0.0.0.0:{port}/ok",
    ],
)
def test_private_and_loopback_targets_are_refused(server, url):
    result = http(url.format(port=server.port), policy=GUARDED, timeout=2)
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "BLOCKED_TARGET")
    assert "Refused to connect" in result.message
    assert server.hits["/ok"] == 0


def test_a_redirect_to_loopback_is_refused_at_the_hop(server):
    # The first server stands in for a public site (its host:port is let through); the
    # redirect then points at a mapped loopback address and must be refused at that hop.
    with TargetServer() as inner:
        url = f"{server.url}/redirect?to=http://[::ffff:127.0.0.1]:{inner.port}/ok"
        result = asyncio.run(_probe_with_allowlist(url, {f"127.0.0.1:{server.port}"}))
        assert inner.hits["/ok"] == 0
    assert server.hits["/redirect"] == 1
    assert (result.status, result.error_code) == ("NOT_AVAILABLE", "BLOCKED_TARGET")
    assert "loopback" in result.message


async def _probe_with_allowlist(url, allowed):
    """Probe with the real guard, except for the named host:port (our stand-in 'public' site)."""
    from workers.monitoring import net

    original = net.resolve

    async def resolve(host, port, policy):
        if f"{host}:{port}" in allowed:
            return [host]
        return await original(host, port, policy)

    net.resolve = resolve
    try:
        return await probe_http(url, 5, False, GUARDED)
    finally:
        net.resolve = original


def test_tcp_to_loopback_is_refused():
    with TcpListener() as listener:
        result = asyncio.run(probe_tcp(f"localhost:{listener.port}", 2, GUARDED))
        assert listener.accepted == 0
    assert result.error_code == "BLOCKED_TARGET"


def test_a_batch_probes_concurrently_and_reports_lag(server):
    specs = [ProbeSpec(str(i), "HTTP", f"{server.url}/slow/1", timeout=10) for i in range(20)]
    specs.append(ProbeSpec("tcp", "TCP", f"127.0.0.1:{server.port}", timeout=5))
    outcomes = asyncio.run(run_batch(specs, OPEN))
    assert [o.spec.resource_id for o in outcomes] == [s.resource_id for s in specs]
    assert all(o.result.status == "AVAILABLE" for o in outcomes)
    # The requests were in the server at the same time, not one after another.
    assert server.most_in_flight > 1
