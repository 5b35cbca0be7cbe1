"""Naive matching through the index, both directions, with reasons a recruiter can read.

Every row of the org is scored at once (see :mod:`workers.recruiting.scoring` for the
formula and its weights); only the top rows are turned into :class:`Match` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workers.recruiting import scoring
from workers.recruiting.index import MAX_YEARS, Block, OrgIndex
from workers.recruiting.profiles import Features

REASON_TERMS = 6


@dataclass
class Match:
    id: int
    raw: float
    score: int
    matched_skills: list[str] = field(default_factory=list)
    missing_skills: list[str] = field(default_factory=list)
    matched_nice: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    experience: float | None = None
    location: float | None = None
    cand_years: float | None = None
    job_floor: float | None = None
    reason: str = ""
    strategy: str = "naive"

    def as_dict(self) -> dict:
        return {
            "score": self.score,
            "reason": self.reason,
            "matched_skills": self.matched_skills,
            "missing_skills": self.missing_skills,
            "matched_nice_to_have": self.matched_nice,
            "overlapping_terms": self.terms,
            "strategy": self.strategy,
        }


def _live(block: Block, only: set[int] | None) -> np.ndarray:
    if only is None:
        return block.alive
    return block.alive & np.isin(block.ids, np.fromiter(only, dtype=np.int64))


def _top(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` best scores, best first; ties go to the smaller id (as a sort would)."""
    if len(scores) > k:
        threshold = -np.partition(-scores, k - 1)[k - 1]
        rows = np.flatnonzero(scores >= threshold)
    else:
        rows = np.arange(len(scores))
    order = np.lexsort((ids[rows], -scores[rows]))[:k]
    rows = rows[order]
    return rows[scores[rows] >= 0]


