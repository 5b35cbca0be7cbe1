"""The parts both resume readers share: the builder of one structured resume, the
parse error, and the small text rules (dates, locations, headings) they agree on."""

from __future__ import annotations

import re


class ResumeParseError(ValueError):
    """The input is not a resume this importer can read; the message says why."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One line of text: whitespace runs collapsed, ends trimmed."""
    return _SPACES.sub(" ", text).strip()


_SUMMARY_TITLE = re.compile(
    r"^(?:professional |career |executive |personal )?"
    r"(?:summary|profile|about(?: me)?|objective|overview)$",
    re.I,
)
# Order matters: "Technical Skills" is skills and "Technical Experience" experience.
_SECTION_KINDS = (
    ("education", re.compile(r"educat|academic|qualification|degree", re.I)),
    ("projects", re.compile(r"project", re.I)),
    ("skills", re.compile(r"skill|technolog|competenc|\btools\b|tech stack|expertise", re.I)),
    ("experience", re.compile(r"experience|employment|\bwork\b|career|positions", re.I)),
)


def is_summary_title(title: str) -> bool:
    return bool(_SUMMARY_TITLE.match(clean(title).rstrip(":")))


def section_kind(title: str) -> str:
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(title):
            return kind
    return "other"


def is_known_section_title(title: str) -> bool:
    return is_summary_title(title) or section_kind(title) != "other"


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?:19|20)\d{2}"
_POINT = (
    rf"(?:(?:{_MONTH}|spring|summer|fall|autumn|winter)\s*,?\s*{_YEAR}|\d{{1,2}}/{_YEAR}"
    rf"|{_YEAR}(?:[./]\d{{1,2}})?|present|current|now|today|ongoing|'\d{{2}})"
)
_DATE = re.compile(
    rf"(?:(?:expected|exp\.|since|from)\s+)?{_POINT}"
    rf"(?:\s*(?:–|—|--+|-|to|until|and|&|/)\s*(?:{_POINT}|{_MONTH}))*"
    r"\s*(?:\(?(?:expected|anticipated)\)?)?",
    re.I,
)
_RANGE_SPLIT = re.compile(
    r"\s*(?:–|—|--+)\s*|\s+(?:-|to|until)\s+|(?<=\d)-(?=\s*[A-Za-z0-9])", re.I
)


def is_date(text: str) -> bool:
    """Whether the whole text is a date or a date range ("Aug. 2018 -- May 2021", "2020-24")."""
    text = clean(text)
    return 0 < len(text) <= 60 and _DATE.fullmatch(text) is not None


def split_dates(text: str) -> tuple[str, str]:
    """("Jun. 2020", "Present") from "Jun. 2020 -- Present"; a single date is a start."""
    parts = _RANGE_SPLIT.split(clean(text), maxsplit=1)
    start = clean(parts[0])
    return start, clean(parts[1]) if len(parts) > 1 else ""


_US_STATES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia"
    "|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland"
    "|massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada"
    "|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma"
    "|oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah"
    "|vermont|virginia|washington|west virginia|wisconsin|wyoming"
)
_COUNTRIES = (
    "usa|u\\.s\\.a\\.?|united states|uk|u\\.k\\.|united kingdom|england|scotland|canada"
    "|mexico|brazil|argentina|chile|colombia|peru|germany|france|spain|portugal|italy"
    "|netherlands|belgium|switzerland|austria|ireland|poland|czechia|czech republic|sweden"
    "|norway|denmark|finland|estonia|latvia|lithuania|ukraine|romania|greece|turkey|israel"
    "|india|pakistan|china|japan|korea|s\\. ?korea|south korea|republic of korea|taiwan"
    "|singapore|vietnam|thailand|indonesia|philippines|malaysia|australia|new zealand"
    "|egypt|nigeria|kenya|south africa|uae|united arab emirates"
)
_REMOTE = r"remote|hybrid|on-?site|online|worldwide|anywhere"
_LOCATION = re.compile(
    rf"^(?:(?:{_REMOTE})(?:\s*[,(/-]\s*.{{0,30}})?"
    rf"|[^\d,@]{{2,40}},\s*(?:[A-Z]{{2}}|{_US_STATES}|{_COUNTRIES})\.?"
    rf"|[^\d,@]{{2,40}},\s*[^\d,@]{{2,40}},\s*(?:[A-Z]{{2}}|{_US_STATES}|{_COUNTRIES})\.?)$",
    re.I,
)


