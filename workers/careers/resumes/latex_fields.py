"""How LaTeX resume macros' arguments become resume fields: \resumeSubheading's four
arguments, labelled items, \\item lists inside an argument, and profile links."""

from __future__ import annotations

import re

from workers.careers.resumes.builder import clean, is_date, looks_like_location, role_first
from workers.careers.resumes.latex_text import Source, to_text

_ITEM = re.compile(r"\\item(?![A-Za-z@])")


def _fields(title: str, organization: str, location: str, dates: str) -> dict:
    return {"title": title, "organization": organization, "location": location, "dates": dates}


def subheading_fields(first: str, second: str, third: str, fourth: str) -> dict:
    """Title, organization, location and dates from \\resumeSubheading's four arguments.

    The macro draws two rows, {#1 bold}{#2 right} over {#3 italic}{#4 right}, and the
    templates fill them differently::

        Jake, education    {Institution}{Location}{Degree}{Dates}
        Jake, experience   {Role}{Dates}{Company}{Location}
        sb2nov, both       {Company or Institution}{Location}{Role or Degree}{Dates}

    What they share: the dates sit beside the role or degree, the location beside the
    organization. So the row whose right column looks like a date carries the title and
    the other row the organization. When neither right column looks like a date, a
    location-like column marks the organization's row instead, then role and organization
    words (:func:`role_first`); with no clue at all the first row is the organization, as
    in three of the four layouts above.
    """
    if is_date(second) and not is_date(fourth):
        return _fields(first, third, fourth, second)
    if is_date(fourth):
        return _fields(third, first, second, fourth)
    if looks_like_location(fourth) and not looks_like_location(second):
        return _fields(first, third, fourth, second)
    title, organization = role_first(third, first)
    if title == first:  # the words say the first row is the role's
        return _fields(first, third, fourth, second)
    return _fields(third, first, second, fourth)


def labelled(label: str, text: str) -> str:
    label, text = clean(label).rstrip(":"), text.strip()  # text keeps its line breaks
    return f"{label}: {text}" if label and text else label or text


def list_texts(raw: str) -> list[str]:
    """The \\item texts of a description argument, and any prose outside them."""
    source = Source(raw, strict=False)
    texts, i = [], 0
    while True:
        match = _ITEM.search(raw, i)
        prose = to_text(raw[i : match.start() if match else len(raw)])
        if prose:
            texts.append(prose)
        if match is None:
            return texts
        label, start = source.optional(match.end())
        i = source.item_end(start)
        texts.append(labelled(to_text(label or ""), to_text(raw[start:i])))


_PROFILE_URLS = {
    "github": "https://github.com/",
    "linkedin": "https://www.linkedin.com/in/",
    "gitlab": "https://gitlab.com/",
    "twitter": "https://twitter.com/",
    "x": "https://x.com/",
    "stackoverflow": "https://stackoverflow.com/users/",
}
_SCHEME = re.compile(r"https?://", re.I)


def profile_url(kind: str, value: str) -> str:
    value = value.strip().lstrip("@")
    if _SCHEME.match(value):
        return value
    if "/" in value or kind == "homepage":
        return "https://" + value
    return _PROFILE_URLS.get(kind, "https://") + value
