"""Live mode over a real socket: an OpenAI-compatible server on 127.0.0.1 (like a local Ollama or vLLM).

The server answers with the simulator's engine, so the test needs no network and no key, yet every byte goes
through the real HTTP transport, the alias mapping, the cache and the budget exactly as with a remote API. A test
can also script the server's reply (an error status, a malformed body) to see what a learner is shown when a
real server misbehaves, or point live mode at a server that never answers or a port where nothing listens.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest
from IPython.core.interactiveshell import InteractiveShell

import evalbook
from evalbook.course import acme
from evalbook.errors import install_notebook_handler, learner_message
from evalbook.sim import engine

# Built, so no key-like literal is committed.
SECRET = "-".join(["sk", "live", "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"])


class Handler(BaseHTTPRequestHandler):
    seen: list = []
    script = None  # a function body -> (status, content type, bytes) replacing the engine's answer

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.seen.append({"model": body.get("model"), "auth": self.headers.get("Authorization")})
        if Handler.script is not None:
            status, content_type, data = Handler.script(body)
        else:
            served = dict(body, model="beacon-1")  # the "real" model behind whatever id was asked for
            status, payload, _ = engine.chat_completion(served)
            payload["model"] = body.get("model")
            content_type, data = "application/json", json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
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
    Handler.script = None
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EVALBOOK_LIVE_MODELS", "beacon-1=local-model")
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    Handler.script = None
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server(monkeypatch, tmp_path):
    """A server that accepts connections and never answers: a frozen local model, a stuck proxy."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    thread.join(2)
    for conn in held:  # a call still waiting (the bug) now ends instead of hanging the test run
        conn.close()
    listener.close()


@pytest.fixture
def closed_port(monkeypatch, tmp_path):
    """A loopback URL where nothing listens: the server is down."""
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    return f"http://127.0.0.1:{port}/v1"


def bounded(fn, seconds: float):
    """Run ``fn`` in a thread; return (what it returned or raised, seconds taken). Fails if it takes longer."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["value"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still waiting after {seconds} s: the timeout was not honoured"
    return outcome["value"], time.monotonic() - started


def ask(text="hi", model="beacon-1", **options):
    return evalbook.client(max_retries=0).chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}], **options
    )


def completion(content, finish_reason="stop"):
    payload = {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1,
        "model": "local-model",
        "choices": [
            {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}
        ],
    }
    return 200, "application/json", json.dumps(payload).encode()


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


# --- 1. timeouts ------------------------------------------------------------------------------------------------
def test_a_per_call_timeout_is_honoured(silent_server):
    evalbook.set_mode("live", base_url=silent_server)
    error, took = bounded(lambda: ask(timeout=1), 8)
    assert isinstance(error, openai.APITimeoutError) and took < 5
    message = learner_message(error)
    assert silent_server in message and "did not answer within 1 s" in message


def test_a_timeout_set_with_with_options_is_honoured(silent_server):
    evalbook.set_mode("live", base_url=silent_server)
    client = evalbook.client().with_options(timeout=1, max_retries=0)
    error, took = bounded(
        lambda: client.chat.completions.create(
            model="beacon-1", messages=[{"role": "user", "content": "hi"}]
        ),
        8,
    )
    assert isinstance(error, openai.APITimeoutError) and took < 5


def test_a_frozen_server_gives_the_bot_a_sentence_not_a_frozen_cell(silent_server, monkeypatch):
    """EVALBOOK_LIVE_TIMEOUT sets the default for every live call, the course's bot included."""
    monkeypatch.setenv("EVALBOOK_LIVE_TIMEOUT", "1")
    evalbook.set_mode("live", base_url=silent_server)
    bot = acme.SupportBot("beacon-1", client=evalbook.client(max_retries=0))
    trace, took = bounded(lambda: bot.run("Where is order A-1010?"), 8)
    assert took < 5 and trace.error.startswith("APITimeoutError: The server at ")
    assert "EVALBOOK_LIVE_TIMEOUT" in trace.error


# --- 2. failures as sentences -----------------------------------------------------------------------------------
def test_a_server_that_is_down_is_named_and_costs_no_budget(closed_port):
    """Requests that never reached a server are refunded: with the server down, the budget stays untouched."""
    evalbook.set_mode("live", base_url=closed_port, budget=1)
    error, _ = bounded(
        lambda: evalbook.client().chat.completions.create(
            model="beacon-1", messages=[{"role": "user", "content": "hi"}]
        ),
        20,
    )  # the SDK's two retries included
    assert isinstance(error, openai.APIConnectionError)
    message = learner_message(error)
    assert f"Could not connect to {closed_port}" in message and "base_url" in message
    trace = acme.SupportBot("beacon-1", client=evalbook.client(max_retries=0)).run("Where is order A-1010?")
    assert "Could not connect" in trace.error and "budget" not in trace.error.split(".")[0]
    assert evalbook.budget_status()["sent"] == 0