def looks_like_location(text: str) -> bool:
    """Whether the text reads as "City, ST", "City, Country" (known countries only, so
    "Role, Company" is not one) or "Remote". A state code must be upper case: "Bryan, TX"."""
    text = clean(text)
    match = _LOCATION.match(text)
    if not match:
        return False
    tail = text.rsplit(",", 1)[-1].strip().rstrip(".")
    return len(tail) != 2 or tail.isupper()


_CORPORATE_SUFFIX = re.compile(r"^(?:inc|llc|ltd|corp|co|gmbh|plc|s\.?a|ag|bv|pty)\.?$", re.I)


def split_role_org(text: str) -> tuple[str, str]:
    """("Role", "Company") from "Role at Company" or "Role, Company"; the last comma wins so
    "B.S. Physics, Minor in Math, State University" keeps the degree whole, except before
    a corporate suffix ("Engineer, Acme, Inc.")."""
    for marker in (" at ", " @ "):
        if marker in text:
            role, org = text.split(marker, 1)
            return clean(role), clean(org)
    parts = [p.strip() for p in text.split(",")]
    while len(parts) > 2 and _CORPORATE_SUFFIX.match(parts[-1]):
        parts[-2:] = [f"{parts[-2]}, {parts[-1]}"]
    if len(parts) < 2 or not parts[-1] or _CORPORATE_SUFFIX.match(parts[-1]):
        return clean(text), ""
    return clean(", ".join(parts[:-1])), clean(parts[-1])


_ROLE_WORDS = re.compile(
    r"\b(?:engineer|developer|programmer|manager|intern|assistant|analyst|scientist|designer"
    r"|lead|director|architect|consultant|specialist|officer|head|vp|president|founder"
    r"|researcher|professor|lecturer|teacher|administrator|coordinator|associate|technician"
    r"|student|fellow|bachelor|master|b\.?sc?|m\.?sc?|b\.?a|m\.?a|ph\.?d|mba|degree|diploma)\b",
    re.I,
)
_ORGANIZATION_WORDS = re.compile(
    r"\b(?:inc|llc|ltd|corp|corporation|company|co|gmbh|plc|university|college|institute"
    r"|school|academy|labs?|technologies|group|bank|agency|foundation|hospital)\b",
    re.I,
)


def _role_score(text: str) -> int:
    """How much the text reads like a role or degree rather than an organization."""
    return len(_ROLE_WORDS.findall(text)) - len(_ORGANIZATION_WORDS.findall(text))


def role_first(title: str, organization: str) -> tuple[str, str]:
    """The pair in (role, organization) order: swapped when the words say the guess was
    wrong ("Globex", "Staff Engineer"), kept when they do not tell."""
    if _role_score(organization) > _role_score(title):
        return organization, title
    return title, organization


_HEADING_SEPARATORS = re.compile(r"\s*[\t\n;•·|]\s*")
_HEADING_DASHES = re.compile(r"\s+(?:--+|–|—)\s+")
_TRAILING_PAREN = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_TRAILING_COMMA = re.compile(r"^(.*),\s*([^,]+)$")


def heading_pieces(text: str) -> list[str]:
    """Split a heading on tabs, line breaks, "|", ";", and spaced dashes, except the dash
    of a date range: "Engineer -- Acme -- 2019 -- Present" is three pieces."""
    pieces: list[str] = []
    for part in _HEADING_SEPARATORS.split(text):
        merged: list[str] = []
        for piece in _HEADING_DASHES.split(clean(part)):
            if merged and is_date(f"{merged[-1]} – {piece}"):
                merged[-1] = f"{merged[-1]} – {piece}"
            elif piece:
                merged.append(piece)
        pieces.extend(merged)
    return pieces


def _trailing_paren(piece: str) -> tuple[str, str]:
    match = _TRAILING_PAREN.match(piece)
    return (clean(match[1]), clean(match[2])) if match and match[1] else (piece, "")


