"""Careers API (seed 000) under /api/v1/careers. Heavy steps are tasks; the rest is reads."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import marshmallow as ma
from flask import request, send_file
from flask.views import MethodView
from sqlalchemy import exists, or_, select, update

from app.careers import kinds
from app.careers.blueprint import blp
from app.careers.domain.rules import EXPORT_BLOB, RESUME_FORMATS, detect_format, open_boards
from app.careers.schemas import (
    AnalysisSchema,
    AnalyzeRequestSchema,
    ExportRequestSchema,
    ImportRequestSchema,
    JobQuerySchema,
    JobSchema,
    ProfileSchema,
    ResumeSchema,
    SavedSearchSchema,
    SearchRequestSchema,
    TailoredDetailSchema,
    TailoredQuerySchema,
    TailoredSchema,
    TailorRequestSchema,
)
from app.core.errors import ApiError
from app.core.scoping import get_scoped, scoped
from app.db import session_scope
from app.http import ErrorEnvelopeSchema
from app.models.careers import (
    Export,
    JobAnalysis,
    JobPosting,
    Profile,
    Resume,
    SavedSearch,
    TailoredResume,
)
from app.platform import blobs
from app.platform.accept import accept_task, documents_task
from app.platform.auth import current_principal, require

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "latex": "application/x-tex; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
}


def _submit(kind: str, params: dict):
    # Here the request body is the params: field errors are reported at the top level.
    return accept_task(kind, params, params_are_body=True)


def _profile_data(s, principal) -> dict:
    row = s.scalar(scoped(select(Profile), Profile, principal))
    return row.data if row else {}


# --- jobs ---------------------------------------------------------------------------------------


@blp.route("/jobs/search", methods=["POST"])
@require("member")
@blp.arguments(SearchRequestSchema)
@documents_task(blp)
def search_jobs(body):
    """Search job boards (async `careers.search`); without `sources`, the ones saved in your
    profile, and without those every board that needs no employer name (Remotive, Arbeitnow,
    Himalayas).

    The task result: `{"postings": [ids], "new": n, "platforms": [{platform, board, status,
    count, code?}]}`. With `save: true` the search is kept and re-run on a schedule.
    """
    principal = current_principal()
    save, name = body.pop("save"), body.pop("name")
    if not body["sources"]:
        with session_scope() as s:
            body["sources"] = _profile_data(s, principal).get("sources") or open_boards()
    if save:
        saved = SavedSearch(
            org_id=principal.org_id,
            owner_id=principal.user_id,
            name=name or body["query"] or "All jobs",
            query=body["query"],
            location=body["location"],
            remote=body["remote"],
            sources=body["sources"],
        )
        with session_scope() as s:
            s.add(saved)
        body["saved_search_id"] = saved.id
    return _submit(kinds.SEARCH.name, body)


@blp.route("/jobs")
class Jobs(MethodView):
    @require("viewer")
    @blp.arguments(JobQuerySchema, location="query")
    @blp.response(200, JobSchema(many=True))
    @blp.paginate()
    def get(self, query):
        """Your job postings, newest first; filter by q, source, company, location, remote,
        analyzed, min_score."""
        stmt = scoped(select(JobPosting), JobPosting, current_principal())
        if query.get("q"):
            for word in query["q"].split():
                like = f"%{word}%"
                stmt = stmt.where(
                    or_(
                        JobPosting.title.ilike(like),
                        JobPosting.company.ilike(like),
                        JobPosting.description.ilike(like),
                    )
                )
        if query.get("source"):
            stmt = stmt.where(JobPosting.source == query["source"])
        for field in ("company", "location"):
            if query.get(field):
                stmt = stmt.where(getattr(JobPosting, field).ilike(f"%{query[field]}%"))
        if "remote" in query:
            stmt = stmt.where(JobPosting.remote.is_(query["remote"]))
        analyzed = exists().where(JobAnalysis.job_id == JobPosting.id)
        if "analyzed" in query:
            stmt = stmt.where(analyzed if query["analyzed"] else ~analyzed)
        if "min_score" in query:
            stmt = stmt.where(
                exists().where(
                    JobAnalysis.job_id == JobPosting.id, JobAnalysis.score >= query["min_score"]
                )
            )
        order = (JobPosting.posted_at.desc().nulls_last(), JobPosting.created_at.desc())
        return stmt.order_by(*order, JobPosting.id)


@blp.route("/jobs/<job_id>")
class JobById(MethodView):
    @require("viewer")
    @blp.response(200, JobSchema)
    def get(self, job_id):
        """One job posting."""
        with session_scope() as s:
            return get_scoped(s, JobPosting, job_id, "job", current_principal())

    @require("member")
    @blp.response(200, JobSchema)
    def delete(self, job_id):
        """Remove a posting and its analysis (applications keep their snapshot)."""
        # The schema's foreign keys remove the analysis and tailored versions and unlink
        # applications (ON DELETE CASCADE / SET NULL).
        with session_scope() as s:
            job = get_scoped(s, JobPosting, job_id, "job", current_principal())
            s.delete(job)
        return job


@blp.route("/jobs/<job_id>/analyze", methods=["POST"])
@require("member")
@blp.arguments(AnalyzeRequestSchema)
@documents_task(blp)
def analyze_job(body, job_id):
    """Analyze a job description against your profile and resume (async `careers.analyze`).

    Stages `extracting_requirements` → `scoring_match`; the result is
    `{"score": 0..1, "analysis": {...}}`. Also over the WebSocket: `{"type":"analyze","job_id":…}`.
    """
    return _submit(kinds.ANALYZE.name, {"job_id": job_id, **body})


@blp.route("/jobs/<job_id>/analysis", methods=["GET"])
@require("viewer")
@blp.response(200, AnalysisSchema)
def job_analysis(job_id):
    """The latest analysis of a job: requirements, match score, strengths, gaps, strategy."""
    with session_scope() as s:
        job = get_scoped(s, JobPosting, job_id, "job", current_principal())
        analysis = s.scalar(select(JobAnalysis).where(JobAnalysis.job_id == job.id))
        if analysis is None:
            raise ApiError(404, "ANALYSIS_NOT_FOUND", "This job has not been analyzed yet")
        return analysis


@blp.route("/searches", methods=["GET"])
@require("viewer")
@blp.response(200, SavedSearchSchema(many=True))
def saved_searches():
    """Your saved searches (re-run on a schedule; each run's complete event lists new postings)."""
    with session_scope() as s:
        stmt = scoped(select(SavedSearch), SavedSearch, current_principal()).order_by(
            SavedSearch.created_at
        )
        return s.scalars(stmt).all()


@blp.route("/searches/<search_id>", methods=["DELETE"])
@require("member")
@blp.response(200, SavedSearchSchema)
def delete_saved_search(search_id):
    """Stop re-running a saved search."""
    with session_scope() as s:
        row = get_scoped(s, SavedSearch, search_id, "saved search", current_principal())
        s.delete(row)
    return row


# --- resumes ------------------------------------------------------------------------------------


def _import_body() -> dict:
    """A resume from a multipart upload (`file`, optional `format`, `title`) or from JSON."""
    if request.mimetype != "multipart/form-data":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "VALIDATION_ERROR", "Expected a JSON object or a file upload")
        return body
    unknown = (set(request.form) - {"format", "title"}) | (set(request.files) - {"file"})
    if unknown:
        raise ApiError(
            400, "VALIDATION_ERROR", "Invalid input", {n: ["Unknown field."] for n in unknown}
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input", {"file": ["Upload a file."]})
    fmt = request.form.get("format") or detect_format(upload.filename)
    if fmt not in RESUME_FORMATS:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "Invalid input",
            {"format": ["Send a .tex or .md file, or say format=latex|markdown."]},
        )
    raw = upload.read(kinds.MAX_RESUME_CHARS * 4 + 1)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(
            400, "VALIDATION_ERROR", "Invalid input", {"file": ["The file is not UTF-8 text."]}
        ) from None
    return {
        "format": fmt,
        "content": content,
        "title": request.form.get("title") or Path(upload.filename).stem,
    }


