"""Live mode, priced before it runs: how many requests a batch will send, a live-sized sample, and what it costs.

In sim mode nothing here prints or changes anything: the lessons' committed outputs are the full runs. In live
mode a heavy cell first says how many requests it is about to send and how many are left in the session's budget
(:func:`evalbook.set_budget`), so a learner never discovers the bill half-way through a batch; and a lesson's one
switch, ``LIVE_SAMPLE = True``, makes its heavy batches run on a stratified sample that keeps every kind of case.

Prices are assumptions with a date, never fetched: model prices change, so check your provider's page.
"""

from __future__ import annotations

import math

import pandas as pd

from ._values import is_bool, is_whole_number
from .errors import InputError, InputTypeError

LIVE_PREFIX = "[live]"  # every line this module prints starts with it, so a comparison with sim can skip them

# USD per million tokens, for the course's default live models (evalbook.config.DEFAULT_LIVE_MODELS). These are
# the list prices published for these models when they were released (OpenAI, April 2025), as collected in
# LiteLLM's public model-price table; they are assumptions for estimates, not a quote.
PRICES_PER_MILLION = {
    "gpt-4.1": {"input": 2.00, "output": 8.00},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
}
PRICES_AS_OF = "2025-04 (list prices at release; check your provider's current prices)"


def _live() -> bool:
    from .modes import get_mode

    return get_mode() == "live"


def _sampling(enabled: bool) -> bool:
    """Sample in live mode when the lesson's switch is on (and, for measuring request counts in docs/live.md, in
    sim mode when ``EVALBOOK_MEASURE_LIVE_SAMPLE=1``)."""
    import os

    return enabled and (_live() or os.environ.get("EVALBOOK_MEASURE_LIVE_SAMPLE") == "1")


def plan_requests(requests: int, what: str) -> int:
    """Say, in live mode, how many requests the next step sends and whether the budget covers them.

    Args:
        requests: the estimate (cases x requests per case; a tool loop sends one request per step).
        what: a few words naming the step, e.g. ``"both assistants on 300 tickets"``.

    Returns:
        ``requests``, unchanged, so the call can sit inline. In sim and replay mode it prints nothing.
    """
    if not is_whole_number(requests) or requests < 0:
        raise InputError(f"requests must be a whole number of requests, 0 or more; got {requests!r}.")
    if not isinstance(what, str) or not what.strip():
        raise InputTypeError("what must say in a few words what the requests are for, e.g. 'the benchmark'.")
    import os

    if not _live() or os.environ.get("EVALBOOK_LIVE_ESTIMATES", "on") == "off":  # off: the live-vs-sim test
        return int(requests)
    from .modes import budget_status

    status = budget_status()
    left = max(status["limit"] - status["sent"], 0)
    line = f"{LIVE_PREFIX} {what}: about {int(requests):,} live requests; {left:,} left in your budget of {status['limit']:,}"
    if requests > left:
        line += (
            ". Responses already cached cost nothing, but new ones would stop at the budget. Set LIVE_SAMPLE = True "
            "at the top of the lesson for a smaller stratified sample, or raise the budget with "
            "evalbook.set_budget(n)."
        )
    else:
        line += "."
    print(line)
    return int(requests)


def live_sample(cases: pd.DataFrame, n: int, *, by: str | None = None, enabled: bool = False, seed: int = 0):
    """The cases to run: all of them, or (in live mode with ``enabled``) a stratified sample of about ``n``.

    The sample keeps at least one case of every value of ``by`` (a scenario, a persona) and otherwise allocates
    in proportion to each group's size, so a rare kind of case is not dropped by chance and the lesson's point
    still shows. In sim mode, or with ``enabled=False``, ``cases`` comes back unchanged.
    """
    if not isinstance(cases, pd.DataFrame):
        raise InputTypeError(f"live_sample takes the cases as a DataFrame; got a {type(cases).__name__}.")
    if not is_whole_number(n) or n < 1:
        raise InputError(f"n must be a whole number of cases, at least 1; got {n!r}.")
    if not is_bool(enabled):
        raise InputTypeError("enabled must be True or False (the lesson's LIVE_SAMPLE switch).")
    if not _sampling(enabled) or n >= len(cases):
        return cases
    if by is None:
        return cases.sample(n=n, random_state=seed).sort_index()
    if by not in cases.columns:
        raise InputError(f"live_sample: the cases have no {by!r} column to stratify by.")
    sizes = cases[by].value_counts()
    share = {group: max(1, math.floor(n * size / len(cases))) for group, size in sizes.items()}
    parts = [
        group_cases.sample(n=min(share[group], len(group_cases)), random_state=seed)
        for group, group_cases in cases.groupby(by, sort=True)
    ]
    return pd.concat(parts).sort_index()


def estimate_cost(prompt_tokens: int, completion_tokens: int, model: str) -> float | None:
    """The dollar cost of these tokens on ``model`` at :data:`PRICES_PER_MILLION`, or None for an unpriced model.

    ``model`` may be a course alias (``atlas-1``): it is priced as the real model it maps to in live mode.
    """
    from .config import live_model_for

    prices = PRICES_PER_MILLION.get(live_model_for(model)) or PRICES_PER_MILLION.get(model)
    if prices is None:
        return None
    return (prompt_tokens * prices["input"] + completion_tokens * prices["output"]) / 1_000_000


__all__ = [
    "LIVE_PREFIX",
    "PRICES_AS_OF",
    "PRICES_PER_MILLION",
    "estimate_cost",
    "live_sample",
    "plan_requests",
]
