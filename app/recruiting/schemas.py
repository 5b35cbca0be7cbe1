"""Recruiting request and response schemas: the seed's JobOut, CandidateOut, ApplicationOut
(plus timestamps and the fields the ATS keeps), their inputs, list filters and match logs."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.models.recruiting import (
    APPLICATION_STATUSES,
    EMPLOYMENT_TYPES,
    JOB_STATUSES,
    MATCH_DIRECTIONS,
    REMOTE_OPTIONS,
)

MAX_SKILLS = 100
MAX_TEXT = 50_000
MAX_RESUME = 200_000


class Choice(ma.fields.String):
    """One of ``choices``, matched ignoring case, spaces, hyphens and underscores
    ("full time" → "Full-time", "onsite" → "On-site"); answered in its canonical spelling."""

    def __init__(self, choices, **kwargs):
        self.choices = tuple(choices)
        self._by_key = {self._key(c): c for c in self.choices}
        enum = [*self.choices, *([None] if kwargs.get("allow_none") else [])]
        metadata = {"enum": enum, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    @staticmethod
    def _key(value: str) -> str:
        return re.sub(r"[\s_\-]+", "", value).lower()

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        canonical = self._by_key.get(self._key(text)) if len(text) <= 40 else None
        if canonical is None:
            raise ma.ValidationError(f"Must be one of: {', '.join(self.choices)}.")
        return canonical


def _text(max_len: int, **kwargs) -> ma.fields.String:
    return ma.fields.String(allow_none=True, validate=validate.Length(max=max_len), **kwargs)


def _skills(**kwargs) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=validate.Length(min=1, max=100)),
        validate=validate.Length(max=MAX_SKILLS),
        **kwargs,
    )


# The same rule for the server and the document (a JSON Schema ``pattern``); empty = none.
# No spaces or control characters, spelled as a range both regex dialects read alike (Python's
# \s and ECMA's differ); the server anchors with \Z (Python's $ also matches before a final
# newline).
_NOT_SPACE = r"[^\x00-\x20\x7f/?#]"
_NOT_SPACE_REST = r"[^\x00-\x20\x7f]*"
URL_PATTERN = rf"^(https?://{_NOT_SPACE}+{_NOT_SPACE_REST})?$"
_URL_RE = re.compile(rf"(https?://{_NOT_SPACE}+{_NOT_SPACE_REST})?\Z")
URL_FIELDS = ("linkedin_url", "github_url", "website_url")


def _url_rule(value: str) -> None:
    if not _URL_RE.match(value):
        raise ma.ValidationError("An http(s) URL, or empty.")


def _url(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        allow_none=True,
        validate=[validate.Length(max=500), _url_rule],
        metadata={"description": "http(s) URL; empty means none", "pattern": URL_PATTERN},
        **kwargs,
    )


# --- jobs ---------------------------------------------------------------------------------------


class JobPatchSchema(Schema):
    title = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata={"example": "Senior Backend Engineer"},
    )
    department = _text(200, metadata={"example": "Engineering"})
    location = _text(300, metadata={"example": "New York, NY"})
    employment_type = Choice(EMPLOYMENT_TYPES, allow_none=True)
    remote_option = Choice(REMOTE_OPTIONS, allow_none=True)
    salary_min = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000_000))
    salary_max = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100_000_000))
    currency = ma.fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error="A three-letter ISO 4217 code."),
        metadata={"example": "USD"},
    )
    description = _text(MAX_TEXT)
    required_skills = _skills(metadata={"example": ["Python", "FastAPI", "PostgreSQL"]})
    nice_to_have_skills = _skills(metadata={"example": ["Kubernetes", "AWS"]})
    min_years = ma.fields.Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=50),
        metadata={"description": "Minimum years of experience"},
    )
    status = Choice(JOB_STATUSES)
    is_public = ma.fields.Boolean()

    @ma.post_load
    def _upper_currency(self, data, **_kwargs):
        if data.get("currency"):
            data["currency"] = data["currency"].upper()
        return data


class JobCreateSchema(JobPatchSchema):
    required_skills = _skills(load_default=list)
    nice_to_have_skills = _skills(load_default=list)
    status = Choice(JOB_STATUSES, load_default="open")
    is_public = ma.fields.Boolean(load_default=False)


class JobOutSchema(Schema):
    id = ma.fields.Integer()
    org_id = ma.fields.String()
    created_by_user_id = ma.fields.String(allow_none=True)
    title = ma.fields.String()
    department = ma.fields.String(allow_none=True)
    location = ma.fields.String(allow_none=True)
    employment_type = ma.fields.String(allow_none=True)
    remote_option = ma.fields.String(allow_none=True)
    salary_min = ma.fields.Integer(allow_none=True)
    salary_max = ma.fields.Integer(allow_none=True)
    currency = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    required_skills = ma.fields.List(ma.fields.String())
    nice_to_have_skills = ma.fields.List(ma.fields.String())
    min_years = ma.fields.Integer(allow_none=True)
    status = ma.fields.String()
    is_public = ma.fields.Boolean()
    source = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


# --- lists --------------------------------------------------------------------------------------


class ListQuerySchema(Schema):
    """The seed's skip/limit beside the platform's page/page_size (skip/limit win if given).
    A seed parameter (skip, limit, status_filter) without page/page_size pages as seed 001:
    50 rows unless `limit` says otherwise."""

    skip = ma.fields.Integer(
        validate=validate.Range(min=0, max=10_000_000),
        metadata={"description": "Seed 001: rows to skip (default 0)"},
    )
    limit = ma.fields.Integer(
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Seed 001: rows to return (default 50 when paging as the seed)"},
    )


class Filter(ma.fields.String):
    """A search filter in the query string: only its first ``keep`` characters are used.

    Cut rather than refused, so the work stays bounded while the documented contract needs no
    length limit (the server's request line, 4 KB, is the real bound)."""

    def __init__(self, keep: int = 200, **kwargs):
        self.keep = keep
        metadata = kwargs.pop("metadata", {})
        described = metadata.get("description", "")
        metadata["description"] = f"{described} (first {keep} characters used)".strip()
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs)[: self.keep]