@blp.route("/resumes/import", methods=["POST"])
@require("member")
@documents_task(blp)
@blp.alt_response(
    404, schema=ErrorEnvelopeSchema, description="An `upload_id` that names no stored upload"
)
@blp.doc(
    requestBody={
        "content": {
            "application/json": {"schema": ImportRequestSchema},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A .tex or .md file, UTF-8 text",
                        },
                        "format": {
                            "type": "string",
                            "enum": list(RESUME_FORMATS),
                            "description": "Default: from the file name's extension",
                        },
                        "title": {
                            "type": "string",
                            "maxLength": 300,
                            "description": "Default: the file name without its extension",
                        },
                    },
                    "required": ["file"],
                    "additionalProperties": False,
                }
            },
        }
    }
)
def import_resume():
    """Import a LaTeX or Markdown resume (async `careers.import_resume`; result `resume_id`)."""
    body = _import_body()
    if len(str(body.get("content") or "")) > kinds.MAX_RESUME_CHARS:
        raise ApiError(
            413,
            "PAYLOAD_TOO_LARGE",
            f"A resume may have at most {kinds.MAX_RESUME_CHARS} characters",
        )
    try:  # the route takes the text; naming a stored upload is the tasks API's business
        ImportRequestSchema().load(body)
    except ma.ValidationError as exc:
        raise ApiError(400, "VALIDATION_ERROR", "Invalid input", exc.messages) from None
    return _submit(kinds.IMPORT_RESUME.name, body)


