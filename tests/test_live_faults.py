"""A live batch against a server that fails now and then: no case lost, none duplicated, a re-run asks only the rest.

A wrapper around ``evalbook serve`` injects the faults a real API or proxy produces: 429 (rate limit), 500, a
connection reset with no answer, and a stall that never answers. About 20% of distinct requests fail on their first
attempt; a quarter of those keep failing for three attempts, longer than the SDK's two retries, so those cases fail
in the first run. Then the incident is over and the same batch is run again. Loopback only, bounded in time.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections import Counter

import pytest

import evalbook
from evalbook._http import httpx
from evalbook.course import acme
from evalbook.sim import server

CASES = 60
KINDS = ("429", "500", "reset", "stall")
STALL_SECONDS = 2.5  # longer than the client's timeout below


class Faults:
    """Decides, per distinct request body and attempt, whether and how the server misbehaves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.active = True
        self.stop = threading.Event()
        self.attempts: Counter = Counter()
        self.answered: Counter = Counter()  # request key -> 200 answers sent
        self.injected: Counter = Counter()  # fault kind -> times injected
        self.case_of: dict = {}  # request key -> the customer's message
        self.log: list = []  # (phase, key, attempt, outcome)
        self.phase = "run 1"

    @staticmethod
    def plan(key: str) -> tuple[str | None, int]:
        """(fault kind or None, how many first attempts fail) for one request, fixed by its content."""
        h = int(hashlib.sha256(f"fault:{key}".encode()).hexdigest(), 16)
        if h % 100 >= 20:
            return None, 0
        return KINDS[(h // 100) % 4], 3 if (h // 400) % 4 == 0 else 1

    def decide(self, raw: bytes) -> tuple[str, str | None]:
        key = hashlib.sha256(raw).hexdigest()
        body = json.loads(raw)
        with self.lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
            self.case_of[key] = next(m["content"] for m in body["messages"] if m["role"] == "user")
            kind, failing = self.plan(key)
            fault = kind if self.active and kind and attempt <= failing else None
            if fault:
                self.injected[fault] += 1
            self.log.append((self.phase, key, attempt, fault or "200"))
        return key, fault


class FaultHandler(server.SimHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        raw = self.read_body()
        faults: Faults = self.server.faults
        key, fault = faults.decide(raw)
        if fault in ("429", "500"):
            status = int(fault)
            self.send(
                httpx.Response(
                    status,
                    json={"error": {"message": f"injected {fault}", "type": "server_error"}},
                    headers={"retry-after-ms": "10"},
                )
            )
            return
        if fault == "reset":  # drop the connection with a TCP reset, no answer at all
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault == "stall":  # accept, then never answer
            faults.stop.wait(STALL_SECONDS)
            self.close_connection = True
            return
        response = self.answer("POST", self.path, raw)
        self.send(response)
        if response.status_code == 200:
            with faults.lock:
                faults.answered[key] += 1


@pytest.fixture
def faulty_server(monkeypatch, tmp_path):
    with server.running(port=0, handler=FaultHandler) as running:
        running.faults = Faults()
        monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("EVALBOOK_LIVE_MODELS", "beacon-1=beacon-1")
        monkeypatch.setenv("EVALBOOK_LIVE_TIMEOUT", "1")
        yield running
        running.faults.stop.set()


def test_a_batch_survives_transient_faults_and_a_rerun_asks_only_what_failed(faulty_server, capsys):
    started = time.monotonic()
    faults: Faults = faulty_server.faults
    tickets = acme.load_tickets().drop_duplicates("message").head(CASES)[["ticket_id", "message"]]
    tickets = tickets.reset_index(drop=True)
    expected = evalbook.run_batch(  # what the simulator answers in-process: the reference
        acme.SupportBot("beacon-1").run, tickets, input_column="message", progress=False
    )
    assert expected["error"].isna().all()

    evalbook.set_mode("live", base_url=faulty_server.url, budget=1000)
    first = evalbook.run_batch(
        acme.SupportBot("beacon-1").run, tickets, input_column="message", concurrency=8, progress=False
    )
    run1 = [entry for entry in faults.log if entry[0] == "run 1"]
    failed = set(first.loc[first["error"].notna(), "message"])
    persistent = {faults.case_of[k] for _, k, attempt, outcome in run1 if attempt == 3 and outcome != "200"}

    # Nothing lost, nothing duplicated, every row where it belongs: failures are rows with a sentence.
    assert len(first) == CASES and list(first["ticket_id"]) == list(tickets["ticket_id"])
    assert failed == persistent, "only the cases whose faults outlasted the SDK's retries may fail"
    ok = first["error"].isna()
    assert list(first.loc[ok, "answer"]) == list(expected.loc[ok, "answer"])
    assert first["error"].dropna().str.contains("re-run").all(), first["error"].dropna().tolist()

    faults.active, faults.phase = False, "run 2"  # the incident is over
    hits_before = len(faults.log)
    second = evalbook.run_batch(
        acme.SupportBot("beacon-1").run, tickets, input_column="message", concurrency=8, progress=False
    )
    run2 = faults.log[hits_before:]
    assert second["error"].isna().all() and list(second["answer"]) == list(expected["answer"])
    assert list(second["tools"]) == list(expected["tools"])
    assert {faults.case_of[k] for _, k, _, _ in run2} == failed, "the re-run asks only for the failed cases"
    answered_in_run1 = Counter(faults.case_of[k] for _, k, _, outcome in run1 if outcome == "200")
    steps = dict(zip(expected["message"], (t.steps for t in expected["trace"]), strict=True))
    assert len(run2) == sum(steps[case] - answered_in_run1[case] for case in failed)
    assert max(faults.answered.values()) == 1, "no request was answered (paid for) twice"
    assert evalbook.budget_status()["sent"] == len(faults.log), "every request reached the server"

    retries = sum(1 for _, _, attempt, _ in run1 if attempt > 1)
    took = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfault injection: {CASES} cases, {len(run1)} requests in run 1 "
            f"({len({k for _, k, _, _ in run1})} distinct), injected faults {sum(faults.injected.values())} "
            f"({dict(faults.injected)}), retries {retries}, failed after retries {len(failed)}, lost 0, "
            f"duplicated 0, requests on the re-run {len(run2)}, {took:.1f} s"
        )
    assert took < 30
