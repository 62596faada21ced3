"""Serve the simulator through the real ``openai`` SDK, in-process, with no network.

The SDK is given an HTTP client whose transport hands each request to :mod:`evalbook.sim.engine` instead of a
socket. Everything above the transport (request building, retries, response parsing, streaming, typed
objects) is the genuine SDK, so code written against the simulator runs unchanged against a real API.
"""

from __future__ import annotations

import json

from .._http import httpx
from . import engine


def sse_response(response: dict, body: dict, headers: dict | None = None) -> httpx.Response:
    """A full chat-completion response delivered as the server-sent events ``stream=True`` expects."""
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    lines = [f"data: {json.dumps(c)}\n\n" for c in engine.stream_chunks(response, include_usage)]
    lines.append("data: [DONE]\n\n")
    return httpx.Response(
        200, content="".join(lines).encode(), headers={"content-type": "text/event-stream", **(headers or {})}
    )


def route(method: str, path: str, raw: bytes) -> httpx.Response:
    """The simulator's answer to one HTTP request: the in-process transport and ``evalbook serve`` both use it."""
    if method == "GET" and path.endswith("/models"):
        return httpx.Response(200, json=engine.list_models())
    if method == "POST" and path.endswith("/chat/completions"):
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            status, payload, headers = engine.error(400, "The request body is not valid JSON.")
            return httpx.Response(status, json=payload, headers=headers)
        status, payload, headers = engine.chat_completion(body)
        if status == 200 and isinstance(body, dict) and body.get("stream"):
            return sse_response(payload, body, headers)
        return httpx.Response(status, json=payload, headers=headers)
    status, payload, headers = engine.error(
        404,
        f"The evalbook simulator does not serve {method} {path}. It answers client.chat.completions.create(...) "
        "and client.models.list(); use live mode for other endpoints.",
        "unsupported_endpoint",
    )
    return httpx.Response(status, json=payload, headers=headers)


class SimTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) that answers OpenAI API requests from the simulator."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return route(request.method, request.url.path, request.read())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return route(request.method, request.url.path, await request.aread())
