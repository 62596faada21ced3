"""The mode switch: sim by default, live only when asked (cache, budget, key hygiene), replay from a recording."""

from __future__ import annotations

import asyncio
import json
import warnings

import pytest

import evalbook
from evalbook import modes
from evalbook._http import httpx
from evalbook.course import acme
from evalbook.errors import EvalbookError, learner_message

SECRET = "-".join(
    ["sk", "test", "0123456789abcdefghijklmnopqrstuv"]
)  # built, so no key-like literal is committed


class FakeOpenAI:
    """Stands in for the real API on the other side of the live transport (no network in tests)."""

    def __init__(self):
        self.requests = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(
            {"headers": dict(request.headers), "body": body, "timeout": request.extensions.get("timeout")}
        )
        text = f"real answer from {body['model']} to: {body['messages'][-1]['content']}"
        return httpx.Response(
            200,
            json={
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
            },
        )


@pytest.fixture
def fake_api(monkeypatch, tmp_path):
    fake = FakeOpenAI()
    monkeypatch.setattr(modes.httpx, "HTTPTransport", lambda *a, **k: httpx.MockTransport(fake))
    monkeypatch.setattr(modes.httpx, "AsyncHTTPTransport", lambda *a, **k: httpx.MockTransport(fake))
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    return fake


def say(text, model="atlas-1"):
    return evalbook.client().chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}]
    )


def test_default_is_sim_even_with_a_key_in_the_environment(monkeypatch, fake_api):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert evalbook.get_mode() == "sim"
    say("What are your support hours?")
    assert fake_api.requests == []
    assert "simulat" in evalbook.describe()


def test_mode_comes_from_the_environment_or_the_function(monkeypatch):
    monkeypatch.setenv("EVALBOOK_MODE", "SIM")
    assert evalbook.get_mode() == "sim"
    monkeypatch.setenv("EVALBOOK_MODE", "turbo")
    with pytest.raises(EvalbookError, match="sim, live, replay"):
        evalbook.get_mode()


