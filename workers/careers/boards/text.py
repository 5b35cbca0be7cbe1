"""Text helpers shared by the adapters: HTML to clean text, folding for matching, salary
strings, and timestamps to UTC.

Job boards are loose with all four: HTML arrives entity-escaped (Greenhouse, Arbeitnow), cut
off mid-tag, or wrapped around <script>; salaries are free text ("$90k - $105k"); timestamps
are ISO with or without an offset, epoch seconds or epoch milliseconds.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import NamedTuple

# --- HTML to text ---------------------------------------------------------------------------------

# Content that is never text a reader should see. Only script and style are raw-text elements for
# html.parser; the others are parsed normally and merely muted while open.
_SKIP = frozenset({"script", "style", "noscript", "template", "head"})
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "hr"}
    | {"section", "article", "header", "footer", "dl", "figure"}
)
_LINE = frozenset({"br", "div", "li", "tr", "dt", "dd", "address"})
_CELL = frozenset({"td", "th"})

_REAL_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*[\s/>]")
_ESCAPED_TAG = re.compile(r"&(?:amp;)?lt;/?[a-zA-Z][a-zA-Z0-9]*(?:\s|/|&(?:amp;)?gt;)")
# Recorded payloads are sometimes cut off inside a tag; html.parser would emit the fragment as text.
_TRAILING_PARTIAL_TAG = re.compile(r"<[a-zA-Z/!][^<>]*\Z")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    """Collects text; a break before the next text is the strongest one requested since the last
    text, so nested blocks (<li><p>…) never stack up empty lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._muted = 0
        self._lists = 0
        self._break = 0  # 0 none, 1 line, 2 paragraph
        self._bullet = False

    def _request_break(self, strength: int) -> None:
        if self._lists:  # inside a list item a paragraph is just a new line
            strength = min(strength, 1)
        self._break = max(self._break, strength)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self._muted += 1
        elif tag == "li":
            self._lists += 1
            self._request_break(1)
            self._bullet = True
        elif tag in _PARAGRAPH:
            self._request_break(2)
        elif tag in _LINE:
            self._request_break(1)
        elif tag in _CELL and self.parts and not self._break:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._muted = max(0, self._muted - 1)
        elif tag == "li":
            self._lists = max(0, self._lists - 1)
            self._request_break(1)
        elif tag in _PARAGRAPH:
            self._request_break(2)
        elif tag in _LINE:
            self._request_break(1)

    def handle_data(self, data: str) -> None:
        if self._muted:
            return
        text = _SPACES.sub(" ", data.replace("\n", " "))
        if not text.strip():
            # Whitespace between blocks is layout; between inline words it is a space.
            if self.parts and not self._break:
                self.parts.append(" ")
            return
        if self._break and self.parts:
            self.parts.append("\n" * self._break)
            text = text.lstrip()
        elif not self.parts:
            text = text.lstrip()
        self._break = 0
        if self._bullet:
            self.parts.append("- ")
            text = text.lstrip()
            self._bullet = False
        self.parts.append(text)


def html_to_text(markup: str | None) -> str:
    """Readable plain text from an HTML fragment: tags dropped, script/style content dropped,
    blocks on their own lines, list items as "- ", entities unescaped (also when the whole
    fragment was entity-escaped once or twice, as Greenhouse and Arbeitnow send it)."""
    if not markup:
        return ""
    for _ in range(2):
        if _REAL_TAG.search(markup) or not _ESCAPED_TAG.search(markup):
            break
        markup = html.unescape(markup)
    markup = _TRAILING_PARTIAL_TAG.sub("", markup)
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


# --- folding, for matching and fingerprints -------------------------------------------------------

_WORD = re.compile(r"[^\W_]+[+#]*")  # keeps "c++" and "c#" whole; "node.js" is "node" "js"


def words(text: str | None) -> list[str]:
    """Lower-case, accent-free words of a text ("Zürich, CH" -> ["zurich", "ch"])."""
    if not text:
        return []
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(bare)


def fold(text: str | None) -> str:
    return " ".join(words(text))


# --- numbers, salaries and intervals --------------------------------------------------------------

