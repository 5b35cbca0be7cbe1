"""Listing a registry namespace through the distribution API (Resource Discovery's reads).

- ``GET /v2/_catalog?n=…`` lists repositories, ``GET /v2/<name>/tags/list?n=…`` a
  repository's tags. Both are paged: the answer's ``Link: <…?n=…&last=…>; rel="next"``
  header names the next page (a registry may cap ``n`` below what we ask), and there is no
  next page without it. The next page must be on the registry's own origin: a Link to
  another host is refused, so neither a request nor a token ever leaves the registry.
- Auth is the probe's (:class:`~workers.monitoring.probes.registry.Session`): a ``401`` with
  ``WWW-Authenticate: Bearer realm=…,service=…`` sends us to the realm for an anonymous
  token of the scope the request needs (``registry:catalog:*`` for the catalog,
  ``repository:<name>:pull`` for tags), and the request is retried with it.
- Every connection goes through the vetted client (``workers.monitoring.net``): the same
  address rule as probes, at connect time.

``latest_tag`` picks what a non-recursive rule watches: ``latest`` when the repository has
it, else the highest version-like tag.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import httpx

from app.monitoring.domain.targets import Namespace
from workers.monitoring.probes.registry import RegistryFailure, Session, _errors, same_origin

PAGE_SIZE = 1000  # asked for; the registry may answer fewer (and say so with Link)
MAX_PAGES = 100  # per listing: at most 100,000 names before we stop and say so
CATALOG_SCOPE = "registry:catalog:*"
_LINK_RE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


@dataclass
class Listing:
    """What a namespace holds now: tags by repository; repositories whose tags could not be
    read this time (kept as they were, never taken as gone); truncation notes."""

    tags: dict[str, list[str]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def next_link(header: str | None, base: httpx.URL) -> str | None:
    """The path and query of the ``rel="next"`` link, resolved against the registry; a link
    to another origin is refused (it would take our requests, and tokens, elsewhere)."""
    if not header:
        return None
    for match in _LINK_RE.finditer(header):
        params = match.group(2).lower().replace(" ", "")
        if ';rel="next"' in params or ";rel=next" in params:
            url = base.join(match.group(1))
            if not same_origin(url, base):
                raise RegistryFailure(
                    f"The registry's next page is on another host ({url.host}); not followed"
                )
            return url.raw_path.decode("ascii")
    return None


async def _pages(session: Session, path: str, key: str, scope: str, what: str):
    """Yield each page's names of a paged listing; stops after MAX_PAGES (the caller is told
    by the final ``None``)."""
    for _ in range(MAX_PAGES):
        response, body = await session.fetch("GET", path, "application/json", scope=scope)
        if response.status_code != 200:
            raise _listing_failure(response.status_code, _errors(body), what, response.headers)
        try:
            data = json.loads(body)
        except ValueError:
            raise RegistryFailure(f"The {what} is not valid JSON") from None
        names = data.get(key) if isinstance(data, dict) else None
        if names is None:
            names = []  # distribution answers `"tags": null` for a repository without tags
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise RegistryFailure(f"The {what} has no list of {key}")
        yield names
        path = next_link(response.headers.get("link"), session.base)
        if path is None:
            return
    yield None


def _listing_failure(status: int, errors: list[str], what: str, headers) -> RegistryFailure:
    if status in (401, 403):
        return RegistryFailure(
            f"The registry refused anonymous access to its {what} ({status}): it needs "
            "credentials, or does not offer it",
            "DISCOVERY_REFUSED",
        )
    if status == 404:
        if "NAME_UNKNOWN" in errors:
            return RegistryFailure(f"The {what} names a repository that does not exist", "GONE")
        return RegistryFailure(
            f"The registry has no {what} (404): it does not offer the catalog API",
            "DISCOVERY_UNSUPPORTED",
        )
    if status == 429:
        retry = headers.get("retry-after")
        later = f" (retry after {retry}s)" if retry else ""
        return RegistryFailure(f"The registry's rate limit was reached (429){later}")
    if status >= 500:
        return RegistryFailure(f"The registry failed with HTTP {status} while serving its {what}")
    return RegistryFailure(f"The registry answered HTTP {status} for its {what}")


async def repositories(session: Session, namespace: Namespace) -> tuple[list[str], bool]:
    """The repositories in the namespace (sorted), and whether the listing was cut short."""
    found: list[str] = []
    async for names in _pages(
        session, f"/v2/_catalog?n={PAGE_SIZE}", "repositories", CATALOG_SCOPE, "repository catalog"
    ):
        if names is None:
            return sorted(set(found)), True
        found.extend(n for n in names if namespace.holds(n))
    return sorted(set(found)), False


async def tags(session: Session, repository: str) -> tuple[list[str], bool]:
    """A repository's tags, and whether the listing was cut short. Raises RegistryFailure
    (code ``GONE`` when the repository no longer exists)."""
    found: list[str] = []
    async for names in _pages(
        session,
        f"/v2/{repository}/tags/list?n={PAGE_SIZE}",
        "tags",
        f"repository:{repository}:pull",
        f"tag list of {repository}",
    ):
        if names is None:
            return found, True
        found.extend(names)
    return found, False


async def list_namespace(session: Session, namespace: Namespace) -> Listing:
    """Every repository of the namespace with its tags. A repository that vanished between
    the catalog and its tag list is left out (gone); one whose tags could not be read is
    reported as unreadable, so its monitors are kept as they are."""
    listing = Listing()
    names, cut = await repositories(session, namespace)
    if cut:
        listing.notes.append(f"the catalog was read up to {MAX_PAGES} pages")
    for name in names:
        try:
            found, cut = await tags(session, name)
        except RegistryFailure as exc:
            if exc.code != "GONE":
                listing.unreadable[name] = exc.message
            continue
        if cut:
            listing.notes.append(f"the tags of {name} were read up to {MAX_PAGES} pages")
        if found:
            listing.tags[name] = found
    return listing


_VERSION_RE = re.compile(r"^v?\d+(?:\.\d+)*$")


def _natural(tag: str) -> tuple:
    # Numbers compare as numbers and above words, so a dated tag outranks `main` or `dev`.
    return tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in re.findall(r"\d+|\D+", tag))


def latest_tag(tag_names: list[str]) -> str | None:
    """``latest`` if present; else the highest version-like tag (``v1.10`` > ``v1.9``);
    else the highest tag in natural order (numbers as numbers, above words)."""
    if not tag_names:
        return None
    if "latest" in tag_names:
        return "latest"
    return max(tag_names, key=lambda t: (bool(_VERSION_RE.match(t)), _natural(t)))
