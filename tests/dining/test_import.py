"""Catalog import through the API (a real worker parses it) and the restaurant listing."""

from __future__ import annotations

import io
import json
import logging
import zipfile

import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.logs import JsonFormatter
from app.models import Blob, Task
from app.models.dining import MenuItem, Restaurant
from tests.dining.test_catalog import CATALOG, REFERENCE, uci_files

# Both databases: catalog upserts racing each other, LIKE filters, name ordering.
pytestmark = pytest.mark.both_databases

IMPORT = "/api/v1/dining/restaurants/import"
LIST = "/api/v1/dining/restaurants"


def _restaurants(org_id: str) -> int:
    with session_scope() as s:
        return s.scalar(
            select(func.count()).select_from(Restaurant).where(Restaurant.org_id == org_id)
        )


def _blobs(org_id: str) -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(Blob).where(Blob.org_id == org_id))


def _tasks(org_id: str) -> int:
    with session_scope() as s:
        stmt = select(func.count()).select_from(Task)
        return s.scalar(stmt.where(Task.org_id == org_id, Task.kind == "dining.import"))


def _run(client, resp) -> dict:
    assert resp.status_code == 202, resp.text
    task = client.wait(resp.json()["data"]["id"])
    assert task["state"] == "succeeded", task
    return task["result"]


def _multipart(files: dict[str, bytes]):
    return [("files", (name, data, "text/csv")) for name, data in files.items()]


def test_a_json_catalog_imports_and_a_second_import_updates_instead_of_duplicating(api):
    org = api.user["org_id"]
    result = _run(api, api.post(IMPORT, json=CATALOG))
    assert (result["created"], result["updated"], result["failed"]) == (2, 0, 2)
    assert {e["row"] for e in result["errors"]} == {3, 4}
    assert _restaurants(org) == 2

    again = _run(api, api.post(IMPORT, json=CATALOG))
    assert (again["created"], again["updated"]) == (0, 2)
    assert _restaurants(org) == 2
    with session_scope() as s:
        garden = s.scalar(
            select(Restaurant).where(Restaurant.external_id == "r-1", Restaurant.org_id == org)
        )
        items = s.scalars(select(MenuItem).where(MenuItem.restaurant_id == garden.id)).all()
        assert len(items) == 2  # replaced, not appended
        assert garden.declared_allergens == ["peanuts", "crustacean shellfish"]
    assert _blobs(org) == 0  # the failed task deleted its upload  # the upload is cleaned up
    metrics = api.get("/metrics").text
    assert 'kairos_dining_import_rows_total{outcome="failed"}' in metrics


def test_the_uci_import_runs_its_log_lines_at_debug_through_the_platform_formatter(api, caplog):
    # The worker logs at DEBUG here (tests/conftest.py), so every log call of the task runs:
    # one whose `extra` named a LogRecord attribute ("created") once failed every import.
    assert logging.getLogger("kairos.dining").isEnabledFor(logging.DEBUG)
    org = api.user["org_id"]
    result = _run(api, api.post(IMPORT, files=_multipart(uci_files())))
    assert (result["created"], result["failed"]) == (3, 1)
    (record,) = [
        r
        for r in caplog.records
        if r.getMessage() == "dining_import" and getattr(r, "org_id", None) == org
    ]
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info" and line["org_id"] == org
    assert (line["rows_created"], line["rows_updated"], line["rows_failed"]) == (3, 0, 1)


def test_the_uci_files_as_a_multipart_upload(api):
    result = _run(api, api.post(IMPORT, files=_multipart(uci_files())))
    assert result["sources"] == ["uci"]
    assert (result["created"], result["failed"]) == (3, 1)
    assert result["errors"][0]["external_id"] == "900003"
    assert "lat" in result["errors"][0]["errors"]

    listing = api.get(LIST).json()
    assert listing["meta"]["total"] == 3
    names = [r["name"] for r in listing["data"]]
    assert names == sorted(names)
    kaze = api.get(f"{LIST}/900004").json()["data"]
    assert kaze["cuisines"] == ["Japanese", "Sushi"] and kaze["price"] == "$$"
    assert kaze["location"] == {"lat": 23.731, "lon": -99.15}


def test_a_zip_of_the_uci_files_imports_the_same(api):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in uci_files().items():
            archive.writestr(name, data)
    files = [("files", ("uci.zip", buffer.getvalue(), "application/zip"))]
    result = _run(api, api.post(IMPORT, files=files))
    assert result["created"] == 3