@blp.route("/resumes", methods=["GET"])
@require("viewer")
@blp.response(200, ResumeSchema(many=True))
@blp.paginate()
def list_resumes():
    """Your resumes, primary first."""
    stmt = scoped(select(Resume), Resume, current_principal())
    return stmt.order_by(Resume.is_primary.desc(), Resume.created_at.desc(), Resume.id)


@blp.route("/resumes/<resume_id>", methods=["GET"])
@require("viewer")
@blp.response(200, ResumeSchema)
def get_resume(resume_id):
    """A resume with its sections, entries and bullets, and the original source."""
    with session_scope() as s:
        return get_scoped(s, Resume, resume_id, "resume", current_principal())


@blp.route("/resumes/<resume_id>/tailor", methods=["POST"])
@require("member")
@blp.arguments(TailorRequestSchema)
@documents_task(blp)
def tailor_resume(body, resume_id):
    """Tailor a resume for a job (async `careers.tailor`); each run adds a version."""
    return _submit(kinds.TAILOR.name, {"resume_id": resume_id, "job_id": body["job_id"]})


@blp.route("/resumes/<resume_id>/tailored", methods=["GET"])
@require("viewer")
@blp.response(200, TailoredSchema(many=True))
def list_tailored(resume_id):
    """Every tailored version of a resume, newest first."""
    with session_scope() as s:
        resume = get_scoped(s, Resume, resume_id, "resume", current_principal())
        stmt = select(TailoredResume).where(TailoredResume.resume_id == resume.id)
        return s.scalars(
            stmt.order_by(TailoredResume.created_at.desc(), TailoredResume.version.desc())
        ).all()


def _tailored(s, resume_id: str, job_id: str, version: int | None = None) -> TailoredResume:
    resume = get_scoped(s, Resume, resume_id, "resume", current_principal())
    stmt = select(TailoredResume).where(
        TailoredResume.resume_id == resume.id, TailoredResume.job_id == job_id
    )
    if version is not None:
        stmt = stmt.where(TailoredResume.version == version)
    row = s.scalar(stmt.order_by(TailoredResume.version.desc()).limit(1))
    if row is None:
        raise ApiError(404, "TAILORED_RESUME_NOT_FOUND", "No tailored version for this job")
    return row


