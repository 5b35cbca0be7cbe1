"""Careers request and response schemas."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.careers.kinds import (
    AnalyzeParams,
    ExportParams,
    ImportResumeParams,
    SearchParams,
    SourceSchema,
    TailorParams,
    sources_field,
)
from app.http import Schema
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
ImportRequestSchema = ImportResumeParams


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


class ApplicationCreateSchema(Schema):
    job_id = ma.fields.String(required=True)
    status = ma.fields.String(load_default="saved", validate=validate.OneOf(("saved", "applied")))
    notes = ma.fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=10_000)
    )


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