def _trailing_date(piece: str) -> tuple[str, str]:
    """("UT Austin", "2018") from "UT Austin (2018)" or "UT Austin, 2018"."""
    for pattern in (_TRAILING_PAREN, _TRAILING_COMMA):
        match = pattern.match(piece)
        if match and match[1].strip() and is_date(match[2]):
            return clean(match[1]), clean(match[2])
    return piece, ""


def looks_like_heading(text: str) -> bool:
    """A short line carrying a date of its own: "Engineer, Acme \\hfill 2019 -- 2021"."""
    if len(text) > 200:
        return False
    return any(is_date(p) or _trailing_date(p)[1] for p in heading_pieces(text))


def heading_fields(text: str, lead: str = "", paren_location: bool = False) -> dict:
    """Title, organization, location and dates from a one-line entry heading.

    Pieces are split on strong separators (" -- ", " | ", tabs, ";", line breaks); the
    date-like piece is the dates, a location-like piece the location. With ``lead`` (a bold
    title given apart, as in "### Company -- City" + "**Role**") the first piece left is the
    organization and a second one the location. Without it a single piece is split as
    "Role at Company" or "Role, Company", and two pieces read as title then organization,
    unless role and organization words say otherwise (:func:`role_first`).
    ``paren_location`` reads "School (Town)" as Pandoc's template writes it.
    """
    pieces = heading_pieces(text)
    dates = location = ""
    rest: list[str] = []
    for piece in pieces:
        if not dates and is_date(piece):
            dates = piece
            continue
        if not dates:
            piece, dates = _trailing_date(piece)
        stripped, paren = _trailing_paren(piece)
        if paren and paren_location and not location:
            piece, location = stripped, paren
        if not location and (lead or len(pieces) > 1) and looks_like_location(piece):
            location = piece
            continue
        rest.append(piece)
    if lead:
        title, organization = clean(lead), rest[0] if rest else ""
    elif len(rest) == 1:
        title, organization = split_role_org(rest[0])
    else:
        title, organization = (rest + ["", ""])[:2]
    if not lead:  # the order is a guess only without an explicit title
        title, organization = role_first(title, organization)
    if not location and len(rest) > (1 if lead else 2):
        location = rest[1 if lead else 2]
    return {"title": title, "organization": organization, "location": location, "dates": dates}


# --- contact details --------------------------------------------------------------------------

_EMAIL = re.compile(r"(?:mailto:)?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.I)
_PHONE = re.compile(r"(?:tel:)?([+\d\s().\-/]{7,})")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?",
    re.I,
)
_LABELS = {
    "email": "email", "e-mail": "email", "mail": "email",
    "phone": "phone", "mobile": "phone", "cell": "phone", "tel": "phone", "telephone": "phone",
    "location": "location", "address": "location", "city": "location", "based in": "location",
    "linkedin": "link", "github": "link", "gitlab": "link", "website": "link", "web": "link",
    "homepage": "link", "portfolio": "link", "blog": "link", "twitter": "link", "site": "link",
}  # fmt: skip
_LABELLED = re.compile(
    r"^(" + "|".join(sorted(_LABELS, key=len, reverse=True)) + r")\s*(?::|\s-\s|\s–\s)\s*(\S.*)$",
    re.I,
)
_CONTACT_SEPARATORS = re.compile(r"\s*(?:[|•·⋅◦\t\n]|\s[–—]\s)\s*")


def contact_pieces(line: str) -> list[str]:
    return [clean(p) for p in _CONTACT_SEPARATORS.split(line) if clean(p)]


def _contact_field(piece: str) -> tuple[str, str] | None:
    """("email" | "phone" | "location" | "link", value) for one contact piece, else None."""
    labelled = _LABELLED.match(piece)
    if labelled:
        return _LABELS[labelled[1].lower()], labelled[2].strip()
    piece = piece.strip("<>")
    if email := _EMAIL.fullmatch(piece):
        return "email", email[1]
    phone = _PHONE.fullmatch(piece)
    if phone and sum(ch.isdigit() for ch in piece) >= 7 and not is_date(piece):
        return "phone", clean(phone[1])
    if _URL.fullmatch(piece) and "@" not in piece:
        return "link", piece
    return None