@blp.route("/resumes/<resume_id>/tailored/<job_id>", methods=["GET"])
@require("viewer")
@blp.arguments(TailoredQuerySchema, location="query")
@blp.response(200, TailoredDetailSchema)
def get_tailored(query, resume_id, job_id):
    """The latest tailored version for a job (or `?version=N`), with its diff."""
    with session_scope() as s:
        return _tailored(s, resume_id, job_id, query.get("version"))


@blp.route("/resumes/<resume_id>/tailored/<job_id>/approve", methods=["POST"])
@require("member")
@blp.arguments(TailoredQuerySchema, location="query")
@blp.response(200, TailoredDetailSchema)
def approve_tailored(query, resume_id, job_id):
    """Mark a tailored version (latest, or `?version=N`) final for this job."""
    with session_scope() as s:
        row = _tailored(s, resume_id, job_id, query.get("version"))
        s.execute(
            update(TailoredResume)
            .where(
                TailoredResume.resume_id == row.resume_id,
                TailoredResume.job_id == row.job_id,
                TailoredResume.id != row.id,
            )
            .values(approved_at=None)
        )
        row.approved_at = datetime.now(UTC)
        return row


@blp.route("/resumes/<resume_id>/export", methods=["POST"])
@require("member")
@blp.arguments(ExportRequestSchema)
@documents_task(blp)
def export_resume(body, resume_id):
    """Render the original (or, with `job_id`, the tailored) resume (async `careers.export`).

    The result links the file: `{"export_id", "url", "format", "size"}`.
    """
    if body["job_id"] is not None:
        with session_scope() as s:
            _tailored(s, resume_id, body["job_id"], body["version"])
    return _submit(kinds.EXPORT.name, {"resume_id": resume_id, **body})


@blp.route("/exports/<export_id>", methods=["GET"])
@require("viewer")
@blp.doc(
    responses={
        200: {
            "description": "The file",
            "content": {"application/pdf": {}, "application/x-tex": {}, "text/markdown": {}},
        }
    }
)
def download_export(export_id):
    """Download an export; only its owner can."""
    with session_scope() as s:
        row = get_scoped(s, Export, export_id, "export", current_principal())
    gone = ApiError(404, "EXPORT_NOT_FOUND", "The exported file is no longer available")
    if row.path.startswith(EXPORT_BLOB):  # in the blob store, wherever the worker ran
        try:
            data = blobs.get(row.path[len(EXPORT_BLOB) :], org_id=row.org_id)
        except blobs.BlobMissing:
            raise gone from None
        source = io.BytesIO(data)
    else:  # an export written to a local disk before exports went to the blob store
        source = Path(row.path)
        if not source.is_file():
            raise gone
    return send_file(
        source, mimetype=CONTENT_TYPES[row.format], as_attachment=True, download_name=row.filename
    )


# --- profile ------------------------------------------------------------------------------------


@blp.route("/profile")
class ProfileResource(MethodView):
    @require("viewer")
    @blp.response(200, ProfileSchema)
    def get(self):
        """Your profile (empty until you save one)."""
        with session_scope() as s:
            return _profile_data(s, current_principal())

    @require("member")
    @blp.arguments(ProfileSchema)
    @blp.response(200, ProfileSchema)
    def put(self, body):
        """Replace your profile."""
        principal = current_principal()
        data = ProfileSchema().dump(body)
        with session_scope() as s:
            row = s.scalar(scoped(select(Profile), Profile, principal))
            if row is None:
                s.add(Profile(org_id=principal.org_id, owner_id=principal.user_id, data=data))
            else:
                row.data, row.updated_at = data, datetime.now(UTC)
        return data


# Route modules that register on ``blp``: importing them here makes them part of the API.
from app.careers import application_routes  # noqa: E402, F401, I001
