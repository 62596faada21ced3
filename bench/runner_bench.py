"""How close does run_batch get to ideal concurrency? (make bench)

Every request goes through the simulator behind a transport that sleeps 50 ms, standing in for network and model
latency. 1,000 cases run with run_batch at concurrency 16, then in a plain sequential loop. Printed:

- batch time / ideal time, where ideal = 1000 / 16 x 50 ms (1.00 would be perfect; overhead pushes it up);
- sequential time / batch time (the speed-up the runner buys).

Numbers vary with the machine; the ratios are what to compare between versions.
"""

from __future__ import annotations

import time

import openai

import evalbook
from evalbook._http import httpx
from evalbook.course import acme
from evalbook.sim.transport import SimTransport

CASES, CONCURRENCY, LATENCY = 1000, 16, 0.050


class SlowTransport(SimTransport):
    def handle_request(self, request):
        time.sleep(LATENCY)
        return super().handle_request(request)


def main() -> None:
    client = openai.OpenAI(
        api_key="sim",
        base_url="http://simulator.evalbook.invalid/v1",
        http_client=httpx.Client(transport=SlowTransport(), limits=httpx.Limits(max_connections=64)),
        max_retries=0,
    )
    messages = list(acme.load_tickets()["message"])
    cases = [messages[i % len(messages)] + f" (case {i})" for i in range(CASES)]

    def ask(text: str) -> str:
        reply = client.chat.completions.create(model="beacon-1", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content

    ask(cases[0])  # warm up (data loading, first connection)
    start = time.perf_counter()
    batch = evalbook.run_batch(ask, cases, concurrency=CONCURRENCY, progress=False)
    batch_s = time.perf_counter() - start
    assert batch["error"].isna().all(), evalbook.summarize_errors(batch)

    start = time.perf_counter()
    for text in cases:
        ask(text)
    sequential_s = time.perf_counter() - start

    ideal_s = CASES / CONCURRENCY * LATENCY
    print(f"{CASES} cases, {LATENCY * 1000:.0f} ms per request, concurrency {CONCURRENCY}")
    print(f"ideal {ideal_s:.2f} s | run_batch {batch_s:.2f} s | sequential {sequential_s:.2f} s")
    print(f"run_batch / ideal      = {batch_s / ideal_s:.2f}")
    print(f"sequential / run_batch = {sequential_s / batch_s:.2f}")


if __name__ == "__main__":
    main()