_INTERVAL_WORDS = {
    "year": "year",
    "years": "year",
    "yearly": "year",
    "annual": "year",
    "annually": "year",
    "annum": "year",
    "yr": "year",
    "pa": "year",
    "month": "month",
    "monthly": "month",
    "mo": "month",
    "week": "week",
    "weekly": "week",
    "wk": "week",
    "day": "day",
    "daily": "day",
    "hour": "hour",
    "hourly": "hour",
    "hr": "hour",
    "h": "hour",
}
_CURRENCY_CODES = frozenset(
    {"USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF"}
    | {"RON", "BGN", "INR", "JPY", "CNY", "HKD", "SGD", "KRW", "BRL", "MXN", "ARS", "CLP", "COP"}
    | {"PEN", "ZAR", "ILS", "TRY", "AED", "SAR", "UAH", "PHP", "IDR", "MYR", "THB", "VND", "NGN"}
    | {"KES"}
)
# Longest first: "CA$" must win over "$".
_CURRENCY_SYMBOLS = (
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("AU$", "AUD"),
    ("A$", "AUD"),
    ("US$", "USD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₹", "INR"),
    ("¥", "JPY"),
    ("₩", "KRW"),
)
_AMOUNT = re.compile(r"(\d{1,3}(?:[,.\s']\d{3})+(?!\d)|\d+(?:[.,]\d+)?)\s*([kK])?(?![a-zA-Z])")
_THOUSANDS_SEPARATOR = re.compile(r"[,.\s']")
# Without a stated period, only figures this large are plainly yearly pay.
_PLAINLY_YEARLY = 20_000


class Salary(NamedTuple):
    min: float | None
    max: float | None
    currency: str | None
    interval: str | None

    @classmethod
    def of(cls, low: object, high: object, currency: str | None, interval: str | None):
        """From a board's structured salary fields; None when neither bound is a number."""
        low, high = to_float(low), to_float(high)
        if low is None and high is None:
            return None
        return cls(low, high, currency_code(currency), salary_interval(interval))


def to_float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is not a salary


def salary_interval(text: str | None) -> str | None:
    """ "per-year-salary", "1 YEAR", "annual", "hourly" -> "year" / "hour"."""
    for word in words(text):
        if word in _INTERVAL_WORDS:
            return _INTERVAL_WORDS[word]
    return None


def currency_code(text: str | None) -> str | None:
    if not text:
        return None
    if text.strip().upper() in _CURRENCY_CODES:  # a bare code field, in any case
        return text.strip().upper()
    for token in re.findall(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])", text):
        if token in _CURRENCY_CODES:
            return token
    for symbol, code in _CURRENCY_SYMBOLS:
        if symbol in text:
            return code
    return None


def _amount(number: str, thousands: str | None) -> float:
    if re.fullmatch(r"\d{1,3}(?:[,.\s']\d{3})+", number):
        value = float(_THOUSANDS_SEPARATOR.sub("", number))
    else:
        value = float(number.replace(",", "."))
    return value * 1000 if thousands else value


def parse_salary(text: str | None) -> Salary | None:
    """A salary range from free text: "$90k - $105k", "€50.000–60.000 per year", "up to £40/h"."""
    if not text:
        return None
    found = _AMOUNT.findall(text)
    if not found:
        return None
    amounts = [_amount(number, k) for number, k in found[:2]]
    lower = text.lower()
    if len(amounts) == 2:
        low, high = sorted(amounts)
    elif re.search(r"\bup to\b|\bmax", lower):
        low, high = None, amounts[0]
    elif "+" in text or re.search(r"\bfrom\b|\bmin", lower):
        low, high = amounts[0], None
    else:
        low = high = amounts[0]
    interval = salary_interval(re.sub(r"[\d.,]+\s*[kK]?", " ", text.replace("p.a.", "pa")))
    if interval is None and (any(k for _n, k in found[:2]) or max(amounts) >= _PLAINLY_YEARLY):
        interval = "year"
    return Salary(low, high, currency_code(text), interval)


# --- timestamps -----------------------------------------------------------------------------------

# Epoch seconds stay below this until the year 5138; epoch milliseconds passed it in 1973.
_MILLIS_THRESHOLD = 100_000_000_000


def to_utc(value: object) -> datetime | None:
    """A timezone-aware UTC datetime from ISO 8601 (offset optional), RFC 2822, epoch seconds or
    epoch milliseconds; None when the value is missing or unreadable."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MILLIS_THRESHOLD else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        # Boards that omit the offset (Remotive's publication_date) publish in UTC.
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