_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?")
_NOT_IN_NAMES = re.compile(r"[\d@/]")


def _link_key(url: str) -> str:
    """The same link however written: "https://www.x.dev/" and "x.dev" match."""
    return _LINK_PREFIX.sub("", url.strip().lower()).rstrip("/")


_DOCUMENT_WORD = re.compile(r"^(?:cv|resume|résumé|curriculum vitae)?$", re.I)


def _looks_like_name(piece: str) -> bool:
    words = piece.split()
    return 0 < len(words) <= 6 and len(piece) <= 60 and not _NOT_IN_NAMES.search(piece)


# --- the builder ------------------------------------------------------------------------------


class ResumeBuilder:
    """Collects what a reader recognises and decides where each piece of text belongs.

    Text before the first section is the header (name, contact lines, summary prose),
    resolved in :meth:`build`. Inside a section, bullets go to the open entry, else to the
    section's items; a summary section's text becomes the resume summary.
    """

    def __init__(self) -> None:
        self.contact: dict = {"name": "", "email": "", "phone": "", "location": ""}
        self.sections: list[dict] = []
        self._links: dict[str, str] = {}
        self._link_texts: set[str] = set()
        self._fallback = {"email": "", "phone": ""}
        self._location_guesses: list[str] = []
        self._header: list[str] = []
        self._summary: list[str] = []
        self._headline = ""
        self._section: dict | None = None
        self._in_summary = False
        self.entry: dict | None = None
        self._entry_from_bullet = False

    # header and contact

    @property
    def in_header(self) -> bool:
        return self._section is None and not self._in_summary and not self.sections

    def set_name(self, name: str) -> None:
        """The person's name; a heading that only says "Resume" or "CV" is not one."""
        name = clean(name)
        if not _DOCUMENT_WORD.match(name):
            self.contact["name"] = name

    def set_headline(self, text: str) -> None:
        """A tag line (Awesome-CV's \\position): the summary when there is no other."""
        self._headline = clean(text)

    def set_contact(self, field: str, value: str) -> None:
        value = clean(value)
        if field == "link":
            self.add_link(value)
        elif value and not self.contact[field]:
            self.contact[field] = value

    def add_link(self, url: str, text: str = "") -> None:
        """A link; ``text`` is how it was displayed, so the same text is not added again."""
        url = url.strip()
        lowered = url.lower()
        if lowered.startswith("mailto:"):
            self._fallback["email"] = self._fallback["email"] or url[7:]
        elif lowered.startswith("tel:"):
            self._fallback["phone"] = self._fallback["phone"] or url[4:]
        elif url:
            self._links.setdefault(_link_key(url), url)
        if text.strip():
            self._link_texts.add(_link_key(text))

    def absorb_contact(self, lines: list[str]) -> bool:
        """Take the lines as contact details when any piece of them is one."""
        pieces = [piece for line in lines for piece in contact_pieces(line)]
        fields = [_contact_field(piece) for piece in pieces]
        if not any(fields):
            return False
        for piece, field in zip(pieces, fields, strict=True):
            if field is None:
                self._location_guesses.append(piece)
            elif field[0] != "link" or _link_key(field[1]) not in self._link_texts:
                self.set_contact(*field)
        return True

    # sections, entries, text

    def start_section(self, title: str) -> None:
        title = clean(title)
        self.entry = None
        self._in_summary = is_summary_title(title)
        if self._in_summary:
            self._section = None
            return
        self._section = {"kind": section_kind(title), "title": title, "entries": [], "items": []}
        self.sections.append(self._section)

    def _open_section(self) -> dict:
        if self._section is None:
            self._in_summary = False
            self._section = {"kind": "other", "title": "", "entries": [], "items": []}
            self.sections.append(self._section)
        return self._section

    @property
    def kind(self) -> str | None:
        return self._section["kind"] if self._section else None

    def add_entry(
        self, title: str = "", organization: str = "", location: str = "", dates: str = ""
    ) -> dict:
        """A new entry; in a skills section it becomes an item instead."""
        section = self._open_section()
        start, end = split_dates(dates)
        entry = {
            "title": clean(title),
            "organization": clean(organization),
            "location": clean(location),
            "start": start,
            "end": end,
            "bullets": [],
        }
        if section["kind"] == "skills":
            label = ": ".join(p for p in (entry["title"], entry["organization"]) if p)
            if label:
                section["items"].append(label)
            self.entry = None
            return entry
        section["entries"].append(entry)
        self.entry = entry
        self._entry_from_bullet = False
        return entry

    def update_entry(self, **fields: str) -> None:
        """Rewrite the open entry's heading once more of it is known."""
        if self.entry is None:
            return
        dates = fields.pop("dates", None)
        self.entry.update({key: clean(value) for key, value in fields.items()})
        if dates:
            self.entry["start"], self.entry["end"] = split_dates(dates)

    def add_role(self, title: str, dates: str = "") -> dict:
        """Another position at the open entry's organization (Jake's \\resumeSubSubheading)."""
        previous = self.entry or {}
        return self.add_entry(
            title, previous.get("organization", ""), previous.get("location", ""), dates
        )

    def add_heading(self, text: str) -> None:
        """A one-line entry heading; in a skills section just an item."""
        if self.kind == "skills":
            self.add_item(text)
        else:
            self.add_entry(**heading_fields(text))

    def set_dates(self, dates: str) -> bool:
        """Dates on a line of their own, for an open entry that has none yet."""
        if self.entry is None or self.entry["start"] or self.entry["end"]:
            return False
        self.entry["start"], self.entry["end"] = split_dates(dates)
        return True

    def add_item(self, text: str) -> None:
        """A line that is an item whatever the section (\\cvskill, \\cvitem)."""
        if self.in_header:
            self._header.append(text)
        elif self._in_summary:
            self._summary.append(clean(text))
        else:
            self._add_items(text)

    def _add_items(self, text: str) -> None:
        items = self._open_section()["items"]
        for line in text.split("\n"):
            line = clean(line).lstrip("•*-– ").strip()
            if line:
                items.append(line)

    def add_bullet(self, text: str) -> None:
        if self.in_header or self._in_summary or self.kind == "skills":
            self.add_item(text)
        elif (
            self.kind in ("experience", "education")
            and (self.entry is None or self._entry_from_bullet)
            and looks_like_heading(text)
        ):
            # One-line entries, as a list: "- BS Physics, State University (2016)"
            self.add_heading(text)
            self._entry_from_bullet = True
        elif self.entry is not None:
            if clean(text):
                self.entry["bullets"].append(clean(text))
        else:
            self._add_items(clean(text))

    def add_paragraph(self, text: str) -> None:
        """Loose text: an entry heading when it carries dates, else a bullet or an item."""
        if self.in_header or self._in_summary or self.kind == "skills":
            self.add_item(text)
        elif looks_like_heading(text):
            self.add_heading(text)
        else:
            self.add_bullet(text)

    # result

    def build(self, missing_hint: str = "", require_sections: bool = True) -> dict:
        """The contact, summary and sections; without sections there is no resume, unless
        the caller vouches for an explicitly declared header (Awesome-CV's \\name, ...)."""
        prose = self._read_header()
        if require_sections and not self.sections:
            raise ResumeParseError("no resume sections found" + missing_hint)
        if not self.contact["location"]:
            self.contact["location"] = next(
                (g for g in self._location_guesses if _looks_like_name(g)), ""
            )
        for field in ("email", "phone"):
            self.contact[field] = self.contact[field] or self._fallback[field]
        summary = "\n\n".join(p for p in prose + self._summary if p)
        return {
            "contact": {**self.contact, "links": list(self._links.values())},
            "summary": summary or self._headline,
            "sections": self.sections,
        }

    def _read_header(self) -> list[str]:
        """Name (the first piece that can be one), contact lines, and prose for the summary."""
        prose = []
        for paragraph in self._header:
            words = []
            for line in paragraph.split("\n"):
                pieces = contact_pieces(line)
                if (
                    pieces
                    and not self.contact["name"]
                    and _contact_field(pieces[0]) is None
                    and _looks_like_name(pieces[0])
                ):
                    self.set_name(pieces.pop(0))
                if pieces and not self.absorb_contact(pieces):
                    words.append(" ".join(pieces))
            if words:
                prose.append(clean(" ".join(words)))
        return prose