def test_live_maps_aliases_caches_and_never_stores_the_key(monkeypatch, fake_api, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("EVALBOOK_LIVE_MODELS", "atlas-1=real-model-a")
    evalbook.set_mode("live", record_to=tmp_path / "rec.jsonl")
    first = say("hello")
    again = say("hello")
    assert len(fake_api.requests) == 1, "the second identical request should come from the cache"
    assert fake_api.requests[0]["body"]["model"] == "real-model-a"
    assert fake_api.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"
    assert first.choices[0].message.content == again.choices[0].message.content
    assert evalbook.budget_status() == {"sent": 1, "limit": 100, "cache_hits": 1}
    stored = [p.read_text() for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    stored.append((tmp_path / "rec.jsonl").read_text())
    assert stored and not any(SECRET in s for s in stored)
    assert SECRET not in evalbook.describe() and "live" in evalbook.describe()


def test_budget_stops_before_sending(monkeypatch, fake_api):
    """The exported exception is what is raised, so ``except evalbook.BudgetExceeded`` catches the stop."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    evalbook.set_mode("live", budget=2)
    say("one"), say("two")
    with pytest.raises(evalbook.BudgetExceeded) as info:
        say("three")
    assert len(fake_api.requests) == 2
    message = learner_message(info.value)
    assert message == str(info.value)
    assert (
        "budget of 2 live requests is used up" in message
        and "set_budget" in message
        and "Nothing was sent" in message
    )
    say("one")  # a cached request is still free after the budget is spent


def test_recording_replays_offline_and_a_miss_says_what_to_do(monkeypatch, fake_api, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    recording = tmp_path / "class.jsonl"
    evalbook.set_mode("live", record_to=recording)
    live = say("Where is my refund for order A-1026?").choices[0].message.content
    monkeypatch.delenv("OPENAI_API_KEY")
    evalbook.set_mode("replay", recording=recording)
    assert say("Where is my refund for order A-1026?").choices[0].message.content == live
    with pytest.raises(evalbook.ReplayMiss) as info:
        say("A question nobody recorded")
    message = learner_message(info.value)
    assert "not in the recording class.jsonl" in message and "A question nobody recorded" in message
    assert "set_mode('sim')" in message
    assert len(fake_api.requests) == 1


def test_replay_without_a_recording_is_a_sentence(tmp_path):
    with pytest.raises(EvalbookError, match="EVALBOOK_REPLAY"):
        evalbook.set_mode("replay")
    with pytest.raises(EvalbookError, match="does not exist"):
        evalbook.set_mode("replay", recording=tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    with pytest.raises(EvalbookError, match="Line 1"):
        evalbook.set_mode("replay", recording=bad)
    with pytest.raises(EvalbookError, match="is a folder"):
        evalbook.set_mode("replay", recording=tmp_path)
    with pytest.raises(EvalbookError, match="Back in sim mode"):
        evalbook.set_mode("replay", recording=tmp_path / "typo.jsonl")
    assert evalbook.get_mode() == "sim"  # not stuck in a mode where every call fails
    assert acme.SupportBot("beacon-1").run("Where is order A-1010?").error is None


def test_live_without_a_key_asks_and_falls_back_to_sim(monkeypatch):
    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.setattr(modes.getpass, "getpass", no_terminal)
    with pytest.raises(EvalbookError, match="OPENAI_API_KEY"):
        evalbook.set_mode("live")
    assert evalbook.get_mode() == "sim"


def test_a_typed_key_is_used_but_never_shown(monkeypatch, fake_api):
    monkeypatch.setattr(modes.getpass, "getpass", lambda prompt="": SECRET)
    monkeypatch.setattr(modes, "_can_prompt", lambda: True)
    line = evalbook.set_mode("live")
    assert SECRET not in line
    say("hi")
    assert fake_api.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"


def test_a_local_server_needs_no_key(monkeypatch, fake_api):
    evalbook.set_mode("live", base_url="http://localhost:11434/v1")
    say("hi")
    assert fake_api.requests and "localhost:11434" in evalbook.describe()
    assert "not needed" in evalbook.describe()


def test_no_prompt_where_nobody_can_answer_it(monkeypatch):
    """A piped or CI stdin must not block on a password prompt (or echo the key)."""

    def must_not_prompt(prompt=""):
        raise AssertionError("getpass was called without a terminal")

    monkeypatch.setattr(modes.getpass, "getpass", must_not_prompt)
    monkeypatch.setattr(modes, "_can_prompt", lambda: False)
    with pytest.raises(EvalbookError, match="OPENAI_API_KEY"):
        evalbook.set_mode("live")


def test_bad_budget_and_model_map_are_sentences(monkeypatch):
    with pytest.raises(EvalbookError, match="whole number"):
        evalbook.set_budget(-1)
    monkeypatch.setenv("EVALBOOK_LIVE_MODELS", "atlas-1")
    from evalbook import config

    with pytest.raises(EvalbookError, match="alias=model"):
        config.live_models()


# ---------------------------------------------------------------------------------------------------------------
# Issue 11: live mode that fails safely
# ---------------------------------------------------------------------------------------------------------------
def test_the_timeout_reaches_the_real_transport(monkeypatch, fake_api):
    """httpx keeps the timeout in ``request.extensions``; a rebuilt request without them waits forever."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    evalbook.set_mode("live")
    evalbook.client().chat.completions.create(
        model="atlas-1", messages=[{"role": "user", "content": "hi"}], timeout=2
    )
    evalbook.client().with_options(timeout=3).chat.completions.create(
        model="atlas-1", messages=[{"role": "user", "content": "hello"}]
    )
    monkeypatch.setenv("EVALBOOK_LIVE_TIMEOUT", "7")
    say("and the default")
    timeouts = [r["timeout"] for r in fake_api.requests]
    assert [t and t["read"] for t in timeouts] == [2, 3, 7]


def test_the_budget_stop_is_catchable_in_async_code_too(monkeypatch, fake_api):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    evalbook.set_mode("live", budget=0)

    async def ask():
        return await evalbook.async_client().chat.completions.create(
            model="atlas-1", messages=[{"role": "user", "content": "hi"}]
        )

    with pytest.raises(evalbook.BudgetExceeded, match="Nothing was sent"):
        asyncio.run(ask())
    assert fake_api.requests == []


def test_the_budget_stop_and_a_replay_miss_are_trace_errors_in_the_bot(monkeypatch, fake_api, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    evalbook.set_mode("live", budget=0)
    trace = acme.SupportBot("beacon-1").run("Where is order A-1010?")
    assert trace.error.startswith("BudgetExceeded: ") and "set_budget" in trace.error
    recording = tmp_path / "rec.jsonl"
    recording.write_text(json.dumps({"key": "0" * 64, "response": {}}) + "\n")
    evalbook.set_mode("replay", recording=recording)
    trace = acme.SupportBot("beacon-1").run("Where is order A-1010?")
    assert trace.error.startswith("ReplayMiss: ") and "not in the recording rec.jsonl" in trace.error


def test_a_recording_that_cannot_be_written_fails_before_anything_is_sent(monkeypatch, fake_api, tmp_path):
    """Found out after paying, a bad recording path leaves a "green" batch with no recording at all."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    with pytest.raises(EvalbookError, match="missing_dir.*does not exist") as info:
        evalbook.set_mode("live", record_to=tmp_path / "missing_dir" / "x.jsonl")
    assert "Nothing was sent" in str(info.value)
    assert evalbook.get_mode() == "sim"  # the switch did not happen
    with pytest.raises(EvalbookError, match="is a folder"):
        evalbook.set_mode("live", record_to=tmp_path)
    assert evalbook.get_mode() == "sim"

    evalbook.set_mode("live")  # the environment variable is read at the first request
    monkeypatch.setenv("EVALBOOK_RECORD", str(tmp_path / "nowhere" / "rec.jsonl"))
    with pytest.raises(EvalbookError, match="nowhere.*does not exist"):
        say("hello")
    trace = acme.SupportBot("beacon-1").run("Where is order A-1010?")
    assert "does not exist" in trace.error
    assert fake_api.requests == [] and evalbook.budget_status()["sent"] == 0


def test_a_cache_folder_that_is_a_file_fails_before_anything_is_sent(monkeypatch, fake_api, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(blocker))
    with pytest.raises(EvalbookError, match="EVALBOOK_CACHE_DIR") as info:
        evalbook.set_mode("live")
    assert "is a file" in str(info.value) and evalbook.get_mode() == "sim"

    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    evalbook.set_mode("live")
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(blocker / "sub"))  # changed after the switch
    with pytest.raises(EvalbookError, match="EVALBOOK_CACHE_DIR"):
        say("hello")
    assert fake_api.requests == [] and evalbook.budget_status()["sent"] == 0


def test_a_recording_cut_short_still_replays_its_intact_exchanges(monkeypatch, fake_api, tmp_path):
    """An interrupted run leaves half a last line; the exchanges before it are still worth a class's time."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    recording = tmp_path / "class.jsonl"
    evalbook.set_mode("live", record_to=recording)
    first = say("first question").choices[0].message.content
    say("second question")
    text = recording.read_text()
    recording.write_text(text[: len(text) - 40])  # the last line is cut
    evalbook.set_mode("live", record_to=recording)
    third = say("third question").choices[0].message.content  # appended after the cut line, on its own line

    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.warns(UserWarning, match=r"Line 2 of the recording class\.jsonl.*skipped") as caught:
        evalbook.set_mode("replay", recording=recording)
    assert "2 other exchanges" in str(caught[0].message)
    assert say("first question").choices[0].message.content == first
    assert say("third question").choices[0].message.content == third
    with pytest.raises(evalbook.ReplayMiss):
        say("second question")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same file is not warned about twice
        say("first question")


def test_a_recording_includes_answers_served_from_the_cache(monkeypatch, fake_api, tmp_path):
    """Recording a class run after a rehearsal must not leave out what the rehearsal cached."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    evalbook.set_mode("live")
    say("rehearsed")
    evalbook.set_mode("live", record_to=tmp_path / "class.jsonl")
    answer = say("rehearsed").choices[0].message.content
    assert len(fake_api.requests) == 1
    monkeypatch.delenv("OPENAI_API_KEY")
    evalbook.set_mode("replay", recording=tmp_path / "class.jsonl")
    assert say("rehearsed").choices[0].message.content == answer


def test_scrub_secrets_removes_keys_tokens_and_the_configured_key(monkeypatch):
    from evalbook.errors import scrub_secrets

    text = (
        f"Incorrect API key provided: {SECRET}. Authorization: Bearer abc.DEF-ghi_123456789 "
        "api_key=opaque-token-998877 " + "sk-" + "proj-AbCdEf0123456789"  # built here: no key-like literal
    )
    clean = scrub_secrets(text)
    assert SECRET not in clean and "abc.DEF-ghi_123456789" not in clean
    assert "opaque-token-998877" not in clean and "AbCdEf0123456789" not in clean
    assert clean.startswith("Incorrect API key provided: ") and "Bearer [redacted]" in clean
    local_key = "local0token0without0a0prefix"
    monkeypatch.setenv("OPENAI_API_KEY", local_key)
    assert scrub_secrets(f"server said: key {local_key} is wrong") == "server said: key [redacted] is wrong"
    assert scrub_secrets(None) is None and scrub_secrets("") == ""
    assert scrub_secrets("The model 'atlas-1' answered.") == "The model 'atlas-1' answered."


def test_a_typed_key_is_scrubbed_from_error_text(monkeypatch, fake_api):
    from evalbook.errors import scrub_secrets

    typed = "typedsecretvalue12345"
    monkeypatch.setattr(modes.getpass, "getpass", lambda prompt="": typed)
    monkeypatch.setattr(modes, "_can_prompt", lambda: True)
    evalbook.set_mode("live")
    assert scrub_secrets(f"echo {typed}") == "echo [redacted]"


def test_learner_messages_never_show_a_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    assert SECRET not in learner_message(EvalbookError(f"the key {SECRET} was refused"))
