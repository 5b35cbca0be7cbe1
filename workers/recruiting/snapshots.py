"""Match index snapshots: a worker process that has never seen an org's index loads the
newest snapshot from the blob store and replays the journal after its version, instead of
reading every row of the org and building (about 24 s at 100,000 candidates).

One blob per org (``key_for``), replaced by each new snapshot, holding one ``.npz`` archive
(numpy's own format, read with ``allow_pickle=False``: a snapshot is data, never code):

- each side's main block: ids, alive flags, years, places and the CSR parts (``data``,
  ``indices``, ``indptr``, ``shape``) of its term and skill matrices. The column (CSC) copies
  are derived again on load: they would double the bytes;
- the vocabularies (terms, skills, places) as string arrays, document frequencies;
- ``meta``: JSON bytes with the format, org, journal version, BM25 length statistics and the
  delta rows' features (small by construction: past ``max(2000, 5 %)`` the index rebuilds).

A snapshot is written after a build, and after ``SNAPSHOT_AFTER`` journal versions applied
since the one it came from, so a new process replays at most that many changes (never on
every change). Two workers writing at once is harmless: either snapshot is a consistent
index at its version. A snapshot that cannot be read (corrupt, another format, another
org's) is logged and ignored: the worker builds, and writes a good one.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
import zipfile

import numpy as np
import scipy.sparse as sp

from app.config import get_settings
from app.platform import blobs
from workers.recruiting.index import Block, Interner, OrgIndex
from workers.recruiting.profiles import Features, Place

log = logging.getLogger("kairos.recruiting.index")

FORMAT = 1
KIND = "recruiting.index"
SNAPSHOT_AFTER = 500  # journal versions applied before a fresh snapshot is worth its write
MAX_BYTES = 1 << 30  # PostgreSQL's bytea limit; 100,000 candidates take about a tenth
ARRAYS = ("ids", "alive", "years", "max_years", "city", "region", "remote")
OPTIONAL = ("n_required", "n_nice", "year_code")
MATRICES = ("term_rows", "skill_rows", "nice_rows")


class SnapshotError(ValueError):
    """The bytes are not a snapshot of this org's index in this format."""


def key_for(org_id: str) -> str:
    return f"recruiting-index-{uuid.UUID(org_id).hex}"


# --- bytes -------------------------------------------------------------------------------------


def _features_json(f: Features) -> dict:
    return {
        "skills": sorted(f.skills),
        "required": sorted(f.required),
        "nice": sorted(f.nice),
        "terms": dict(f.terms),
        "years": f.years,
        "junior_title": f.junior_title,
        "max_years": f.max_years,
        "place": [f.place.city, f.place.region, f.place.remote],
        "remote_option": f.remote_option,
    }


def _features(d: dict) -> Features:
    from collections import Counter

    city, region, remote = d["place"]
    return Features(
        skills=set(d["skills"]),
        required=set(d["required"]),
        nice=set(d["nice"]),
        terms=Counter(d["terms"]),
        years=d["years"],
        junior_title=d["junior_title"],
        max_years=d["max_years"],
        place=Place(city, region, remote),
        remote_option=d["remote_option"],
    )


