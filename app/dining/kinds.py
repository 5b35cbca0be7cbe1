"""Dining task kinds: what the workload's heavy work is, where it runs, what it takes."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.core.schema import Schema
from app.platform.kinds import TaskKind, register

# --- feeds, expand and chat (internal: their routes authorize and enqueue them) -------------

MAX_MESSAGE = 2000
HISTORY_KEPT = 6


def _user_id(**kw):
    return ma.fields.String(required=True, validate=validate.Length(min=1, max=36), **kw)


class BuildFeedParams(Schema):
    user_id = _user_id()


class FeedBatchParams(Schema):
    org_id = ma.fields.String(required=True, validate=validate.Length(max=36))
    user_ids = ma.fields.List(
        ma.fields.String(validate=validate.Length(max=36)), validate=validate.Length(max=1000)
    )
    feed_date = ma.fields.String(load_default=None, allow_none=True)


class ExpandParams(Schema):
    user_id = _user_id()
    restaurant_id = ma.fields.String(required=True, validate=validate.Length(min=1, max=36))


class ChatTurnSchema(Schema):
    role = ma.fields.String(required=True, validate=validate.OneOf(("user", "assistant")))
    content = ma.fields.String(required=True, validate=validate.Length(max=MAX_MESSAGE))


class ChatParams(Schema):
    user_id = _user_id()
    message = ma.fields.String(required=True, validate=validate.Length(min=1, max=MAX_MESSAGE))
    history = ma.fields.List(
        ma.fields.Nested(ChatTurnSchema), load_default=list, validate=validate.Length(max=50)
    )


BUILD_FEED = register(
    TaskKind(
        name="dining.build_feed",
        queue="feeds",
        schema=BuildFeedParams,
        public=False,
        description="Build and store one user's feed for today (a cache miss or a refresh).",
        soft_time_limit=60,
        time_limit=90,
        max_retries=1,
    )
)
FEED_BATCH = register(
    TaskKind(
        name="dining.build_feed_batch",
        queue="feeds",
        schema=FeedBatchParams,
        public=False,
        description="Beat: build a batch of today's feeds in one transaction (no task rows).",
        soft_time_limit=600,
        time_limit=660,
    )
)
PRECOMPUTE_FEEDS = register(
    TaskKind(
        name="dining.precompute_feeds",
        queue="feeds",
        schema=Schema,
        public=False,
        description="Beat: send today's feed batches for users active in the last 30 days.",
    )
)
EXPAND = register(
    TaskKind(
        name="dining.expand",
        queue="llm",
        schema=ExpandParams,
        public=False,
        description="One restaurant in detail for a user: summary, highlights, radar, allergens.",
        soft_time_limit=60,
        time_limit=90,
        max_retries=1,
    )
)
CHAT = register(
    TaskKind(
        name="dining.chat",
        queue="llm",
        schema=ChatParams,
        public=False,
        description="Answer a dining chat message in five steps, ending in a UI payload.",
        soft_time_limit=120,
        time_limit=150,
        max_retries=1,
    )
)


# --- catalog import and profile summary (public: authorized by the checks below) --------------


class ImportParams(Schema):
    upload_id = ma.fields.UUID(required=True, metadata={"description": "From the import route"})
    files = ma.fields.List(
        ma.fields.String(validate=validate.Length(max=100)),
        load_default=list,
        validate=validate.Length(max=20),
    )

    @ma.post_load
    def _as_text(self, data, **_kwargs):
        data["upload_id"] = str(data["upload_id"])
        return data


class SummaryParams(Schema):
    uid = ma.fields.UUID(required=True)

    @ma.post_load
    def _as_text(self, data, **_kwargs):
        data["uid"] = str(data["uid"])
        return data


def _upload_exists(principal, params) -> None:
    from app.core.errors import NotFound
    from app.dining.domain import uploads

    if not uploads.exists(principal.org_id, params["upload_id"]):
        raise NotFound("upload")


def _may_summarize(principal, params) -> None:
    from app.core.errors import ApiError
    from app.db import session_scope
    from app.dining.domain.acting import get_profile, may_act_for

    if not may_act_for(principal, params["uid"]):
        raise ApiError(403, "FORBIDDEN", "The uid is not the acting user")
    with session_scope() as s:
        get_profile(s, params["uid"], principal)


IMPORT = register(
    TaskKind(
        name="dining.import",
        queue="default",
        schema=ImportParams,
        description="Parse an uploaded restaurant catalog (platform JSON/CSV or the UCI "
        "files) and upsert it by external id in batches; bad rows are reported, not fatal.",
        soft_time_limit=600,
        time_limit=660,
        max_retries=0,
        authorize=_upload_exists,
        upload="upload_id",
    )
)
SUMMARY = register(
    TaskKind(
        name="dining.summary",
        queue="llm",
        schema=SummaryParams,
        description="Write a user's taste summary with the LLM (template when it fails).",
        # Anyone may read their own summary; who may act for a uid is _may_summarize's.
        role="viewer",
        soft_time_limit=90,
        time_limit=120,
        max_retries=1,
        authorize=_may_summarize,
    )
)
