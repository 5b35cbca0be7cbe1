"""An org's matching index: every candidate and job as rows of sparse matrices, so scoring a
job against 100,000 candidates is a few column slices and mat-vecs, not a Python loop.

Layout (one :class:`OrgIndex` per org, shared vocabularies of terms, skills and places):

- candidates: BM25 saturation weights (rows × terms, CSC for column slices, plus the CSR
  structure to subtract a row's terms from the document frequencies), skills (rows × skills),
  years, city / region ids, remote flag.
- jobs: query weights of their terms, required and nice-to-have skills, floor / ceiling
  years, city / region, remote mode.

Each side is a large immutable *main* block and a small *delta* block. A write to a row
marks its main row dead and puts the row's features in the delta, which is rebuilt (it is
small); document frequencies are adjusted exactly. When the delta outgrows
``max(2000, 5 %)`` of the main block, the next refresh rebuilds everything from the database.
BM25's average length is fixed at the last full build (a drift of a few percent at most
before the rebuild).

Scoring, the naive formula of :mod:`workers.recruiting.scoring`, runs on both blocks and
merges the top rows. Pure data structures: :mod:`workers.recruiting.store` loads them from
the database and keeps them current.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from workers.recruiting import scoring
from workers.recruiting.profiles import Features

DELTA_MIN = 2000
MAX_YEARS = 80
UNKNOWN_YEARS = MAX_YEARS + 1
YEAR_CODES = UNKNOWN_YEARS + 1  # codes of a junior or intern title follow the others
DELTA_SHARE = 0.05


class Interner:
    def __init__(self):
        self.ids: dict[str, int] = {}
        self.names: list[str] = []

    def id(self, name: str) -> int:
        got = self.ids.get(name)
        if got is None:
            got = self.ids[name] = len(self.names)
            self.names.append(name)
        return got

    def get(self, name: str | None) -> int:
        return self.ids.get(name, -1) if name else -1

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class Block:
    ids: np.ndarray
    alive: np.ndarray
    terms: sp.csc_matrix  # candidates: BM25 saturation; jobs: query weights
    term_rows: sp.csr_matrix  # the same, by row (a row's terms: reasons, statistics)
    skills: sp.csc_matrix  # candidates: has; jobs: required
    skill_rows: sp.csr_matrix
    nice: sp.csc_matrix | None
    nice_rows: sp.csr_matrix | None
    years: np.ndarray
    max_years: np.ndarray
    city: np.ndarray
    region: np.ndarray
    remote: np.ndarray  # candidates: remote flag; jobs: mode 0/1/2
    n_required: np.ndarray | None = None
    n_nice: np.ndarray | None = None
    # Candidates: years as small codes (UNKNOWN_YEARS when unknown; + YEAR_CODES for a junior
    # title) for one-lookup scoring,
    # and the location score of each row before any city matches, per job remote mode.
    year_code: np.ndarray | None = None
    place_base: dict | None = None

    def __len__(self) -> int:
        return len(self.ids)


def _matrix(rows: list[dict[int, float]], n_cols: int) -> sp.csr_matrix:
    # One index dtype for indptr and indices: mixed ones make scipy copy both on every product.
    counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    nnz = int(counts.sum())
    kind = np.int32 if nnz < 2**31 and n_cols < 2**31 else np.int64
    indptr = np.zeros(len(rows) + 1, dtype=kind)
    np.cumsum(counts, out=indptr[1:])
    indices = np.fromiter((c for r in rows for c in r), dtype=kind, count=nnz)
    data = np.fromiter((v for r in rows for v in r.values()), np.float32, count=nnz)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_cols))


@dataclass
class OrgIndex:
    org_id: str
    version: int = 0
    terms: Interner = field(default_factory=Interner)
    skills: Interner = field(default_factory=Interner)
    places: Interner = field(default_factory=Interner)
    df: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    total_len: float = 0.0
    avgdl: float = 1.0
    sides: dict = field(default_factory=dict)  # "candidate" | "job" → Side
    snapshot_version: int = -1  # the version of the last snapshot written or read (none: -1)

    def __post_init__(self):
        self.sides = {"candidate": Side("candidate", self), "job": Side("job", self)}

    @property
    def candidates(self) -> Side:
        return self.sides["candidate"]

    @property
    def jobs(self) -> Side:
        return self.sides["job"]

    # --- corpus statistics (candidates' texts) --------------------------------------------

    def n_docs(self) -> int:
        return self.candidates.n_alive()

    def _grow_df(self) -> None:
        if len(self.df) < len(self.terms):
            grown = np.zeros(max(len(self.terms), 2 * len(self.df)), dtype=np.float64)
            grown[: len(self.df)] = self.df
            self.df = grown

    def idf(self) -> np.ndarray:
        self._grow_df()
        return scoring.idf(self.df[: len(self.terms)], self.n_docs())

    def count_terms(self, cols: np.ndarray, sign: int, length: float) -> None:
        self._grow_df()
        np.add.at(self.df, cols, sign)
        self.total_len += sign * length

    # --- features → sparse rows -----------------------------------------------------------

    def term_row(self, features: Features, as_document: bool) -> dict[int, float]:
        if as_document:
            dl = sum(features.terms.values())
            return {
                self.terms.id(t): float(scoring.saturation(tf, dl, self.avgdl))
                for t, tf in features.terms.items()
            }
        return {
            self.terms.id(t): float(scoring.query_weight(tf)) for t, tf in features.terms.items()
        }

    def skill_row(self, names) -> dict[int, float]:
        return {self.skills.id(s): 1.0 for s in names}

    def place_ids(self, features: Features) -> tuple[int, int]:
        city = self.places.id("c:" + features.place.city) if features.place.city else -1
        region = self.places.id("r:" + features.place.region) if features.place.region else -1
        return city, region

    def block(self, kind: str, rows: list[tuple[int, Features]]) -> Block:
        doc = kind == "candidate"
        term_rows = [self.term_row(f, as_document=doc) for _, f in rows]
        skill_rows = [self.skill_row(f.skills if doc else f.required) for _, f in rows]
        nice_rows = None if doc else [self.skill_row(f.nice) for _, f in rows]
        places = [self.place_ids(f) for _, f in rows]
        terms = _matrix(term_rows, len(self.terms))
        skills = _matrix(skill_rows, len(self.skills))
        nice = None if doc else _matrix(nice_rows, len(self.skills))
        nan = np.nan
        block = Block(
            ids=np.array([i for i, _ in rows], dtype=np.int64),
            alive=np.ones(len(rows), dtype=bool),
            terms=terms.tocsc(),
            term_rows=terms,
            skills=skills.tocsc(),
            skill_rows=skills,
            nice=None if doc else nice.tocsc(),
            nice_rows=nice,
            years=np.array([nan if f.years is None else f.years for _, f in rows]),
            max_years=np.array([nan if f.max_years is None else f.max_years for _, f in rows]),
            city=np.array([c for c, _ in places], dtype=np.int32),
            region=np.array([r for _, r in places], dtype=np.int32),
            remote=np.array(
                [f.place.remote if doc else scoring.job_mode(f) for _, f in rows],
                dtype=bool if doc else np.int8,
            ),
            n_required=None if doc else np.array([len(f.required) for _, f in rows]),
            n_nice=None if doc else np.array([len(f.nice) for _, f in rows]),
        )
        if doc:
            junior = np.array([f.junior_title for _, f in rows], dtype=bool)
            block.year_code = (
                np.where(
                    np.isnan(block.years),
                    UNKNOWN_YEARS,
                    np.clip(np.round(block.years), 0, MAX_YEARS),
                )
                + junior * YEAR_CODES
            ).astype(np.int16)
            remote_only = block.remote & (block.city < 0)
            unknown = ~block.remote & (block.city < 0)
            block.place_base = {
                mode: np.where(remote_only, scoring.location_fit(0, -1, mode, -1, -1, True)[0],
                               np.where(unknown, 0.5, 0.0))
                for mode in (0, 1)
            }  # fmt: skip
        return block

    def build(self, candidates: list[tuple[int, Features]], jobs: list[tuple[int, Features]]):
        """The whole index from scratch (the store calls this with every row of the org)."""
        for _, f in candidates:
            for t in f.terms:
                self.terms.id(t)
        self.df = np.zeros(len(self.terms), dtype=np.float64)
        self.total_len = 0.0
        for _, f in candidates:
            cols = np.fromiter((self.terms.ids[t] for t in f.terms), dtype=np.int64)
            self.count_terms(cols, 1, sum(f.terms.values()))
        self.avgdl = self.total_len / max(len(candidates), 1)
        self.candidates.load(self.block("candidate", candidates))
        self.jobs.load(self.block("job", jobs))


class Side:
    def __init__(self, kind: str, index: OrgIndex):
        self.kind, self.index = kind, index
        self.main: Block | None = None
        self.main_pos: dict[int, int] = {}
        self.delta_rows: dict[int, Features] = {}
        self.delta: Block | None = None

    def load(self, main: Block) -> None:
        self.main = main
        self.main_pos = {int(i): p for p, i in enumerate(main.ids)}
        self.delta_rows, self.delta = {}, None

    def blocks(self) -> list[Block]:
        return [b for b in (self.main, self.delta) if b is not None and len(b)]

    def n_alive(self) -> int:
        main = int(self.main.alive.sum()) if self.main is not None else 0
        return main + len(self.delta_rows)

    def needs_rebuild(self) -> bool:
        size = len(self.main) if self.main is not None else 0
        return len(self.delta_rows) > max(DELTA_MIN, DELTA_SHARE * size)

    def _forget(self, entity_id: int) -> None:
        """Take a row out of the statistics and out of the live rows."""
        index = self.index
        pos = self.main_pos.get(entity_id)
        if pos is not None and self.main.alive[pos]:
            self.main.alive[pos] = False
            if self.kind == "candidate":
                row = self.main.term_rows
                cols = row.indices[row.indptr[pos] : row.indptr[pos + 1]]
                index.count_terms(cols.astype(np.int64), -1, 0.0)
        old = self.delta_rows.pop(entity_id, None)
        if old is not None and self.kind == "candidate":
            cols = np.fromiter((index.terms.ids[t] for t in old.terms), dtype=np.int64)
            index.count_terms(cols, -1, 0.0)

    def apply(self, upserts: dict[int, Features], deletes: set[int]) -> None:
        """Bring rows up to date: dead rows out, changed rows into the rebuilt delta."""
        for entity_id in deletes | set(upserts):
            self._forget(entity_id)
        for entity_id, features in upserts.items():
            self.delta_rows[entity_id] = features
            if self.kind == "candidate":
                cols = np.fromiter((self.index.terms.id(t) for t in features.terms), dtype=np.int64)
                self.index.count_terms(cols, 1, 0.0)
        rows = sorted(self.delta_rows.items())
        self.delta = self.index.block(self.kind, rows) if rows else None
