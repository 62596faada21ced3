"""Live mode over a real socket: an OpenAI-compatible server on 127.0.0.1 (like a local Ollama or vLLM).

The server answers with the simulator's engine, so the test needs no network and no key, yet every byte goes
through the real HTTP transport, the alias mapping, the cache and the budget exactly as with a remote API.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import evalbook
from evalbook.course import acme
from evalbook.sim import engine


class Handler(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.seen.append({"model": body.get("model"), "auth": self.headers.get("Authorization")})
        served = dict(body, model="beacon-1")  # the "real" model behind whatever id was asked for
        status, payload, _ = engine.chat_completion(served)
        payload["model"] = body.get("model")
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server(monkeypatch, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Handler.seen = []
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EVALBOOK_LIVE_MODELS", "beacon-1=local-model")
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_support_bot_runs_live_against_a_local_server(local_server):
    evalbook.set_mode("live", base_url=local_server, budget=20)
    trace = acme.SupportBot("beacon-1").run("Where is my refund for order A-1026?")
    assert trace.error is None, trace.error
    assert trace.mode == "live" and not trace.latency_simulated
    assert trace.tool_names == ["lookup_order", "issue_refund"] and trace.refunds_issued
    assert {s["model"] for s in Handler.seen} == {"local-model"}  # the alias was mapped on the way out
    sent = len(Handler.seen)
    assert evalbook.budget_status()["sent"] == sent

    again = acme.SupportBot("beacon-1").run("Where is my refund for order A-1026?")
    assert again.answer == trace.answer
    assert len(Handler.seen) == sent, "re-running the same conversation should be served from the cache"


def test_run_batch_in_live_mode_stops_at_the_budget_without_losing_rows(local_server):
    evalbook.set_mode("live", base_url=local_server, budget=3)
    questions = [f"What are your support hours? ({i})" for i in range(6)]
    out = evalbook.run_batch(acme.SupportBot("beacon-1").run, questions, concurrency=1, progress=False)
    assert len(out) == 6
    stopped = out["error"].dropna()
    assert len(stopped) >= 3 and stopped.str.contains("budget of 3 live requests is used up").all()
    assert len(Handler.seen) == 3
