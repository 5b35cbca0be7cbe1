"""Naive matching through the index, both directions, with reasons a recruiter can read.

Every row of the org is scored at once (see :mod:`workers.recruiting.scoring` for the
formula and its weights); only the top rows are turned into :class:`Match` records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workers.recruiting import scoring
from workers.recruiting.index import Block, OrgIndex
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


@dataclass
class _Scored:
    block: Block
    rows: np.ndarray
    scores: np.ndarray
    req: object  # sparse rows × required columns (or None)
    nice: object
    text: object  # sparse rows × query columns, weighted
    text_cols: np.ndarray
    exp: np.ndarray
    exp_ok: object
    loc: np.ndarray
    loc_ok: object


def _live(block: Block, only: set[int] | None) -> np.ndarray:
    if only is None:
        return block.alive
    return block.alive & np.isin(block.ids, np.fromiter(only, dtype=np.int64))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) <= k:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


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

    scored = []
    for block in index.candidates.blocks():
        keep = q_cols < block.terms.shape[1]
        text_sub = block.terms[:, q_cols[keep]].multiply(q_w[keep]).tocsr()
        raw = np.asarray(text_sub.sum(axis=1)).ravel()
        text = np.minimum(1.0, raw / bound / scoring.TEXT_FULL) if bound else raw * 0
        req_sub = block.skills[:, _within(req_cols, block.skills.shape[1])].tocsr()
        nice_sub = block.skills[:, _within(nice_cols, block.skills.shape[1])].tocsr()
        req = np.asarray(req_sub.sum(axis=1)).ravel() / max(len(job.required), 1)
        nice = np.asarray(nice_sub.sum(axis=1)).ravel() / max(len(job.nice), 1)
        exp, exp_ok = scoring.experience_fit(block.years, floor, ceiling)
        loc, loc_ok = scoring.location_fit(
            j_city, j_region, mode, block.city, block.region, block.remote
        )
        scores = scoring.combine(
            req, bool(job.required), nice, bool(job.nice), text, exp, exp_ok, loc, loc_ok
        )
        scores = np.where(_live(block, only), scores, -1.0)
        rows = _top(scores, limit)
        rows = rows[scores[rows] >= 0]
        scored.append(
            _Scored(block, rows, scores, req_sub, nice_sub, text_sub, q_cols[keep], exp, exp_ok,
                    loc, loc_ok)
        )  # fmt: skip
    matches = []
    for part in scored:
        for row in part.rows:
            m = Match(id=int(part.block.ids[row]), raw=float(part.scores[row]), score=0)
            m.matched_skills = [req_names[c] for c in part.req[row].indices]
            m.missing_skills = sorted(job.required - set(m.matched_skills))
            m.matched_nice = [nice_names[c] for c in part.nice[row].indices]
            m.terms = _best_terms(index, part.text, part.text_cols, row)
            m.cand_years, m.job_floor = _num(part.block.years[row]), job.years
            m.experience = float(np.broadcast_to(part.exp, part.scores.shape)[row])
            m.location = float(np.broadcast_to(part.loc, part.scores.shape)[row])
            if not bool(np.broadcast_to(part.exp_ok, part.scores.shape)[row]):
                m.experience = None
            if not bool(np.broadcast_to(part.loc_ok, part.scores.shape)[row]):
                m.location = None
            matches.append(m)
    return _finish(matches, limit)


def _best_terms(index: OrgIndex, text_rows, cols: np.ndarray, row: int) -> list[str]:
    start, end = text_rows.indptr[row], text_rows.indptr[row + 1]
    order = np.argsort(-text_rows.data[start:end], kind="stable")[:REASON_TERMS]
    return [index.terms.names[cols[text_rows.indices[start + i]]] for i in order]


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

    matches = []
    for block in index.jobs.blocks():
        keep = c_cols < block.terms.shape[1]
        text_sub = block.terms[:, c_cols[keep]].multiply(c_w[keep]).tocsr()
        raw = np.asarray(text_sub.sum(axis=1)).ravel()
        bound = (block.terms @ idf[: block.terms.shape[1]]) * (scoring.K1 + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            text = np.where(bound > 0, np.minimum(1.0, raw / bound / scoring.TEXT_FULL), 0.0)
        cols = _within(skill_cols, block.skills.shape[1])
        req_sub = block.skills[:, cols].tocsr()
        nice_sub = block.nice[:, cols].tocsr()
        with np.errstate(divide="ignore", invalid="ignore"):
            req = np.asarray(req_sub.sum(axis=1)).ravel() / np.maximum(block.n_required, 1)
            nice = np.asarray(nice_sub.sum(axis=1)).ravel() / np.maximum(block.n_nice, 1)
        exp, exp_ok = scoring.experience_fit(years, block.years, block.max_years)
        loc, loc_ok = scoring.location_fit(
            block.city, block.region, block.remote, c_city, c_region, cand.place.remote
        )
        scores = scoring.combine(
            req, block.n_required > 0, nice, block.n_nice > 0, text, exp, exp_ok, loc, loc_ok
        )
        scores = np.where(_live(block, only), scores, -1.0)
        rows = _top(scores, limit)
        for row in rows[scores[rows] >= 0]:
            m = Match(id=int(block.ids[row]), raw=float(scores[row]), score=0)
            m.matched_skills = [index.skills.names[cols[c]] for c in req_sub[row].indices]
            m.missing_skills = _row_skills(index, block, row, "skills", exclude=m.matched_skills)
            m.matched_nice = [index.skills.names[cols[c]] for c in nice_sub[row].indices]
            m.terms = _best_terms(index, text_sub, c_cols[keep], row)
            m.cand_years, m.job_floor = cand.years, _num(block.years[row])
            m.experience = float(np.broadcast_to(exp, scores.shape)[row])
            m.location = float(np.broadcast_to(loc, scores.shape)[row])
            if not bool(np.broadcast_to(exp_ok, scores.shape)[row]):
                m.experience = None
            if not bool(np.broadcast_to(loc_ok, scores.shape)[row]):
                m.location = None
            matches.append(m)
    return _finish(matches, limit)


def _row_skills(index: OrgIndex, block: Block, row: int, which: str, exclude) -> list[str]:
    """A job's required skills (one row of a CSC matrix: jobs are few, so a column scan)."""
    matrix = getattr(block, which)
    mask = matrix.indices == row
    cols = np.repeat(np.arange(matrix.shape[1]), np.diff(matrix.indptr))[mask]
    return sorted(set(index.skills.names[c] for c in cols) - set(exclude))
