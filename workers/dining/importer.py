"""An upload's files → restaurants: which parser reads which file."""

from __future__ import annotations

from workers.dining import uci
from workers.dining.catalog import ImportFailed, Parsed, parse_csv, parse_json


def parse_files(files: dict[str, bytes]) -> Parsed:
    """Parse every recognized file of an upload: UCI files by their names, then *.json and
    *.csv in the platform's schema. Other files are listed as skipped; an upload with no
    catalog at all fails, naming what it got."""
    parsed = Parsed()
    uci_files = {n: d for n, d in files.items() if n.lower() in uci.FILES}
    if uci_files:
        uci.parse(parsed, uci_files)
    for name, data in files.items():
        lower = name.lower()
        if lower in uci.FILES:
            continue
        if lower in uci.CONSUMER_FILES:  # the dataset's diners, not restaurants
            parsed.skipped_files.append(name)
        elif lower.endswith(".json"):
            parse_json(parsed, name, data)
        elif lower.endswith(".csv"):
            parse_csv(parsed, name, data)
        else:
            parsed.skipped_files.append(name)
    if not parsed.sources:
        got = ", ".join(sorted(files)[:10]) or "no files"
        raise ImportFailed(
            f"No catalog file recognized (got {got}): send .json or .csv in the platform's "
            "schema, or the UCI files (geoplaces2.csv with chefmoz*.csv), or a zip of them"
        )
    return parsed
