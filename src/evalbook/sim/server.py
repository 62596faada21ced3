"""``evalbook serve``: the simulator as an OpenAI-compatible HTTP server on 127.0.0.1.

Two uses. Any OpenAI-compatible tool (curl, your own app, Inspect AI, promptfoo) can be pointed at the simulated
Acme models with a base URL. And live mode's whole path (the socket, the alias map, the cache, the budget,
recording, replay, timeouts, error replies) can be tested end to end through real HTTP, with no key and no
network.

Every request is answered by :func:`evalbook.sim.transport.route`, the same function the in-process transport
calls, so an answer over HTTP is byte for byte the sim mode's. It binds to the loopback interface only: the
simulator is a teaching and testing tool, not a service to expose on a network.

    >>> with running(port=0) as server:
    ...     client = openai.OpenAI(base_url=server.url, api_key="unused")
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .._http import httpx
from .transport import route

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# Headers that describe one HTTP message's framing; the server writes its own.
_FRAMING = ("content-length", "transfer-encoding", "connection", "content-encoding")


class SimHandler(BaseHTTPRequestHandler):
    """Answers ``GET /v1/models`` and ``POST /v1/chat/completions`` (streaming, tools, logprobs) from the simulator.

    Subclasses (a test's fault injector, say) can read the body with :meth:`read_body`, ask the simulator with
    :meth:`answer` and write a reply with :meth:`send`.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects of a real API
    server_version = "evalbook-sim"

    def do_GET(self):  # noqa: N802 - the http.server API
        self.send(self.answer("GET", self.path, b""))

    def do_POST(self):  # noqa: N802 - the http.server API
        self.send(self.answer("POST", self.path, self.read_body()))

    def read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, method: str, path: str, raw: bytes) -> httpx.Response:
        """The simulator's reply, exactly as the in-process transport would give it."""
        try:
            response = route(method, urlsplit(path).path, raw)
        except Exception as exc:  # a bug must not kill the connection silently: say so as an API error would
            body = {
                "error": {
                    "message": f"The evalbook simulator failed: {exc!r}",
                    "type": "evalbook_server_error",
                }
            }
            return httpx.Response(500, json=body)
        with self.server.lock:
            self.server.requests_served += 1
        return response

    def send(self, response: httpx.Response) -> None:
        data = response.content
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in _FRAMING:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 - the http.server API
        if self.server.log:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class SimServer(ThreadingHTTPServer):
    """The HTTP server, with its base URL and a count of the requests the simulator answered."""

    daemon_threads = True  # an idle keep-alive connection never keeps the process alive

    def __init__(self, port: int = 0, handler: type[SimHandler] = SimHandler, log: bool = False):
        super().__init__((HOST, port), handler)
        self.log = log
        self.lock = threading.Lock()
        self.requests_served = 0

    def handle_error(self, request, client_address):
        """A client that hung up (it timed out, or was interrupted) is normal for a server, not a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """The base URL to give an OpenAI client (``base_url=``) or live mode."""
        return f"http://{HOST}:{self.server_address[1]}/v1"


def make_server(
    port: int = DEFAULT_PORT, handler: type[SimHandler] = SimHandler, log: bool = False
) -> SimServer:
    """A server bound to 127.0.0.1 (``port=0``: any free port); call ``serve_forever()`` to run it."""
    return SimServer(port, handler, log)


@contextlib.contextmanager
def running(port: int = 0, handler: type[SimHandler] = SimHandler, log: bool = False):
    """Run a server in a background thread for the length of a ``with`` block (tests, notebooks)."""
    server = make_server(port, handler, log)
    thread = threading.Thread(target=server.serve_forever, name="evalbook-serve", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def serve(port: int = DEFAULT_PORT, log: bool = True) -> None:
    """Serve until interrupted (Ctrl-C), printing the base URL and how to point live mode at it."""
    from .. import config

    server = make_server(port, log=log)
    aliases = ",".join(f"{alias}={alias}" for alias in config.ALIASES)
    print(f"evalbook serve: the simulator at {server.url} (Ctrl-C to stop)", flush=True)
    models = [m["id"] for m in json.loads(route("GET", "/v1/models", b"").content)["data"]]
    print(f"  models: {', '.join(models)}")
    print(
        f"  live mode against it: OPENAI_BASE_URL={server.url} EVALBOOK_LIVE_MODELS={aliases} EVALBOOK_MODE=live",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
