"""The API description, served at /openapi.json. tests/back/test_openapi.py keeps it true."""

from flask import Blueprint

bp = Blueprint("openapi", __name__)


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required, closed=True, **properties):
    return {
        "type": "object",
        "required": required,
        "additionalProperties": not closed,
        "properties": properties,
    }


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
RUNNING = {"const": "running"}
TIMESTAMP = {"type": "integer", "description": "ms since the epoch"}

ERROR = {
    "400": _json(_ref("Error"), "Invalid input; `message` says why"),
    "404": _json(_ref("Error"), "No such image"),
    "415": _json(_ref("Error"), "The body is not JSON"),
    "503": _json(_ref("Error"), "The database is unavailable"),
}
IMAGE_ID = {"name": "image_id", "in": "path", "required": True, "schema": {"type": "integer"}}
HEALTH = {
    "summary": "Whether the process runs and the database server answers a round trip (a ping)",
    "responses": {
        "200": _json(_ref("Health"), "The database answered"),
        "503": _json(_ref("Health"), "The database did not answer within 3 s"),
    },
}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "k8scourse images API", "version": "1.0.0"},
    "paths": {
        "/livez": {
            "get": {
                "summary": "Liveness: the process answers (no database involved)",
                "responses": {"200": _json(_ref("Live"), "Alive")},
            }
        },
        "/health": {"get": HEALTH},
        "/readyz": {"get": HEALTH},
        "/images": {
            "get": {
                "summary": "A page of images, newest first",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    },
                    {
                        "name": "cursor",
                        "in": "query",
                        "description": "`next_cursor` of the previous page; omit for the first",
                        "schema": {"type": "integer", "minimum": 1},
                    },
                ],
                "responses": {
                    "200": _json(_ref("ImagePage"), "One page"),
                    "400": ERROR["400"],
                    "503": ERROR["503"],
                },
            },
            "post": {
                "summary": "Add an image",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("NewImage")}},
                },
                "responses": {
                    "201": _json(_ref("Image"), "Created; Location points at it"),
                    "400": ERROR["400"],
                    "413": _json(_ref("Error"), "The body is over 16 KiB"),
                    "415": ERROR["415"],
                    "503": ERROR["503"],
                },
            },
        },
        "/images/{image_id}": {
            "get": {
                "summary": "One image",
                "parameters": [IMAGE_ID],
                "responses": {
                    "200": _json(_ref("Image"), "The image"),
                    "404": ERROR["404"],
                    "503": ERROR["503"],
                },
            },
            "delete": {
                "summary": "Delete an image",
                "parameters": [IMAGE_ID],
                "responses": {
                    "204": {"description": "Deleted"},
                    "404": ERROR["404"],
                    "503": ERROR["503"],
                },
            },
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
            }
        },
    },
    "components": {
        "schemas": {
            # Extra keys in a request body are ignored, hence closed=False.
            "NewImage": _object(
                ["caption", "filename"],
                closed=False,
                caption={"type": "string", "minLength": 1, "maxLength": 100},
                filename={
                    "type": "string",
                    "maxLength": 255,
                    "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
                },
            ),
            "Image": _object(
                ["id", "caption", "filename"], id=INTEGER, caption=STRING, filename=STRING
            ),
            "ImagePage": _object(
                ["items", "next_cursor"],
                items={"type": "array", "items": _ref("Image")},
                next_cursor={
                    "type": ["integer", "null"],
                    "description": "Pass as `cursor` for the next page; null on the last",
                },
            ),
            "Live": _object(["status", "timestamp"], status=RUNNING, timestamp=TIMESTAMP),
            "Health": _object(
                ["status", "db", "timestamp"],
                status=RUNNING,
                db={"type": "boolean"},
                timestamp=TIMESTAMP,
                error={"type": "string", "description": "Only when db is false"},
                mysql_host={"type": "string", "description": "Only when db is false"},
                hint={
                    "type": "string",
                    "description": "When MYSQL_HOST is localhost inside a container",
                },
            ),
            "Error": _object(["error", "message"], error=STRING, message=STRING),
        }
    },
}


@bp.get("/openapi.json")
def openapi_json():
    return SPEC
