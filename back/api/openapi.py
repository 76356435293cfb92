"""The API description, served at /openapi.json. tests/back/test_openapi.py keeps it true."""

from flask import Blueprint

bp = Blueprint("openapi", __name__)


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


ERROR = {
    "400": _json(_ref("Error"), "Invalid input; `message` says why"),
    "404": _json(_ref("Error"), "No such image"),
    "415": _json(_ref("Error"), "The body is not JSON"),
    "503": _json(_ref("Error"), "The database is unavailable"),
}
IMAGE_ID = {"name": "image_id", "in": "path", "required": True, "schema": {"type": "integer"}}
HEALTH = {
    "summary": "Whether the process runs and the database answers a SELECT 1",
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
            "NewImage": {
                "type": "object",
                "required": ["caption", "filename"],
                "properties": {
                    "caption": {"type": "string", "minLength": 1, "maxLength": 100},
                    "filename": {
                        "type": "string",
                        "maxLength": 255,
                        "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
                    },
                },
            },
            "Image": {
                "type": "object",
                "required": ["id", "caption", "filename"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "caption": {"type": "string"},
                    "filename": {"type": "string"},
                },
            },
            "ImagePage": {
                "type": "object",
                "required": ["items", "next_cursor"],
                "additionalProperties": False,
                "properties": {
                    "items": {"type": "array", "items": _ref("Image")},
                    "next_cursor": {
                        "type": ["integer", "null"],
                        "description": "Pass as `cursor` for the next page; null on the last",
                    },
                },
            },
            "Live": {
                "type": "object",
                "required": ["status", "timestamp"],
                "properties": {
                    "status": {"const": "running"},
                    "timestamp": {"type": "integer", "description": "ms since the epoch"},
                },
            },
            "Health": {
                "type": "object",
                "required": ["status", "db", "timestamp"],
                "additionalProperties": False,
                "properties": {
                    "status": {"const": "running"},
                    "db": {"type": "boolean"},
                    "timestamp": {"type": "integer", "description": "ms since the epoch"},
                    "error": {"type": "string", "description": "Only when db is false"},
                    "mysql_host": {"type": "string", "description": "Only when db is false"},
                    "hint": {
                        "type": "string",
                        "description": "When MYSQL_HOST is localhost inside a container",
                    },
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "additionalProperties": False,
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            },
        }
    },
}


@bp.get("/openapi.json")
def openapi_json():
    return SPEC
