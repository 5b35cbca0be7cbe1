"""recruiting_intake: how many fields does resume intake get right, and at what speed?

A labeled set of resumes is generated from a fixed seed: a name, e-mail, phone, city, a
headline, two to four dated roles (several layouts: "Title, Company — Jan 2019 – Present",
"Title at Company" over a date line, "Company | Title | 03/2018 - 05/2021", "Company — City"
over the title over the dates), education with its
own dates (which must not count as experience), and skills. Each is rendered as TXT, DOCX
(python-docx) or PDF (fpdf2) in turn, read back through the sandboxed extractor, and its
fields extracted (``workers/recruiting/intake``).

Baseline, measured on the same texts: a common first-cut parser (first line is the name, the
first e-mail and phone anywhere, the first line with a year is the current role split at a
comma or "at", years from the earliest year in the text, education included) with the same
skills vocabulary. Field accuracy is exact match
(years: within one). Ratio: intake accuracy ÷ baseline accuracy over all fields.
"""

from __future__ import annotations

import random
import time
from datetime import date

from bench.common import MACHINE, ratio

N_RESUMES = 45
SEED = 20261202
TODAY = date(2026, 12, 1)
FIRST = ["Maria", "James", "Aiko", "Lena", "Omar", "Priya", "Lucas", "Sofia", "Noah", "Chen"]
LAST = ["Gonzalez", "Okafor", "Tanaka", "Park", "Haddad", "Sharma", "Silva", "Rossi", "Berg"]
CITIES = ["Austin, TX", "Seattle, WA", "Boston, MA", "Denver, CO", "London, UK", "Berlin, Germany"]
TITLES = [
    "Software Engineer",
    "Senior Backend Engineer",
    "Data Engineer",
    "Staff Engineer",
    "Platform Engineer",
    "Product Designer",
    "Data Analyst",
    "Engineering Manager",
]
COMPANIES = ["Northwind Labs", "Quillfeather", "Bluepeak", "Acme Cloud", "Riverstone", "Initech"]
SKILLS = ["Python", "Go", "PostgreSQL", "Kubernetes", "AWS", "React", "Kafka", "Terraform", "SQL"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _resume(rng: random.Random) -> tuple[str, dict]:
    from workers.careers.skills import canonical

    first, last = rng.choice(FIRST), rng.choice(LAST)
    initial = f" {rng.choice('ABCDEJKMR')}." if rng.random() < 0.25 else ""
    name = f"{first}{initial} {last}"
    email = f"{first}.{last}@example.org".lower()
    phone = f"+1 {rng.randint(200, 989)} 555 {rng.randint(1000, 9999)}"
    city, headline = rng.choice(CITIES), rng.choice(TITLES)
    skills = rng.sample(SKILLS, 4)
    roles, end = [], (TODAY.year, TODAY.month)
    for n in range(rng.randint(2, 4)):
        length = rng.randint(12, 40)
        start_index = end[0] * 12 + end[1] - 1 - length
        start = (start_index // 12, start_index % 12 + 1)
        roles.append((rng.choice(TITLES), rng.choice(COMPANIES), start, end, n == 0))
        gap = rng.randint(0, 6)
        end_index = start_index - gap
        end = (end_index // 12, end_index % 12 + 1)
    months = sum(r[3][0] * 12 + r[3][1] - (r[2][0] * 12 + r[2][1]) + 1 for r in roles)
    header = name.upper() if rng.random() < 0.3 else name
    contact = rng.choice([f"{city} | {email} | {phone}", f"{email} · {phone} · {city}"])
    heading = rng.choice(["Experience", "WORK EXPERIENCE", "Professional Experience"])
    lines = [header, headline, contact, "", "Summary", "Engineer who ships.", "", heading]
    layout = rng.randrange(4)
    for title, company, start, stop, current in roles:
        begin = f"{MONTHS[start[1] - 1]} {start[0]}"
        until = "Present" if current else f"{MONTHS[stop[1] - 1]} {stop[0]}"
        if layout == 0:
            lines.append(f"{title}, {company} — {begin} – {until}")
        elif layout == 1:
            lines += [f"{title} at {company}", f"{begin} - {until}"]
        elif layout == 3:
            lines += [f"{company} — {rng.choice(CITIES)}", title, f"{begin} – {until}"]
        else:
            numeric = "Present" if current else f"{stop[1]:02d}/{stop[0]}"
            lines.append(f"{company} | {title} | {start[1]:02d}/{start[0]} - {numeric}")
        lines.append(f"- Built services with {rng.choice(skills)}.")
    lines += ["", "Education", "B.S. Computer Science, State University, 2005 – 2009", ""]
    lines += ["Skills", ", ".join(skills)]
    truth = {
        "full_name": name,
        "email": email,
        "phone": phone,
        "current_title": roles[0][0],
        "current_company": roles[0][1],
        "experience_years": months // 12,
        "skills": {canonical(s) for s in skills},
    }
    return "\n".join(lines), truth


def _render(text: str, fmt: str) -> bytes:
    if fmt == "text":
        return text.encode()
    if fmt == "docx":
        import io

        import docx

        document = docx.Document()
        for line in text.splitlines():
            document.add_paragraph(line)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.translate({0x2013: "-", 0x2014: "-", 0xB7: "|"}).splitlines():
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_PHONE = r"\+?\d[\d\s().-]{7,}\d"


def _baseline(text: str) -> dict:
    """A common first-cut resume parser: first line is the name, the first e-mail and phone
    anywhere, the first line with a year is the current role ("Title, Company" or "Title at
    Company"), years from the earliest year in the text to now."""
    import re

    from workers.recruiting.intake.common import skills_in

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    email = re.search(_EMAIL, text)
    phone = re.search(_PHONE, text)
    role = next((line for line in lines if re.search(r"(?:19|20)\d{2}", line)), "")
    role = re.split(r"\s+[-–—]\s+|\s*\|\s*(?=\w+\s\d|\d)", role)[0]
    parts = re.split(r",\s*|\s+at\s+", role, maxsplit=1) if role else []
    years = [int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", text)]
    return {
        "full_name": lines[0] if lines else None,
        "email": email.group(0) if email else None,
        "phone": phone.group(0).strip() if phone else None,
        "current_title": parts[0] if parts else None,
        "current_company": parts[1] if len(parts) > 1 else None,
        "experience_years": TODAY.year - min(years) if years else None,
        "skills": set(skills_in(text)),
    }


def _score(found: dict, truth: dict) -> dict[str, bool]:
    out = {}
    for key, want in truth.items():
        got = found.get(key)
        if key == "experience_years":
            out[key] = got is not None and abs(got - want) <= 1
        elif key == "skills":
            out[key] = want <= set(got or ())
        else:
            out[key] = (got or "").strip() == want
    return out


def run() -> dict:
    from workers.recruiting.intake.candidate_fields import extract_candidate
    from workers.recruiting.intake.sandbox import extract_isolated

    rng = random.Random(SEED)
    formats = ("text", "docx", "pdf")
    ours: list[dict] = []
    base: list[dict] = []
    per_format: dict[str, list[float]] = {f: [] for f in formats}
    read_seconds = 0.0
    for i in range(N_RESUMES):
        text, truth = _resume(rng)
        fmt = formats[i % 3]
        data = _render(text, fmt)
        started = time.perf_counter()
        extracted = extract_isolated(data, fmt)
        read_seconds += time.perf_counter() - started
        found = extract_candidate(extracted, "text", today=TODAY)
        found["skills"] = set(found["skills"])
        ours.append(_score(found, truth))
        base.append(_score(_baseline(extracted), truth))
        per_format[fmt].append(sum(ours[-1].values()) / len(ours[-1]))

    def accuracy(rows: list[dict]) -> float:
        return sum(sum(r.values()) for r in rows) / sum(len(r) for r in rows)

    def by_field(rows: list[dict]) -> dict:
        return {k: round(sum(r[k] for r in rows) / len(rows), 3) for k in rows[0]}

    ours_acc, base_acc = accuracy(ours), accuracy(base)
    return {
        "bench": "recruiting_intake",
        "ratio": ratio(ours_acc, base_acc),
        "platform": {
            "field_accuracy": round(ours_acc, 3),
            "by_field": by_field(ours),
            "by_format": {f: round(sum(v) / len(v), 3) for f, v in per_format.items()},
            "sandboxed_reads_per_s": round(N_RESUMES / read_seconds, 2),
        },
        "baseline": {
            "what": "first-cut parser: first line, first matches, first dated line, earliest year",
            "field_accuracy": round(base_acc, 3),
            "by_field": by_field(base),
        },
        "settings": {
            "resumes": N_RESUMES,
            "seed": SEED,
            "formats": list(formats),
            "machine": MACHINE,
        },
    }
