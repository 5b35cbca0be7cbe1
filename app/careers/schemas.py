"""Careers request and response schemas."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from app.careers.kinds import (
    MAX_RESUME_CHARS,
    AnalyzeParams,
    ExportParams,
    ImportResumeParams,
    SearchParams,
    SourceSchema,
    TailorParams,
    sources_field,
)
from app.core.schema import Schema, field_properties
from app.models.careers import APPLICATION_STATUSES

REMOTE_PREFERENCES = ("remote", "hybrid", "onsite", "any")


# --- jobs ---------------------------------------------------------------------------------------


class SearchRequestSchema(SearchParams):
    save = ma.fields.Boolean(
        load_default=False, metadata={"description": "Keep as a saved search, re-run on a schedule"}
    )
    name = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class JobQuerySchema(Schema):
    q = ma.fields.String(metadata={"description": "Words in title, company or description"})
    source = ma.fields.String()
    company = ma.fields.String()
    location = ma.fields.String()
    remote = ma.fields.Boolean()
    analyzed = ma.fields.Boolean()
    min_score = ma.fields.Float(validate=validate.Range(min=0, max=1))


class JobSchema(Schema):
    id = ma.fields.String()
    title = ma.fields.String()
    company = ma.fields.String(allow_none=True)
    location = ma.fields.String(allow_none=True)
    remote = ma.fields.Boolean(allow_none=True)
    workplace_type = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    employment_type = ma.fields.String(allow_none=True)
    salary_min = ma.fields.Float(allow_none=True)
    salary_max = ma.fields.Float(allow_none=True)
    salary_currency = ma.fields.String(allow_none=True)
    salary_interval = ma.fields.String(allow_none=True)
    description = ma.fields.String()
    posted_at = ma.fields.DateTime(allow_none=True)
    apply_url = ma.fields.String(allow_none=True)
    source = ma.fields.String()
    source_id = ma.fields.String()
    created_at = ma.fields.DateTime()
    last_seen_at = ma.fields.DateTime()


class AnalysisSchema(Schema):
    job_id = ma.fields.String()
    resume_id = ma.fields.String(allow_none=True)
    score = ma.fields.Float()
    strategy = ma.fields.String()
    requirements = ma.fields.Dict()
    match = ma.fields.Dict()
    created_at = ma.fields.DateTime()


class SavedSearchSchema(Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    query = ma.fields.String()
    location = ma.fields.String(allow_none=True)
    remote = ma.fields.Boolean(allow_none=True)
    sources = ma.fields.List(ma.fields.Nested(SourceSchema))
    last_run_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


# The request bodies of routes that only enqueue are the kind's params, less the ids that the
# URL already names.
AnalyzeRequestSchema = AnalyzeParams(exclude=("job_id",))
TailorRequestSchema = TailorParams(exclude=("resume_id",))
ExportRequestSchema = ExportParams(exclude=("resume_id",))


class ImportRequestSchema(ImportResumeParams):
    """What a client sends: the resume's text (a stored upload is only named by the task's
    params once the route has put the text in the blob store)."""

    class Meta(ImportResumeParams.Meta):
        exclude = ("upload_id",)

    content = ma.fields.String(required=True, validate=validate.Length(min=1, max=MAX_RESUME_CHARS))


# --- resumes ------------------------------------------------------------------------------------


class EntrySchema(Schema):
    title = ma.fields.String(allow_none=True)
    organization = ma.fields.String(allow_none=True)
    location = ma.fields.String(allow_none=True)
    start = ma.fields.String(allow_none=True)
    end = ma.fields.String(allow_none=True)
    bullets = ma.fields.List(ma.fields.String())


class SectionSchema(Schema):
    kind = ma.fields.String()
    title = ma.fields.String()
    entries = ma.fields.List(ma.fields.Nested(EntrySchema))
    items = ma.fields.List(ma.fields.String())


class ResumeSchema(Schema):
    id = ma.fields.String()
    title = ma.fields.String()
    format = ma.fields.String()
    is_primary = ma.fields.Boolean()
    contact = ma.fields.Dict()
    summary = ma.fields.String(allow_none=True)
    sections = ma.fields.List(ma.fields.Nested(SectionSchema))
    source = ma.fields.String()
    created_at = ma.fields.DateTime()


class TailoredSchema(Schema):
    id = ma.fields.String()
    resume_id = ma.fields.String()
    job_id = ma.fields.String()
    version = ma.fields.Integer()
    strategy = ma.fields.String()
    approved = ma.fields.Function(lambda t: t.approved_at is not None)
    approved_at = ma.fields.DateTime(allow_none=True)
    changes = ma.fields.List(ma.fields.Dict())
    created_at = ma.fields.DateTime()


class TailoredDetailSchema(TailoredSchema):
    resume = ma.fields.Dict(attribute="content")
    diff = ma.fields.Dict()


class TailoredQuerySchema(Schema):
    version = ma.fields.Integer(validate=validate.Range(min=1))


# --- applications -------------------------------------------------------------------------------


# The same rule for the server and the document: no spaces or control characters, spelled as
# ranges both regex dialects read alike; the server anchors with \Z (Python's $ also matches
# before a final newline).
URL_PATTERN = r"^https?://[^\x00-\x20\x7f/?#]+[^\x00-\x20\x7f]*$"
_URL_RE = re.compile(r"https?://[^\x00-\x20\x7f/?#]+[^\x00-\x20\x7f]*\Z")


class ManualJobSchema(Schema):
    """A job found anywhere (a friend's e-mail, a company's own site): it becomes a job record
    with source `manual`, which analysis and tailoring use like any other."""

    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=300))
    company = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = ma.fields.String(
        required=True,
        validate=[validate.Length(max=1000), validate.Regexp(_URL_RE, error="An http(s) URL.")],
        metadata={
            "description": "Where the posting is, http(s) (kept as the job's `apply_url`)",
            "pattern": URL_PATTERN,
        },
    )
    description = ma.fields.String(load_default="", validate=validate.Length(max=100_000))


class _ApplicationFields(Schema):
    status = ma.fields.String(load_default="saved", validate=validate.OneOf(("saved", "applied")))
    notes = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=10_000)
    )


class ApplicationCreateSchema(_ApplicationFields):
    """Either `job_id` (one of your job records) or `job` (a free-form job), not both."""

    job_id = ma.fields.String(validate=validate.Length(min=1, max=36))
    job = ma.fields.Nested(ManualJobSchema)

    @ma.validates_schema
    def _one_job(self, data, **_kwargs):
        if ("job_id" in data) == ("job" in data):
            message = "Give either job_id (one of your jobs) or job (a free-form job)"
            raise ma.ValidationError({"job_id": [message]})

    class Meta(Schema.Meta):
        openapi: dict | None = None  # set below: the document states "one of the two"


def _application_create_document() -> dict:
    common = field_properties(_ApplicationFields)
    job = {
        "type": "object",
        "properties": field_properties(ManualJobSchema),
        "required": ["title", "company", "url"],
        "additionalProperties": False,
    }
    job_id = field_properties(ApplicationCreateSchema)["job_id"]
    return {
        "oneOf": [
            {
                "type": "object",
                "properties": {"job_id": job_id, **common},
                "required": ["job_id"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"job": job, **common},
                "required": ["job"],
                "additionalProperties": False,
            },
        ],
        "example": {
            "job": {
                "title": "Backend Engineer",
                "company": "Acme",
                "url": "https://acme.example/careers/42",
            },
            "status": "applied",
        },
    }


ApplicationCreateSchema.Meta.openapi = _application_create_document()


class ApplicationUpdateSchema(Schema):
    status = ma.fields.String(validate=validate.OneOf(APPLICATION_STATUSES))
    notes = ma.fields.String(allow_none=True, validate=validate.Length(max=10_000))
    note = ma.fields.String(
        validate=validate.Length(max=2_000),
        metadata={"description": "Why: recorded in the history with the status change"},
    )


class ApplicationQuerySchema(Schema):
    status = ma.fields.String(validate=validate.OneOf(APPLICATION_STATUSES))


class ApplicationEventSchema(Schema):
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String(allow_none=True, metadata={"description": "The reason given"})
    changed_by = ma.fields.String(
        allow_none=True,
        metadata={"description": "Who: `user:<id>`, `api_key:<id>` or `local:<id>`"},
    )
    changed_by_user_id = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class ApplicationSchema(Schema):
    id = ma.fields.String()
    job_id = ma.fields.String(allow_none=True)
    title = ma.fields.String()
    company = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    notes = ma.fields.String(allow_none=True)
    applied_at = ma.fields.DateTime(allow_none=True)
    first_response_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ApplicationDetailSchema(ApplicationSchema):
    history = ma.fields.List(ma.fields.Nested(ApplicationEventSchema))


class StatsSchema(Schema):
    total = ma.fields.Integer()
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    response_rate = ma.fields.Float(allow_none=True)
    median_days_to_first_response = ma.fields.Float(allow_none=True)
    applications_per_week = ma.fields.List(ma.fields.Dict())
    funnel = ma.fields.List(ma.fields.Dict())


# --- profile ------------------------------------------------------------------------------------


class SalarySchema(Schema):
    min = ma.fields.Float(required=True, validate=validate.Range(min=0))
    currency = ma.fields.String(load_default="USD", validate=validate.Length(equal=3))


class ProfileSchema(Schema):
    name = ma.fields.String(allow_none=True, validate=validate.Length(max=200))
    headline = ma.fields.String(allow_none=True, validate=validate.Length(max=300))
    skills = ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=100)),
        validate=validate.Length(max=200),
    )
    years_experience = ma.fields.Float(allow_none=True, validate=validate.Range(min=0, max=70))
    locations = ma.fields.List(
        ma.fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=50)
    )
    remote_preference = ma.fields.String(
        allow_none=True, validate=validate.OneOf(REMOTE_PREFERENCES)
    )
    salary_expectation = ma.fields.Nested(SalarySchema, allow_none=True)
    target_roles = ma.fields.List(
        ma.fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=50)
    )
    sources = sources_field(metadata={"description": "Job boards searched by default"})
