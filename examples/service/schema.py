"""The OpenAPI 3.1 document the example service serves at /openapi.json."""

from __future__ import annotations

from typing import Any


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


INTEGER: dict[str, Any] = {"type": "integer"}
STRING: dict[str, Any] = {"type": "string"}
ERROR = _json(_ref("Error"), "Error")
NO_CONTENT = {"description": "Deleted"}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "example service", "version": "0.1.0"},
    "paths": {
        "/health": {"get": {"responses": {"200": _json(_object(status=STRING))}}},
        "/ready": {"get": {"responses": {"200": _json(_object(status=STRING)), "503": ERROR}}},
        "/version": {"get": {"responses": {"200": _json(_object(version=STRING, commit=STRING))}}},
        "/api/v1/auth/login": {
            "post": {
                "responses": {
                    "200": _json(_object(access_token=STRING, token_type=STRING)),
                    "401": ERROR,
                }
            }
        },
        "/api/v1/workspaces": {
            "get": {
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Workspace")}),
                    "401": ERROR,
                }
            }
        },
        "/api/v1/workspaces/{workspace_id}/leads": {
            "get": {
                "responses": {"200": _json({"type": "array", "items": _ref("Lead")}), "404": ERROR}
            },
            "post": {"responses": {"201": _json(_ref("Lead")), "404": ERROR, "422": ERROR}},
        },
        "/api/v1/workspaces/{workspace_id}/leads/{lead_id}": {
            "delete": {"responses": {"204": NO_CONTENT, "404": ERROR}}
        },
        "/api/v1/platform/tenants": {
            "get": {
                "responses": {
                    "200": _json({"type": "array", "items": _object(id=INTEGER, name=STRING)}),
                    "403": ERROR,
                }
            }
        },
        "/api/v1/mcp-servers": {
            "get": {"responses": {"200": _json({"type": "array", "items": _ref("McpServer")})}},
            "post": {"responses": {"201": _json(_ref("McpServer")), "422": ERROR}},
        },
        "/api/v1/mcp-servers/{server_id}": {
            "delete": {"responses": {"204": NO_CONTENT, "404": ERROR}}
        },
    },
    "components": {
        "schemas": {
            "Error": _object(detail=STRING),
            "Workspace": _object(id=INTEGER, name=STRING, tenant_id=INTEGER),
            "Lead": _object(id=INTEGER, workspace_id=INTEGER, name=STRING),
            "McpServer": _object(id=INTEGER, tenant_id=INTEGER, name=STRING, url=STRING),
        }
    },
}
