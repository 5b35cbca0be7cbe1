"""The naive match formula: its weights, and one pair scored in plain Python.

score = 100 × Σ wᵢ·cᵢ / Σ wᵢ over the components that apply to the job:

- required skills, weight 0.40: share of the job's required skills the candidate has
  (applies when the job requires skills);
- nice-to-haves, 0.10: share of the nice-to-have skills the candidate has (when listed);
- text, 0.25: BM25 of the job's terms over the candidate's text, divided by its bound and
  by 0.4, capped at 1 (always applies);
- experience, 0.15: 1 at or above the job's floor, falling linearly to 0 at no years; 0.5
  when unknown; above a junior ceiling by more than a year it falls to 0.2; at most 0.5 for
  a junior or intern title when the job asks 2+ years (applies when the job has a floor or a
  ceiling);
- location, 0.10: same city 1, same region 0.6, unknown 0.5, remote-only candidate 0.3 for
  a hybrid job and 0.2 on-site, else 0; every candidate fits a remote job (applies when the
  job is remote or has a city).

BM25 (k1 = 1.2, b = 0.75): the job's unique terms are the query (weight 1 + ln tf), the
candidates' texts are the corpus (idf and average length). The bound is the score of a text
that saturates every query term, so text = 1 means "covers 40 % of what the job talks about,
weighted by rarity". The same pair gets the same score in both directions: jobs for a
candidate also use the candidates' corpus statistics.

The index (``workers/recruiting/index.py``) computes exactly this for every row at once with
sparse matrices; :func:`score_pair` is the per-row reference the tests and the benchmark use.
"""

from __future__ import annotations

import math

import numpy as np

from workers.recruiting.profiles import Features

W_REQUIRED = 0.40
W_NICE = 0.10
W_TEXT = 0.25
W_EXPERIENCE = 0.15
W_LOCATION = 0.10
K1 = 1.2
B = 0.75
TEXT_FULL = 0.4
# A junior or intern title caps the experience fit for a role asking 2+ years, whatever the
# years say: the title states the level the person works at.
JUNIOR_TITLE_CAP = 0.5

REMOTE_MODES = {"On-site": 0, "Hybrid": 1, "Remote": 2}


def idf(df, n_docs: int):
    """BM25's idf, never negative (Lucene's form)."""
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def saturation(tf, doc_len, avgdl: float):
    return tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len / max(avgdl, 1.0)))


def query_weight(tf):
    return 1.0 + np.log(tf)


def experience_fit(years, floor, ceiling, junior_title=False):
    """Vectorized: candidate years against a job's floor and ceiling (nan = none)."""
    years, floor, ceiling = (np.asarray(a, dtype=np.float64) for a in (years, floor, ceiling))
    fit = np.ones(np.broadcast(years, floor, ceiling).shape)
    with np.errstate(invalid="ignore"):
        capped = np.asarray(junior_title) & ~np.isnan(floor) & (floor >= 2)
    fit = np.where(capped, JUNIOR_TITLE_CAP, fit)
    has_floor = ~np.isnan(floor) & (floor > 0)
    with np.errstate(invalid="ignore"):
        short = has_floor & (years < floor)
        gap = np.clip(1 - (floor - years) / np.maximum(floor, 2), 0, 1)
        fit = np.where(short, np.minimum(fit, gap), fit)
        over = ~np.isnan(ceiling) & (years > ceiling + 1)
        fit = np.where(over, np.minimum(fit, np.clip(1 - (years - ceiling - 1) / 5, 0.2, 1)), fit)
    fit = np.where(np.isnan(years), 0.5, fit)
    return fit, has_floor | ~np.isnan(ceiling)


def location_fit(j_city, j_region, j_mode, c_city, c_region, c_remote):
    """Vectorized: ids of cities/regions (-1 unknown), the job's remote mode (0 on-site or
    unknown, 1 hybrid, 2 remote), whether the candidate is remote."""
    j_city, j_region, j_mode, c_city, c_region, c_remote = np.broadcast_arrays(
        *(np.asarray(a) for a in (j_city, j_region, j_mode, c_city, c_region, c_remote))
    )
    fit = np.zeros(j_city.shape)
    fit = np.where(c_remote & (c_city < 0), np.where(j_mode == 1, 0.3, 0.2), fit)
    fit = np.where((c_city < 0) & ~c_remote, 0.5, fit)
    fit = np.where((j_region >= 0) & (c_region == j_region), 0.6, fit)
    fit = np.where((j_city >= 0) & (c_city == j_city), 1.0, fit)
    fit = np.where(j_mode == 2, 1.0, fit)
    return fit, (j_mode == 2) | (j_city >= 0)


