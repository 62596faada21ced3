"""evalbook: evaluate your LLM product, not the model.

This package is the reusable **toolkit**; nothing in it knows the course's fictional worlds, which live in
:mod:`evalbook.course` (Acme's shop and assistant, Harbor Mutual's claims, the practice quiz) and use it::

    import evalbook
    evalbook.setup()                       # prints the mode; friendly errors in Jupyter
    client = evalbook.client()             # an openai.OpenAI for the current mode (sim, live or replay)
    trace = evalbook.run_agent(client, "my-model", messages, tools={"lookup": lookup})
    results = evalbook.run_batch(my_app, cases, input_column="message")
    results = evalbook.run_checks(results, {"no_answer": lambda t: not t.answer})

One module per idea: :mod:`~evalbook.trace`, :mod:`~evalbook.agent`, :mod:`~evalbook.runner`,
:mod:`~evalbook.checks`, :mod:`~evalbook.stats`, :mod:`~evalbook.metrics`, :mod:`~evalbook.labels`,
:mod:`~evalbook.widgets`, :mod:`~evalbook.analysis`, :mod:`~evalbook.golden` (versioned golden sets, sampling with
weights, splits and all-pairs inputs), and the plumbing (:mod:`~evalbook.modes`,
:mod:`~evalbook.config`, :mod:`~evalbook.errors`, :mod:`~evalbook.paths`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import budget, checks, golden, metrics, stats  # noqa: F401 - the submodules a learner reaches as evalbook.stats etc.
from .agent import run_agent, tool_schema
from .analysis import failure_rates, saturation_curve
from .checks import called, called_before, called_with, outcome_changed, run_checks
from .errors import BudgetExceeded, EvalbookError, InputError, InputTypeError, ReplayMiss
from .labels import LabelStore, compare_labellers, load_labels, merge_labels, save_labels
from .modes import async_client, budget_status, client, describe, get_mode, set_budget, set_mode
from .runner import run_batch, summarize_errors
from .trace import Trace, load_conversations, load_traces, save_traces, traces_to_frame

try:
    __version__ = version("evalbook")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without installing
    __version__ = "0.0.0"


def setup(quiet: bool = False) -> None:
    """Call once at the top of a notebook: prints evalbook's version and mode, and makes evalbook's own errors
    show as a one-line message instead of a traceback."""
    from .errors import install_notebook_handler

    install_notebook_handler()
    line = f"evalbook {__version__} · {describe()}"
    if not quiet:
        print(line)


def __getattr__(name: str):
    """The viewer and the labeller load ipywidgets only when asked for (``evalbook.TraceViewer``)."""
    if name in ("TraceViewer", "Labeller"):
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'evalbook' has no attribute {name!r}")


__all__ = [
    "BudgetExceeded",
    "EvalbookError",
    "InputError",
    "InputTypeError",
    "LabelStore",
    "Labeller",
    "ReplayMiss",
    "Trace",
    "TraceViewer",
    "__version__",
    "async_client",
    "budget_status",
    "called",
    "called_before",
    "called_with",
    "client",
    "compare_labellers",
    "describe",
    "failure_rates",
    "get_mode",
    "load_conversations",
    "load_labels",
    "load_traces",
    "merge_labels",
    "outcome_changed",
    "run_agent",
    "run_batch",
    "run_checks",
    "save_labels",
    "save_traces",
    "saturation_curve",
    "set_budget",
    "set_mode",
    "setup",
    "summarize_errors",
    "tool_schema",
    "traces_to_frame",
]