ERROR_CASES = {
    "401": (
        401,
        {"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}},
        ["rejected the API key (401)", "OPENAI_API_KEY"],
    ),
    "404": (
        404,
        {"error": {"message": "The model `local-model` does not exist", "code": "model_not_found"}},
        ["has no model 'local-model'", "alias 'beacon-1'", "EVALBOOK_LIVE_MODELS"],
    ),
    "404 (Ollama)": (
        404,
        {"error": 'model "local-model" not found, try pulling it first'},
        ["has no model 'local-model'", 'The server said: model "local-model" not found'],
    ),
    "429": (
        429,
        {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}},
        ["(429", "re-run", "cached"],
    ),
    "500": (500, {"error": {"message": "The server had an error"}}, ["failed (500)", "re-run", "cached"]),
    "503": (503, "<html>Service Unavailable</html>", ["failed (503)", "re-run", "cached"]),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_server_errors_are_one_sentence_saying_what_to_do(local_server, case):
    status, body, expected = ERROR_CASES[case]
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    Handler.script = lambda request: (status, "application/json", data)
    evalbook.set_mode("live", base_url=local_server)
    with pytest.raises(openai.APIStatusError) as info:
        ask()
    message = learner_message(info.value)
    assert message is not None and local_server in message
    for part in expected:
        assert part in message, (part, message)
    trace = acme.SupportBot("beacon-1", client=evalbook.client(max_retries=0)).run("Where is order A-1010?")
    assert trace.error == f"{type(info.value).__name__}: {message}"


def _truncated(body):
    return 200, "application/json", completion("cut")[2][:40]


MALFORMED = {
    "text/plain body": lambda body: (200, "text/plain", b"Hello! I am a web page, not an API."),
    "truncated JSON": _truncated,
    "no choices": lambda body: (200, "application/json", json.dumps({"id": "x", "choices": []}).encode()),
    "a choice without a message": lambda body: (
        200,
        "application/json",
        json.dumps({"id": "x", "choices": [{"index": 0}]}).encode(),
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_reply_is_a_trace_error_and_is_not_cached(local_server, case):
    Handler.script = MALFORMED[case]
    evalbook.set_mode("live", base_url=local_server)
    trace = acme.SupportBot("beacon-1").run("Where is order A-1010?")  # must not raise
    assert trace.error and "could not be read as a chat completion" in trace.error, trace.error
    assert "base URL" in trace.error
    asked = len(Handler.seen)
    Handler.script = None  # the server is fixed: the bad reply was not cached, so it is asked again
    trace = acme.SupportBot("beacon-1").run("Where is order A-1010?")
    assert trace.error is None and trace.answer and len(Handler.seen) > asked


@pytest.mark.parametrize("reason, hint", [("content_filter", "content filter"), ("length", "max_tokens")])
def test_an_empty_answer_cut_short_by_the_provider_is_an_error(local_server, reason, hint):
    Handler.script = lambda body: completion("", finish_reason=reason)
    evalbook.set_mode("live", base_url=local_server)
    trace = acme.SupportBot("beacon-1").run("Where is order A-1010?")
    assert trace.answer == "" and trace.error and hint in trace.error and reason in trace.error


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    yield shell
    shell.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_the_notebook_shows_live_failures_as_a_sentence_without_a_traceback(
    local_server, closed_port, shell, capsys
):
    install_notebook_handler()
    Handler.script = lambda body: (401, "application/json", b'{"error": {"message": "bad key"}}')
    evalbook.set_mode("live", base_url=local_server)
    cell = (
        "import evalbook\nevalbook.client(max_retries=0).chat.completions.create(model='beacon-1', "
        "messages=[{'role': 'user', 'content': 'hi'}])"
    )
    shell.run_cell(cell)
    text = "".join(capsys.readouterr())
    assert "AuthenticationError: The server at" in text and "Traceback" not in text and len(text) < 1000
    evalbook.set_mode("live", base_url=closed_port)
    shell.run_cell(cell)
    text = "".join(capsys.readouterr())
    assert "APIConnectionError: Could not connect to" in text and "Traceback" not in text


# --- 3. the budget under concurrency ----------------------------------------------------------------------------
def test_a_tight_budget_finishes_whole_conversations_under_concurrency(local_server):
    """With 16 conversations at once and 10 requests, spending one request on each of 10 openings finishes none.

    Conversations in progress keep requests in reserve for their next steps, so the budget is spent on a few
    conversations that finish rather than many that stop half-way.
    """
    evalbook.set_mode("live", base_url=local_server, budget=10)
    questions = [f"What are your support hours? ({i})" for i in range(50)]
    out = evalbook.run_batch(acme.SupportBot("beacon-1").run, questions, concurrency=16, progress=False)
    finished = out["error"].isna().sum()
    assert len(out) == 50 and len(Handler.seen) <= 10
    assert finished >= 3, out["error"].value_counts()
    assert out["error"].dropna().str.contains("BudgetExceeded: ").all()


# --- 5. secrets -------------------------------------------------------------------------------------------------
def test_a_key_echoed_by_the_server_is_never_stored_or_printed(local_server, monkeypatch, capsys):
    """A careless proxy echoes the key; evalbook must not copy it into traces, rows or printed lines."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    echo = {"error": {"message": f"Key {SECRET} is invalid (sent as Authorization: Bearer {SECRET})"}}
    Handler.script = lambda body: (401, "application/json", json.dumps(echo).encode())
    evalbook.set_mode("live", base_url=local_server)
    bot = acme.SupportBot("beacon-1", client=evalbook.client(max_retries=0))
    out = evalbook.run_batch(bot.run, ["Where is order A-1010?"], progress=False)
    printed = "".join(capsys.readouterr())
    assert "rejected the API key" in out["error"].iloc[0] and "run_batch: 1 of 1 cases failed" in printed
    assert SECRET not in out["error"].iloc[0] and SECRET not in printed
    assert SECRET not in out["trace"].iloc[0].to_json()
    with pytest.raises(openai.AuthenticationError) as info:
        ask()
    assert SECRET not in learner_message(info.value) and SECRET not in str(info.value)
    Handler.script = lambda body: (200, "text/plain", f"proxy error for Bearer {SECRET}".encode())
    trace = bot.run("Where is order A-1010?")
    assert trace.error and SECRET not in trace.error
