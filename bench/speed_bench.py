"""Is evalbook quick to import, and does the simulator cost little per request? (make bench)

Two ratios, each against what the learner would pay anyway without evalbook, both timed in fresh interpreters
(median of several runs, the two sides taking turns so that a busy moment of the machine hits both):

- import: ``import evalbook`` / ``import openai, pandas``. Target: at most 1.5.
- request: making ``evalbook.client()`` in sim mode and sending it 300 support questions with
  ``client.chat.completions.create`` / making an SDK client whose transport returns a fixed, small
  chat.completion and sending it the same 300. Both go through the whole SDK (request building, parsing, typed
  objects), so the ratio is what the simulator adds, including what its first request loads. Target: at most 3.
  The steady-state ratio (the last calls alone, after everything is loaded) is printed beside it.

Numbers vary with the machine; the ratios are what to compare between versions. The run takes under a minute.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

RUNS = 5
REQUESTS = 300
IMPORT_TARGET, REQUEST_TARGET = 1.5, 3.0

# The same few support questions for both clients, so the simulator's caches see a mix, not one message.
QUESTIONS = [
    "Where is my refund for order A-1017? It was damaged.",
    "What are your support hours?",
    "Where is my order A-1005? It hasn't come yet.",
    "How long does standard shipping take?",
    "This is the third time I'm asking about order A-1042, still no refund!",
    "Can I return an item I bought three weeks ago?",
]
FIXED_REPLY = {
    "id": "chatcmpl-fixed",
    "object": "chat.completion",
    "created": 1773619200,
    "model": "beacon-1",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Your order is on its way.", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
}


def _run(*args: str) -> list[float]:
    """Run this script (or ``python -c``) in a fresh interpreter and read the numbers it prints."""
    done = subprocess.run([sys.executable, *args], check=True, capture_output=True, text=True)
    return [float(x) for x in done.stdout.split()]


def _import_seconds(modules: str) -> float:
    """The import alone, not the interpreter's own start-up."""
    code = f"import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
    return _run("-c", code)[0]


def _requests(which: str) -> None:
    """In a fresh interpreter: print the mean time per call including making the client, then the steady state."""
    import openai

    import evalbook
    from evalbook._http import httpx

    class FixedTransport(httpx.BaseTransport):
        def handle_request(self, request):
            request.read()
            body = json.dumps(FIXED_REPLY).encode()
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    began = time.perf_counter()
    if which == "sim":
        client = evalbook.client("sim")
    else:
        client = openai.OpenAI(
            api_key="none",
            base_url="http://fixed.invalid/v1",
            http_client=httpx.Client(transport=FixedTransport()),
            max_retries=0,
        )
    for i in range(REQUESTS):
        if i == REQUESTS // 2:
            half = time.perf_counter()
        question = QUESTIONS[i % len(QUESTIONS)]
        client.chat.completions.create(model="beacon-1", messages=[{"role": "user", "content": question}])
    ended = time.perf_counter()
    print((ended - began) / REQUESTS, (ended - half) / (REQUESTS - REQUESTS // 2))


def _medians(pairs: list[tuple]) -> list[float]:
    return [statistics.median(column) for column in zip(*pairs, strict=True)]


def main() -> None:
    _import_seconds("evalbook")  # the first run may compile bytecode; it is not what a learner pays each time
    imports = [(_import_seconds("evalbook"), _import_seconds("openai, pandas")) for _ in range(RUNS)]
    ours, theirs = _medians(imports)
    runs = [
        (*_run(__file__, "--requests", "sim"), *_run(__file__, "--requests", "trivial")) for _ in range(RUNS)
    ]
    sim, sim_warm, bare, bare_warm = _medians(runs)

    def row(what: str, a: str, a_s: float, b: str, b_s: float, target: float, extra: str = "") -> None:
        ratio = a_s / b_s
        verdict = "ok" if ratio <= target else "TOO SLOW"
        print(
            f"{what:<8} {a} {a_s * 1000:7.2f} ms | {b} {b_s * 1000:7.2f} ms | "
            f"ratio {ratio:4.2f} (target <= {target}) {verdict}{extra}"
        )

    row("import", "import evalbook", ours, "import openai, pandas", theirs, IMPORT_TARGET)
    row(
        "request",
        "sim call",
        sim,
        "trivial-transport call",
        bare,
        REQUEST_TARGET,
        f" | steady state {sim_warm * 1000:.2f} / {bare_warm * 1000:.2f} ms = {sim_warm / bare_warm:.2f}",
    )
    print(
        f"(medians of {RUNS} fresh interpreters; a request is the mean of {REQUESTS} calls, client included)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--requests"]:
        _requests(sys.argv[2])
    else:
        main()