class JobListQuerySchema(ListQuerySchema):
    q = Filter(metadata={"description": "Words in the title, any case"})
    status = Choice(JOB_STATUSES)
    status_filter = Choice(JOB_STATUSES, metadata={"description": "The seed's name for status"})
    department = Filter()
    location = Filter()
    is_public = ma.fields.Boolean()


class CandidateQuerySchema(ListQuerySchema):
    q = Filter(metadata={"description": "Words in the name, any case"})
    email = Filter(320)
    current_company = Filter()
    location = Filter()
    source = Filter(32)


class ApplicationListQuerySchema(ListQuerySchema):
    job_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    candidate_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    status = Choice(APPLICATION_STATUSES)
    status_filter = Choice(APPLICATION_STATUSES, metadata={"description": "Same as status"})
    source = Filter(32)


# --- candidates ---------------------------------------------------------------------------------


class CandidatePatchSchema(Schema):
    full_name = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"example": "Jane Doe"}
    )
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=320))
    phone = ma.fields.String(
        allow_none=True,
        validate=[
            validate.Length(max=64),
            validate.Regexp(r"^[0-9+().\-\s/x]*$", error="Digits, spaces and + ( ) - . / x only."),
        ],
    )
    headline = _text(300, metadata={"example": "Senior Backend Engineer"})
    current_title = _text(200)
    current_company = _text(200)
    location = _text(300)
    experience_years = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=70))
    skills = _skills(metadata={"example": ["Python", "PostgreSQL"]})
    resume_text = _text(MAX_RESUME)
    linkedin_url = _url()
    github_url = _url()
    website_url = _url()
    notes = _text(MAX_TEXT)
    source = _text(32, metadata={"example": "manual"})

    @ma.post_load
    def _blank_links_are_none(self, data, **_kwargs):
        for name in URL_FIELDS:
            if data.get(name) == "":
                data[name] = None
        return data


class CandidateCreateSchema(CandidatePatchSchema):
    skills = _skills(load_default=list)
    source = _text(32, load_default="manual")


class CandidateSchema(Schema):
    id = ma.fields.Integer()
    org_id = ma.fields.String()
    created_by_user_id = ma.fields.String(allow_none=True)
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    headline = ma.fields.String(allow_none=True)
    current_title = ma.fields.String(allow_none=True)
    current_company = ma.fields.String(allow_none=True)
    location = ma.fields.String(allow_none=True)
    experience_years = ma.fields.Integer(allow_none=True)
    skills = ma.fields.List(ma.fields.String())
    resume_text = ma.fields.String(allow_none=True)
    linkedin_url = ma.fields.String(allow_none=True)
    github_url = ma.fields.String(allow_none=True)
    website_url = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    source = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class CandidateWrittenSchema(CandidateSchema):
    possible_duplicates = ma.fields.List(
        ma.fields.Integer(),
        metadata={"description": "Ids of records that may be the same person (never merged)"},
    )


# --- applications -------------------------------------------------------------------------------


class ApplicationInSchema(Schema):
    job_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    candidate_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    status = Choice(APPLICATION_STATUSES, load_default="sourced")
    source = ma.fields.String(load_default="manual", validate=validate.Length(min=1, max=32))
    fit_score = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=100),
    )
    notes = _text(MAX_TEXT, load_default=None)


class ApplicationPatchSchema(Schema):
    status = Choice(APPLICATION_STATUSES)
    source = ma.fields.String(validate=validate.Length(min=1, max=32))
    fit_score = ma.fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    notes = _text(MAX_TEXT)
    reason = _text(
        2_000, metadata={"description": "Why: kept with this change in the history, not on the row"}
    )


class ApplicationOutSchema(Schema):
    id = ma.fields.Integer()
    org_id = ma.fields.String()
    job_id = ma.fields.Integer()
    candidate_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(APPLICATION_STATUSES)})
    source = ma.fields.String(allow_none=True)
    fit_score = ma.fields.Integer(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    created_by_user_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class ApplicationChangeSchema(Schema):
    id = ma.fields.Integer()
    application_id = ma.fields.Integer()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    changes = ma.fields.Dict(metadata={"description": "{field: [before, after]}"})
    changed_by = ma.fields.String(metadata={"description": "user:<id> or api_key:<id>"})
    changed_by_user_id = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


# --- matching -----------------------------------------------------------------------------------


class MatchLogQuerySchema(ListQuerySchema):
    direction = ma.fields.String(validate=validate.OneOf(MATCH_DIRECTIONS))
    job_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    candidate_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    strategy = ma.fields.String(validate=validate.OneOf(("naive", "openai")))


class MatchLogSchema(Schema):
    id = ma.fields.Integer()
    org_id = ma.fields.String()
    requested_by = ma.fields.String()
    requested_by_user_id = ma.fields.String(allow_none=True)
    task_id = ma.fields.String(allow_none=True)
    direction = ma.fields.String()
    job_id = ma.fields.Integer(allow_none=True)
    candidate_id = ma.fields.Integer(allow_none=True)
    inputs = ma.fields.Dict()
    strategy = ma.fields.String()
    results = ma.fields.List(ma.fields.Dict(), metadata={"description": "[{id, score}] best first"})
    considered = ma.fields.Integer()
    duration_ms = ma.fields.Float(allow_none=True)
    created_at = ma.fields.DateTime()
