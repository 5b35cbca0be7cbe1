"""What app/http.py and app/openapi.py rely on in flask-smorest (pinned in pyproject.toml).

The envelope, the pagination ``meta`` and the OpenAPI contract use the hooks flask-smorest
marks "Override this" and its ``spec.path(rule=…)``; an upgrade that changes any of them
fails here, on a small app of its own, before it reaches a route.
"""

from __future__ import annotations

import marshmallow as ma
import pytest
from flask.views import MethodView
from flask_smorest import Page

from app.core.schema import Schema
from app.http import Api, Blueprint, Flask
from app.openapi import mark_auth


class ItemSchema(Schema):
    n = ma.fields.Integer()


class ItemQuerySchema(Schema):
    parity = ma.fields.String(validate=ma.validate.OneOf(["odd", "even"]))


@pytest.fixture(scope="module")
def client():
    blp = Blueprint("items", __name__, url_prefix="/api/v1")

    @blp.route("/items")
    class Items(MethodView):
        @blp.arguments(ItemQuerySchema, location="query")
        @blp.response(200, ItemSchema(many=True))
        @blp.paginate(Page)  # the list pager: the hooks, not QueryPage's database
        def get(self, query):
            """Numbers."""
            numbers = [{"n": n} for n in range(1, 26)]
            if query.get("parity"):
                numbers = [i for i in numbers if (i["n"] % 2 == 0) == (query["parity"] == "even")]
            return numbers

    @blp.route("/items/<item_id>", methods=["DELETE"])
    @blp.response(204)
    def delete_item(item_id):
        """Delete one."""

    mark_auth(delete_item, "admin", "write")

    app = Flask("hooks")
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    api.register_blueprint(blp)
    with app.test_client() as c:
        c.spec = api.spec.to_dict()
        yield c


def test_a_page_is_the_envelope_with_its_meta_and_no_pagination_header(client):
    resp = client.get("/api/v1/items", query_string={"page": 2, "page_size": 10})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "success" and body["message"] is None
    assert [i["n"] for i in body["data"]] == list(range(11, 21))
    assert body["meta"] == {"total": 25, "page": 2, "page_size": 10}
    assert "X-Pagination" not in resp.headers


def test_the_view_sees_its_arguments_and_the_pager_counts_what_it_returned(client):
    body = client.get("/api/v1/items", query_string={"parity": "even"}).get_json()
    assert body["meta"] == {"total": 12, "page": 1, "page_size": 20}


def test_a_query_parameter_the_operation_does_not_document_is_refused(client):
    resp = client.get("/api/v1/items", query_string={"parity": "odd", "colour": "red"})
    assert resp.status_code == 400
    assert resp.get_json()["errors"] == {"colour": ["Unknown field."]}


def test_the_document_states_the_envelope_bounds_statuses_and_auth(client):
    listing = client.spec["paths"]["/api/v1/items"]["get"]
    ok = listing["responses"]["200"]
    assert "headers" not in ok  # pagination lives in meta, not in a header
    envelope = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(client.spec["components"]["schemas"][envelope]["properties"]) == {
        "status",
        "data",
        "message",
        "meta",
    }
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params["page"]["maximum"] == 10_000 and params["page_size"]["maximum"] == 100
    assert {"400", "414", "429", "503"} <= set(listing["responses"])
    assert listing["security"] == [] and "x-kairos-role" not in listing

    delete = client.spec["paths"]["/api/v1/items/{item_id}"]["delete"]
    assert {"401", "403", "404"} <= set(delete["responses"])
    assert delete["x-kairos-role"] == "admin"
    assert {"bearer": []} in delete["security"]


def test_options_lists_the_methods_of_the_path(client):
    resp = client.open("/api/v1/items", method="OPTIONS")
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