def dumps(index: OrgIndex) -> bytes:
    arrays: dict[str, np.ndarray] = {
        "terms": np.array(index.terms.names, dtype=str),
        "skills": np.array(index.skills.names, dtype=str),
        "places": np.array(index.places.names, dtype=str),
        "df": index.df[: len(index.terms)],
    }
    delta = {}
    for kind, side in index.sides.items():
        block = side.main
        for name in ARRAYS + OPTIONAL:
            value = getattr(block, name)
            if value is not None:
                arrays[f"{kind}.{name}"] = value
        if block.place_base is not None:
            for mode, value in block.place_base.items():
                arrays[f"{kind}.place_base.{mode}"] = np.asarray(value)
        for name in MATRICES:
            matrix = getattr(block, name)
            if matrix is not None:
                for part in ("data", "indices", "indptr"):
                    arrays[f"{kind}.{name}.{part}"] = getattr(matrix, part)
                arrays[f"{kind}.{name}.shape"] = np.array(matrix.shape, dtype=np.int64)
        delta[kind] = [[i, _features_json(f)] for i, f in sorted(side.delta_rows.items())]
    meta = {
        "format": FORMAT,
        "org_id": index.org_id,
        "version": index.version,
        "total_len": index.total_len,
        "avgdl": index.avgdl,
        "delta": delta,
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _block(kind: str, z) -> Block:
    def matrix(name: str) -> sp.csr_matrix | None:
        if f"{kind}.{name}.shape" not in z:
            return None
        parts = [z[f"{kind}.{name}.{p}"] for p in ("data", "indices", "indptr")]
        return sp.csr_matrix(tuple(parts), shape=tuple(z[f"{kind}.{name}.shape"].tolist()))

    rows = {name: matrix(name) for name in MATRICES}
    block = Block(
        **{name: z[f"{kind}.{name}"] for name in ARRAYS},
        **{name: z.get(f"{kind}.{name}") for name in OPTIONAL},
        terms=rows["term_rows"].tocsc(),
        skills=rows["skill_rows"].tocsc(),
        nice=None if rows["nice_rows"] is None else rows["nice_rows"].tocsc(),
        **rows,
    )
    base = [k for k in z if k.startswith(f"{kind}.place_base.")]
    if base:
        block.place_base = {int(k.rsplit(".", 1)[1]): z[k] for k in base}
    block.alive = block.alive.copy()  # row updates mark rows dead in place
    return block


def _interner(names: np.ndarray) -> Interner:
    interner = Interner()
    interner.names = names.tolist()
    interner.ids = {n: i for i, n in enumerate(interner.names)}
    return interner


def loads(data: bytes, org_id: str) -> OrgIndex:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            z = {name: npz[name] for name in npz.files}
        meta = json.loads(z["meta"].tobytes())
        if meta.get("format") != FORMAT or meta.get("org_id") != org_id:
            raise SnapshotError(f"format {meta.get('format')} of org {meta.get('org_id')}")
        index = OrgIndex(org_id, version=int(meta["version"]))
        index.terms, index.skills = _interner(z["terms"]), _interner(z["skills"])
        index.places = _interner(z["places"])
        index.df = z["df"].astype(np.float64)
        index.total_len, index.avgdl = float(meta["total_len"]), float(meta["avgdl"])
        for kind, side in index.sides.items():
            side.load(_block(kind, z))
            side.delta_rows = {int(i): _features(f) for i, f in meta["delta"][kind]}
            rows = sorted(side.delta_rows.items())
            side.delta = index.block(kind, rows) if rows else None
    except SnapshotError:
        raise
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise SnapshotError(f"{type(exc).__name__}: {exc}") from None
    index.snapshot_version = index.version
    return index


# --- the blob store ----------------------------------------------------------------------------


def save(index: OrgIndex) -> bool:
    """Write the index as its org's snapshot; a failure is logged, never raised (the query
    that triggered it still has its index)."""
    started = time.perf_counter()
    try:
        data = dumps(index)
        ttl = get_settings().recruiting_journal_days * 86400  # older: the journal has a gap
        blobs.put(
            data,
            org_id=index.org_id,
            kind=KIND,
            ttl=ttl,
            key=key_for(index.org_id),
            max_bytes=MAX_BYTES,
        )
    except Exception as exc:
        log.warning(
            "recruiting_index_snapshot_failed",
            extra={"org_id": index.org_id, "error": f"{type(exc).__name__}: {exc}"[:300]},
        )
        return False
    index.snapshot_version = index.version
    log.info(
        "recruiting_index_snapshot_saved",
        extra={
            "org_id": index.org_id,
            "version": index.version,
            "bytes": len(data),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return True


def load(org_id: str) -> OrgIndex | None:
    """The org's newest snapshot, or None (none stored, or unreadable: logged)."""
    started = time.perf_counter()
    try:
        data = blobs.get(key_for(org_id), org_id=org_id)
    except blobs.BlobMissing:
        return None
    except Exception as exc:  # the store is down: build instead
        log.warning(
            "recruiting_index_snapshot_unavailable",
            extra={"org_id": org_id, "error": f"{type(exc).__name__}: {exc}"[:300]},
        )
        return None
    try:
        index = loads(data, org_id)
    except SnapshotError as exc:
        log.warning(
            "recruiting_index_snapshot_unreadable",
            extra={"org_id": org_id, "bytes": len(data), "error": str(exc)[:300]},
        )
        return None
    log.info(
        "recruiting_index_snapshot_loaded",
        extra={
            "org_id": org_id,
            "version": index.version,
            "bytes": len(data),
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    return index


def due(index: OrgIndex) -> bool:
    """Enough of the journal applied since the snapshot this index is at to write anew."""
    return index.version - index.snapshot_version >= SNAPSHOT_AFTER