def test_listing_filters_by_cuisine_price_area_and_words(api):
    _run(api, api.post(IMPORT, files=_multipart(uci_files())))
    _run(api, api.post(IMPORT, json=CATALOG))

    def names(**params):
        resp = api.get(LIST, params=params)
        assert resp.status_code == 200, resp.text
        return sorted(r["name"] for r in resp.json()["data"])

    assert names(cuisine="sushi") == ["Sushi Kaze"]
    assert names(cuisine="Bar_Pub_Brewery") == ["La Terraza Azul"]
    assert names(cuisine="thai") == ["Bangkok Garden"]
    assert names(price="$") == ["Numbered", "Tacos Don Memo"]
    assert names(price="3") == ["La Terraza Azul"]
    assert names(area="victoria") == ["Sushi Kaze"]
    assert names(area="Koramangala") == ["Bangkok Garden"]
    assert names(q="tacos memo") == ["Tacos Don Memo"]
    page = api.get(LIST, params={"page": 2, "page_size": 2}).json()
    assert page["meta"] == {"total": 5, "page": 2, "page_size": 2}
    assert len(page["data"]) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"json": {}}, "restaurants"),
        ({"json": {"restaurants": []}}, "restaurants"),
        ({"json": {"csv": "id,name"}}, "csv"),
        ({"json": {"restaurants": ["not an object"]}}, "restaurants"),
        ({"json": {"restaurants": [{"id": 1}], "extra": True}}, "extra"),
        ({"data": {"nothing": "here"}}, None),
    ],
)
def test_bad_import_requests_are_refused_and_leave_nothing_behind(api, kwargs, field):
    org = api.user["org_id"]
    resp = api.post(IMPORT, **kwargs)
    assert resp.status_code == 400, resp.text
    if field:
        assert field in resp.json()["errors"]
    assert _tasks(org) == 0
    assert _blobs(org) == 0


def test_an_upload_without_a_catalog_fails_its_task_and_writes_nothing(api):
    org = api.user["org_id"]
    resp = api.post(IMPORT, files=[("files", ("notes.txt", b"hi", "text/plain"))])
    assert resp.status_code == 202
    task = api.wait(resp.json()["data"]["id"])
    assert task["state"] == "failed"
    assert task["error"]["code"] == "IMPORT_INVALID"
    assert "notes.txt" in task["error"]["message"]
    assert _restaurants(org) == 0
    assert _blobs(org) == 0  # the failed task deleted its upload


def test_an_unknown_upload_cannot_be_imported_through_the_tasks_api(api):
    resp = api.post(
        "/api/v1/tasks",
        json={
            "kind": "dining.import",
            "params": {"upload_id": "6f1c1c9e-0000-4000-8000-000000000000"},
        },
    )
    assert resp.status_code == 404
    resp = api.post(
        "/api/v1/tasks", json={"kind": "dining.import", "params": {"upload_id": "../x"}}
    )
    assert resp.status_code == 400


def test_another_orgs_catalog_is_invisible(api, other_api):
    _run(api, api.post(IMPORT, files=_multipart(uci_files())))
    assert other_api.get(LIST).json()["meta"]["total"] == 0
    assert other_api.get(f"{LIST}/900001").status_code == 404
    with session_scope() as s:
        rid = s.scalar(
            select(Restaurant.id).where(
                Restaurant.external_id == "900001", Restaurant.org_id == api.user["org_id"]
            )
        )
    assert other_api.get(f"{LIST}/{rid}").status_code == 404
    assert api.get(f"{LIST}/{rid}").json()["data"]["external_id"] == "900001"


def test_the_published_uci_files_import_through_the_api(api):
    if not (REFERENCE / "geoplaces2.csv").exists():
        pytest.skip(f"UCI reference files not found at {REFERENCE}")
    files = {p.name: p.read_bytes() for p in REFERENCE.glob("*.csv")}
    result = _run(api, api.post(IMPORT, files=_multipart(files)))
    assert (result["created"], result["failed"]) == (130, 0)
    assert result["skipped_files"] == ["usercuisine.csv", "userpayment.csv", "userprofile.csv"]
    assert api.get(LIST, params={"cuisine": "Mexican"}).json()["meta"]["total"] >= 20


def test_two_imports_of_the_same_catalog_at_once_never_duplicate(api):
    first = api.post(IMPORT, files=_multipart(uci_files()))
    second = api.post(IMPORT, files=_multipart(uci_files()))
    results = [_run(api, first), _run(api, second)]
    assert sorted(r["created"] + r["updated"] for r in results) == [3, 3]
    assert _restaurants(api.user["org_id"]) == 3