def _row(matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def _best_terms(index: OrgIndex, rows, row: int, weights: dict[int, float]) -> list[str]:
    """The row's terms that earned the most of its text score."""
    cols, data = _row(rows, row)
    gains = [
        (-float(v) * weights[c], int(c)) for c, v in zip(cols, data, strict=True) if c in weights
    ]
    return [index.terms.names[c] for _, c in sorted(gains)[:REASON_TERMS]]


def _at(value, row: int) -> float:
    return float(value[row]) if np.ndim(value) else float(value)


def _columns(interner, names) -> tuple[list[str], np.ndarray]:
    known = [(n, interner.ids[n]) for n in sorted(names) if n in interner.ids]
    return [n for n, _ in known], np.array([c for _, c in known], dtype=np.int64)


def _within(cols: np.ndarray, width: int) -> np.ndarray:
    return cols[cols < width]


# --- job → candidates ---------------------------------------------------------------------------


def candidates_for_job(
    index: OrgIndex, job: Features, limit: int, only: set[int] | None = None
) -> list[Match]:
    """The best ``limit`` candidates (of ``only``, if given) for a job."""
    idf = index.idf()
    unknown_idf = float(scoring.idf(0, index.n_docs()))
    q_cols, q_w, bound = [], [], 0.0
    for term, tf in job.terms.items():
        w = float(scoring.query_weight(tf))
        col = index.terms.ids.get(term)
        bound += w * (idf[col] if col is not None else unknown_idf) * (scoring.K1 + 1)
        if col is not None:
            q_cols.append(col)
            q_w.append(w * idf[col])
    q_cols, q_w = np.array(q_cols, dtype=np.int64), np.array(q_w)
    req_names, req_cols = _columns(index.skills, job.required)
    nice_names, nice_cols = _columns(index.skills, job.nice)
    j_city = index.places.id("c:" + job.place.city) if job.place.city else -1
    j_region = index.places.id("r:" + job.place.region) if job.place.region else -1
    mode = scoring.job_mode(job)
    nan = np.nan
    floor = nan if job.years is None else job.years
    ceiling = nan if job.max_years is None else job.max_years

    weights = dict(zip(q_cols.tolist(), q_w.tolist(), strict=True))
    # The job's side of experience and location, once: a value per possible year of
    # experience, and whether each component applies.
    known = np.append(np.arange(MAX_YEARS + 1, dtype=np.float64), np.nan)
    exp_table, exp_ok = scoring.experience_fit(known, floor, ceiling)
    exp_table = np.concatenate([exp_table, scoring.experience_fit(known, floor, ceiling, True)[0]])
    exp_ok = bool(np.all(exp_ok))
    loc_ok = bool(scoring.location_fit(j_city, j_region, mode, -1, -1, False)[1])
    req_ok, nice_ok = bool(job.required), bool(job.nice)
    matches = []
    for block in index.candidates.blocks():
        keep = q_cols < block.terms.shape[1]
        raw = _weighted_sum(block.terms, block.term_rows, q_cols[keep], q_w[keep])
        text = np.minimum(1.0, raw / bound / scoring.TEXT_FULL) if bound else raw * 0
        # Required and nice-to-have coverage are linear: one mat-vec, both weighted.
        width = block.skills.shape[1]
        req_in, nice_in = _within(req_cols, width), _within(nice_cols, width)
        cols = np.concatenate([req_in, nice_in])
        per_skill = np.concatenate(
            [
                np.full(len(req_in), scoring.W_REQUIRED / max(len(job.required), 1)),
                np.full(len(nice_in), scoring.W_NICE / max(len(job.nice), 1)),
            ]
        )
        skills = _weighted_sum(block.skills, block.skill_rows, cols, per_skill)
        exp = exp_table[block.year_code]
        loc = _place_fit(block, j_city, j_region, mode)
        scores = _combine_for_job(skills, req_ok, nice_ok, text, exp, exp_ok, loc, loc_ok)
        scores = np.where(_live(block, only), scores, -1.0)
        for row in _top(scores, block.ids, limit):
            m = Match(id=int(block.ids[row]), raw=float(scores[row]), score=0)
            has = set(_row(block.skill_rows, row)[0].tolist())
            m.matched_skills = [n for n, c in zip(req_names, req_cols, strict=True) if c in has]
            m.missing_skills = sorted(job.required - set(m.matched_skills))
            m.matched_nice = [n for n, c in zip(nice_names, nice_cols, strict=True) if c in has]
            m.terms = _best_terms(index, block.term_rows, row, weights)
            m.cand_years, m.job_floor = _num(block.years[row]), job.years
            m.experience = _at(exp, row) if exp_ok else None
            m.location = _at(loc, row) if loc_ok else None
            matches.append(m)
    return _finish(matches, limit)


def _place_fit(block: Block, j_city: int, j_region: int, mode: int):
    """``scoring.location_fit`` for one job against every row, in as few passes."""
    if mode == 2:
        return 1.0
    fit = block.place_base[mode]
    if j_region >= 0:
        fit = np.where(block.region == j_region, 0.6, fit)
    if j_city >= 0:
        fit = np.where(block.city == j_city, 1.0, fit)
    return fit


def _combine_for_job(skills, req_ok, nice_ok, text, exp, exp_ok, loc, loc_ok):
    """``scoring.combine`` when every "applies" is one boolean for all rows; ``skills`` is
    the weighted sum of the required and nice-to-have shares already."""
    den = scoring.W_TEXT + scoring.W_REQUIRED * req_ok + scoring.W_NICE * nice_ok
    total = text * scoring.W_TEXT
    total += skills
    for value, ok, weight in (
        (exp, exp_ok, scoring.W_EXPERIENCE),
        (loc, loc_ok, scoring.W_LOCATION),
    ):
        if ok:
            total += weight * value
            den += weight
    total *= 100.0 / den
    return np.clip(total, 0.0, 100.0, out=total)


def _weighted_sum(by_col, by_row, cols: np.ndarray, weights: np.ndarray):
    """Per row, Σ value × weight over ``cols``. When the columns hold a good share of the
    matrix (a common query on a small vocabulary), one pass over the CSR rows with a dense
    weight vector beats copying the columns out; otherwise slice the few columns (CSC)."""
    if not len(cols):
        return np.zeros(by_col.shape[0])
    # Weights in the matrix's own dtype: a float64 vector would make scipy copy the data.
    weights = np.asarray(weights, dtype=by_col.dtype)
    selected = int(np.diff(by_col.indptr)[cols].sum())
    if selected * 3 > by_col.nnz:
        dense = np.zeros(by_col.shape[1], dtype=by_col.dtype)
        dense[cols] = weights
        return (by_row @ dense).astype(np.float64)
    return (by_col[:, cols] @ weights).astype(np.float64)


def _hits(matrix, cols: np.ndarray) -> np.ndarray:
    """Per row, how many of ``cols`` it has (binary matrix)."""
    if not len(cols):
        return np.zeros(matrix.shape[0])
    return np.asarray(matrix[:, cols].sum(axis=1)).ravel()


def _num(value) -> float | None:
    return None if np.isnan(value) else float(value)


def _finish(matches: list[Match], limit: int) -> list[Match]:
    matches.sort(key=lambda m: (-m.raw, m.id))
    matches = matches[:limit]
    for m in matches:
        m.score = scoring.display_score(m.raw)
        m.reason = reason(m)
    return matches


def _listing(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _years(value: float) -> str:
    return f"{value:g} year" + ("" if value == 1 else "s")


def reason(m: Match) -> str:
    """One paragraph: skills, nice-to-haves, shared terms, experience, location."""
    parts = []
    total = len(m.matched_skills) + len(m.missing_skills)
    if total:
        text = f"Has {len(m.matched_skills)} of {total} required skills"
        if m.matched_skills:
            text += f" ({_listing(m.matched_skills)})"
        if m.missing_skills:
            text += f"; missing {_listing(m.missing_skills)}"
        parts.append(text)
    if m.matched_nice:
        parts.append(f"Nice-to-have: {_listing(m.matched_nice)}")
    if m.terms:
        parts.append(f"Overlapping terms: {', '.join(m.terms)}")
    if m.experience is not None:
        asked = f"{m.job_floor:g}+ years asked" if m.job_floor else "seniority of the title"
        if m.cand_years is None:
            parts.append(f"Experience unknown ({asked})")
        elif m.experience >= 1:
            parts.append(f"Experience fits ({_years(m.cand_years)}; {asked})")
        else:
            parts.append(f"Experience off ({_years(m.cand_years)}; {asked})")
    if m.location is not None:
        words = {
            1.0: "Location fits",
            0.6: "Same region",
            0.5: "Location unknown",
            0.3: "Remote candidate for a hybrid job",
            0.2: "Remote candidate for an on-site job",
        }
        parts.append(words.get(round(m.location, 1), "Different location"))
    return ". ".join(parts) + "." if parts else "Little in common with this job."


# --- candidate → jobs ---------------------------------------------------------------------------


def jobs_for_candidate(
    index: OrgIndex, cand: Features, limit: int, only: set[int] | None = None
) -> list[Match]:
    """The best ``limit`` hiring jobs (of ``only``, if given) for a candidate."""
    idf = index.idf()
    dl = sum(cand.terms.values())
    c_cols, c_w = [], []
    for term, tf in cand.terms.items():
        col = index.terms.ids.get(term)
        if col is not None:
            c_cols.append(col)
            c_w.append(float(scoring.saturation(tf, dl, index.avgdl)) * idf[col])
    c_cols, c_w = np.array(c_cols, dtype=np.int64), np.array(c_w)
    skill_cols = np.array(
        sorted(index.skills.ids[s] for s in cand.skills if s in index.skills.ids), dtype=np.int64
    )
    c_city = index.places.id("c:" + cand.place.city) if cand.place.city else -1
    c_region = index.places.id("r:" + cand.place.region) if cand.place.region else -1
    years = np.nan if cand.years is None else cand.years

    weights = dict(zip(c_cols.tolist(), c_w.tolist(), strict=True))
    has = set(skill_cols.tolist())
    matches = []
    for block in index.jobs.blocks():
        keep = c_cols < block.terms.shape[1]
        raw = block.terms[:, c_cols[keep]] @ c_w[keep]
        bound = (block.terms @ idf[: block.terms.shape[1]]) * (scoring.K1 + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            text = np.where(bound > 0, np.minimum(1.0, raw / bound / scoring.TEXT_FULL), 0.0)
        cols = _within(skill_cols, block.skills.shape[1])
        req = _hits(block.skills, cols) / np.maximum(block.n_required, 1)
        nice = _hits(block.nice, cols) / np.maximum(block.n_nice, 1)
        exp, exp_ok = scoring.experience_fit(years, block.years, block.max_years, cand.junior_title)
        loc, loc_ok = scoring.location_fit(
            block.city, block.region, block.remote, c_city, c_region, cand.place.remote
        )
        scores = scoring.combine(
            req, block.n_required > 0, nice, block.n_nice > 0, text, exp, exp_ok, loc, loc_ok
        )
        scores = np.where(_live(block, only), scores, -1.0)
        for row in _top(scores, block.ids, limit):
            m = Match(id=int(block.ids[row]), raw=float(scores[row]), score=0)
            required = sorted(index.skills.names[c] for c in _row(block.skill_rows, row)[0])
            nice_names = sorted(index.skills.names[c] for c in _row(block.nice_rows, row)[0])
            m.matched_skills = [n for n in required if index.skills.ids[n] in has]
            m.missing_skills = [n for n in required if index.skills.ids[n] not in has]
            m.matched_nice = [n for n in nice_names if index.skills.ids[n] in has]
            m.terms = _best_terms(index, block.term_rows, row, weights)
            m.cand_years, m.job_floor = cand.years, _num(block.years[row])
            m.experience = _at(exp, row) if _at(exp_ok, row) else None
            m.location = _at(loc, row) if _at(loc_ok, row) else None
            matches.append(m)
    return _finish(matches, limit)
