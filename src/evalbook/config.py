"""Model names and live-mode settings: the one place they are defined.

The lessons always name models by their course alias (``atlas-1``, ``beacon-1``, ``judge-1``). In sim mode the
simulator serves those aliases; in live mode each alias is sent to the real model id below. The defaults are
examples that were current when this course was written; models get retired, so point the aliases at whatever you
have access to with ``EVALBOOK_LIVE_MODELS`` (for a local Ollama, e.g.
``EVALBOOK_LIVE_MODELS="atlas-1=llama3.1:8b,beacon-1=qwen2.5:7b,judge-1=qwen2.5:7b"``) or
:func:`set_live_model`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError

# The course's models: what the simulator plays under each name. These names are the only ones a lesson uses.
SIM_MODELS = {
    "atlas-1": "Benchmark champion: fluent and confident; skips steps in the product.",
    "beacon-1": "Careful assistant: uses tools, grounds answers, escalates; over-escalates and is terse.",
    "judge-1": "LLM judge: returns a verdict and a critique; misses some failures, lenient on fluent replies.",
}
ALIASES = tuple(SIM_MODELS)

DEFAULT_LIVE_MODELS = {
    "atlas-1": "gpt-4.1",
    "beacon-1": "gpt-4.1-mini",
    "judge-1": "gpt-4.1-mini",
}

DEFAULT_LIVE_BUDGET = 100  # live requests per Python session before evalbook stops and asks
DEFAULT_LIVE_TIMEOUT = 120.0  # seconds one live request may take before evalbook gives up on it

_overrides: dict[str, str] = {}


def _from_env() -> dict[str, str]:
    raw = os.environ.get("EVALBOOK_LIVE_MODELS", "").strip()
    pairs = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        alias, sep, real = item.partition("=")
        if not sep or not alias.strip() or not real.strip():
            raise InputError(
                f"EVALBOOK_LIVE_MODELS has an entry {item!r} that is not alias=model; "
                "write it like 'atlas-1=gpt-4.1,beacon-1=gpt-4.1-mini'."
            )
        pairs[alias.strip()] = real.strip()
    return pairs


def unknown_model_message(model) -> str:
    """Say which simulated models exist, suggest the likely one, and how to reach a real model."""
    import difflib

    close = difflib.get_close_matches(str(model), list(SIM_MODELS), n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"The model {model!r} does not exist in the evalbook simulator.{hint} Simulated models: "
        f"{', '.join(SIM_MODELS)}. To use a real model, switch to live mode (evalbook.set_mode('live'))."
    )


def live_models() -> dict[str, str]:
    """The alias -> real model id map in force (defaults, then the environment, then set_live_model)."""
    return {**DEFAULT_LIVE_MODELS, **_from_env(), **_overrides}


def live_model_for(name: str) -> str:
    """The real model id for a course alias; any other name is passed through unchanged."""
    return live_models().get(name, name)


def set_live_model(alias: str, model_id: str) -> None:
    """Point a course alias at another real model for live mode, e.g. ``set_live_model('atlas-1', 'gpt-4o')``."""
    if not isinstance(alias, str) or not isinstance(model_id, str) or not model_id.strip():
        raise InputError("set_live_model takes two strings: the alias (e.g. 'atlas-1') and a real model id.")
    _overrides[alias] = model_id.strip()


def live_budget_default() -> int:
    raw = os.environ.get("EVALBOOK_LIVE_BUDGET")
    if raw is None:
        return DEFAULT_LIVE_BUDGET
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"EVALBOOK_LIVE_BUDGET must be a whole number of requests, not {raw!r}.") from None
    if value < 0:
        raise InputError("EVALBOOK_LIVE_BUDGET cannot be negative.")
    return value


def live_timeout() -> float:
    """Seconds a live request may wait for its answer: ``EVALBOOK_LIVE_TIMEOUT`` or 120.

    A slow local model can need more; a frozen server should not freeze a notebook cell for ever. A call can
    still pass its own ``timeout=`` (or use ``client.with_options(timeout=...)``).
    """
    raw = os.environ.get("EVALBOOK_LIVE_TIMEOUT")
    if raw is None or not raw.strip():
        return DEFAULT_LIVE_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"EVALBOOK_LIVE_TIMEOUT must be a number of seconds, e.g. 300, not {raw!r}."
        ) from None
    if not value > 0:
        raise InputError("EVALBOOK_LIVE_TIMEOUT must be a positive number of seconds, e.g. 300.")
    return value


def cache_dir() -> Path:
    """Where live responses are cached (never the API key): ``EVALBOOK_CACHE_DIR`` or the user cache folder."""
    raw = os.environ.get("EVALBOOK_CACHE_DIR")
    if raw:
        return Path(raw).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "evalbook" / "live"


def progress_enabled() -> bool:
    """Progress bars are shown unless EVALBOOK_PROGRESS is off (the notebook tests turn them off)."""
    return os.environ.get("EVALBOOK_PROGRESS", "on").strip().lower() not in ("0", "off", "false", "no")
