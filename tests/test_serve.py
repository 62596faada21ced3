"""``evalbook serve``: the simulator as a real OpenAI-compatible HTTP server on 127.0.0.1.

It answers through the same routing the in-process transport uses, so every answer is byte-for-byte the sim
mode's. That makes it the end-to-end test bed for live mode: the real socket, the alias map, the cache, the
budget, recording and replay all run exactly as they would against a remote API.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import openai
import pytest

import evalbook
from evalbook._http import httpx
from evalbook.course import acme
from evalbook.sim import server

SELF_MAP = "atlas-1=atlas-1,beacon-1=beacon-1,judge-1=judge-1"  # live mode sends the aliases unchanged


@pytest.fixture
def sim_server():
    with server.running(port=0) as running:
        yield running


@pytest.fixture
def live_on_serve(sim_server, monkeypatch, tmp_path):
    """Live mode pointed at the server, with its own cache folder."""
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EVALBOOK_LIVE_MODELS", SELF_MAP)
    evalbook.set_mode("live", base_url=sim_server.url)
    return sim_server


def http_client(url):
    return openai.OpenAI(api_key="unused", base_url=url, max_retries=0)


REQUESTS = {
    "plain": {"model": "atlas-1", "messages": [{"role": "user", "content": "What are your support hours?"}]},
    "tools": {
        "model": "beacon-1",
        "messages": [{"role": "user", "content": "Where is my refund for order A-1026?"}],
        "tools": list(acme.TOOLS.values()),
    },
    "logprobs": {
        "model": "beacon-1",
        "messages": [{"role": "user", "content": "What are your support hours?"}],
        "logprobs": True,
        "top_logprobs": 2,
    },
}


def test_it_binds_to_loopback_only(sim_server):
    assert sim_server.server_address[0] == "127.0.0.1" and sim_server.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_answers_are_byte_for_byte_the_simulators(sim_server, name):
    body = REQUESTS[name]
    over_http = httpx.post(f"{sim_server.url}/chat/completions", json=body, timeout=10)
    in_process = evalbook.client("sim").chat.completions.with_raw_response.create(**body)
    assert over_http.status_code == 200
    assert over_http.content == in_process.http_response.content
    assert over_http.headers["x-evalbook-latency-ms"] == in_process.headers["x-evalbook-latency-ms"]


def test_the_sdk_streams_the_same_answer(sim_server):
    client = http_client(sim_server.url)
    body = REQUESTS["plain"]
    whole = client.chat.completions.create(**body).choices[0].message.content
    chunks = list(client.chat.completions.create(**body, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole
    assert chunks[-1].usage.total_tokens > 0
    streamed_tools = list(client.chat.completions.create(**REQUESTS["tools"], stream=True))
    calls = [d for c in streamed_tools for d in (c.choices[0].delta.tool_calls or []) if c.choices]
    assert calls and calls[0].function.name == "lookup_order"


def test_models_and_errors_are_openai_shaped(sim_server):
    client = http_client(sim_server.url)
    assert sorted(m.id for m in client.models.list()) == ["atlas-1", "beacon-1", "judge-1"]
    with pytest.raises(openai.NotFoundError, match="does not exist in the evalbook simulator"):
        client.chat.completions.create(model="gpt-x", messages=[{"role": "user", "content": "hi"}])
    bad = httpx.post(f"{sim_server.url}/chat/completions", content=b"{not json", timeout=10)
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]["message"]
    other = httpx.post(f"{sim_server.url}/embeddings", json={}, timeout=10)
    assert other.status_code == 404 and other.json()["error"]["code"] == "unsupported_endpoint"


def test_live_mode_through_serve_gives_the_sim_modes_traces(live_on_serve):
    message = "Where is my refund for order A-1026?"
    live = acme.SupportBot("beacon-1").run(message)
    served = live_on_serve.requests_served
    assert live.error is None and live.mode == "live" and served == live.steps
    assert evalbook.budget_status()["sent"] == served
    again = acme.SupportBot("beacon-1").run(message)
    assert live_on_serve.requests_served == served, "the re-run should be served from the cache"
    assert evalbook.budget_status()["cache_hits"] == again.steps

    evalbook.set_mode("sim")
    sim = acme.SupportBot("beacon-1").run(message)
    for field in ("answer", "tool_calls", "usage", "latency_ms", "outcome", "retrieved"):
        assert getattr(live, field) == getattr(sim, field), field


def test_a_recording_made_against_serve_replays_offline(live_on_serve, tmp_path):
    recording = tmp_path / "class.jsonl"
    evalbook.set_mode("live", base_url=live_on_serve.url, record_to=recording)
    questions = ["Where is my refund for order A-1026?", "What are your support hours?"]
    live = evalbook.run_batch(acme.SupportBot("beacon-1").run, questions, progress=False)
    live_on_serve.shutdown()  # from here on, nothing could answer over the network
    evalbook.set_mode("replay", recording=recording)
    replayed = evalbook.run_batch(acme.SupportBot("beacon-1").run, questions, progress=False)
    assert replayed["error"].isna().all() and list(replayed["answer"]) == list(live["answer"])
    with pytest.raises(evalbook.ReplayMiss):
        evalbook.client().chat.completions.create(
            model="beacon-1", messages=[{"role": "user", "content": "never recorded"}]
        )


def test_the_budget_counts_what_the_server_answered(live_on_serve):
    evalbook.set_budget(2)
    out = evalbook.run_batch(
        acme.SupportBot("beacon-1").run,
        ["What are your support hours?", "Where is order A-1010?"],
        concurrency=1,
        progress=False,
    )
    assert live_on_serve.requests_served == 2 == evalbook.budget_status()["sent"]
    assert out["error"].dropna().str.startswith("BudgetExceeded: ").all()


def test_an_alias_the_server_does_not_serve_names_the_alias_map(sim_server, monkeypatch, tmp_path):
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    evalbook.set_mode("live", base_url=sim_server.url)  # default map: beacon-1 -> a real OpenAI model id
    trace = acme.SupportBot("beacon-1", client=evalbook.client(max_retries=0)).run("Where is order A-1010?")
    real = evalbook.config.live_model_for("beacon-1")
    assert trace.error.startswith(f"NotFoundError: The server at {sim_server.url} has no model {real!r}")
    assert "EVALBOOK_LIVE_MODELS" in trace.error and "alias 'beacon-1'" in trace.error


def test_the_command_serves_until_stopped():
    process = subprocess.Popen(
        [sys.executable, "-m", "evalbook.cli", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert "http://127.0.0.1:" in first, first + process.stderr.read()
        url = re.search(r"http://127\.0\.0\.1:\d+/v1", first).group(0)
        deadline = time.monotonic() + 10
        while True:
            try:
                models = httpx.get(f"{url}/models", timeout=5).json()
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert [m["id"] for m in models["data"]] == ["atlas-1", "beacon-1", "judge-1"]
    finally:
        process.terminate()
        process.wait(10)


def test_the_command_refuses_a_port_in_use(sim_server, capsys):
    from evalbook import cli

    assert cli.main(["serve", "--port", str(sim_server.server_address[1])]) == 2
    assert "in use" in capsys.readouterr().err