def combine(req, req_ok, nice, nice_ok, text, exp, exp_ok, loc, loc_ok):
    num = W_REQUIRED * req * req_ok + W_NICE * nice * nice_ok + W_TEXT * text
    num = num + W_EXPERIENCE * exp * exp_ok + W_LOCATION * loc * loc_ok
    den = W_REQUIRED * req_ok + W_NICE * nice_ok + W_TEXT
    den = den + W_EXPERIENCE * exp_ok + W_LOCATION * loc_ok
    return np.clip(100.0 * num / den, 0.0, 100.0)


def display_score(raw: float) -> int:
    return int(min(100, max(0, math.floor(float(raw) + 0.5))))


class CorpusStats:
    """What BM25 needs of the candidates' corpus: document frequencies and average length."""

    def __init__(self, df: dict[str, int], n_docs: int, avgdl: float):
        self.df, self.n_docs, self.avgdl = df, n_docs, avgdl

    @classmethod
    def of(cls, candidates: list[Features]) -> CorpusStats:
        df: dict[str, int] = {}
        total = 0
        for f in candidates:
            total += sum(f.terms.values())
            for term in f.terms:
                df[term] = df.get(term, 0) + 1
        return cls(df, len(candidates), total / max(len(candidates), 1))

    def idf(self, term: str) -> float:
        return float(idf(self.df.get(term, 0), self.n_docs))


def _experience_py(years, floor, ceiling, junior_title=False) -> tuple[float, bool]:
    has_floor = floor is not None and floor > 0
    applies = has_floor or ceiling is not None
    if years is None:
        return 0.5, applies
    fit = JUNIOR_TITLE_CAP if junior_title and has_floor and floor >= 2 else 1.0
    if has_floor and years < floor:
        fit = min(fit, max(0.0, 1 - (floor - years) / max(floor, 2)))
    if ceiling is not None and years > ceiling + 1:
        fit = min(fit, min(1.0, max(0.2, 1 - (years - ceiling - 1) / 5)))
    return fit, applies


def _location_py(job: Features, cand: Features, mode: int) -> tuple[float, bool]:
    jp, cp = job.place, cand.place
    applies = mode == 2 or jp.city is not None
    if mode == 2:
        return 1.0, applies
    if jp.city and cp.city == jp.city:
        return 1.0, applies
    if jp.region and cp.region == jp.region:
        return 0.6, applies
    if cp.city is None:
        if cp.remote:
            return (0.3 if mode == 1 else 0.2), applies
        return 0.5, applies
    return 0.0, applies


def job_mode(job: Features) -> int:
    return REMOTE_MODES.get(job.remote_option or "", 2 if job.place.remote else 0)


class PreparedJob:
    """What a job contributes to every pair, computed once per query."""

    def __init__(self, job: Features, stats: CorpusStats):
        self.job = job
        self.query = {}
        self.bound = 0.0
        for term, tf in job.terms.items():
            weight = (1.0 + math.log(tf)) * stats.idf(term)
            self.query[term] = weight
            self.bound += weight * (K1 + 1)
        self.avgdl = max(stats.avgdl, 1.0)
        self.mode = job_mode(job)


def score_prepared(prep: PreparedJob, cand: Features) -> float:
    """The naive score of one pair in plain Python: the per-row reference."""
    job = prep.job
    req = len(job.required & cand.skills) / len(job.required) if job.required else 0.0
    nice = len(job.nice & cand.skills) / len(job.nice) if job.nice else 0.0
    dl = sum(cand.terms.values())
    norm = K1 * (1 - B + B * dl / prep.avgdl)
    raw = 0.0
    for term, weight in prep.query.items():
        tf = cand.terms.get(term)
        if tf:
            raw += weight * tf * (K1 + 1) / (tf + norm)
    text = min(1.0, raw / prep.bound / TEXT_FULL) if prep.bound else 0.0
    exp, exp_ok = _experience_py(cand.years, job.years, job.max_years, cand.junior_title)
    loc, loc_ok = _location_py(job, cand, prep.mode)
    num = W_REQUIRED * req * bool(job.required) + W_NICE * nice * bool(job.nice) + W_TEXT * text
    num += W_EXPERIENCE * exp * exp_ok + W_LOCATION * loc * loc_ok
    den = W_REQUIRED * bool(job.required) + W_NICE * bool(job.nice) + W_TEXT
    den += W_EXPERIENCE * exp_ok + W_LOCATION * loc_ok
    return min(100.0, max(0.0, 100.0 * num / den))


def score_pair(job: Features, cand: Features, stats: CorpusStats) -> float:
    return score_prepared(PreparedJob(job, stats), cand)
