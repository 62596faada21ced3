"""evalbook: evaluate your LLM product, not the model.

The public API a lesson (or your own project) uses::

    import evalbook
    evalbook.setup()                       # prints the mode; friendly errors in Jupyter
    client = evalbook.client()             # an openai.OpenAI for the current mode
    bot = evalbook.SupportBot("beacon-1")  # the product under test
    trace = bot.run("Where is my refund for order A-1010?")
    results = evalbook.run_batch(bot.run, evalbook.load_tickets(), input_column="message")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .bot import DEFAULT_SYSTEM_PROMPT, TOOLS, SupportBot
from .errors import BudgetExceeded, EvalbookError, ReplayMiss
from .modes import async_client, budget_status, client, describe, get_mode, set_budget, set_mode
from .runner import run_batch, summarize_errors
from .shop import (
    CURRENT_KB,
    KB_VERSIONS,
    ShopState,
    facts,
    facts_table,
    kb_articles,
    load_kb,
    load_orders,
    load_tickets,
    search_kb,
    shop_info,
)
from .trace import Trace, load_traces, save_traces, traces_to_frame

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


__all__ = [
    "BudgetExceeded",
    "CURRENT_KB",
    "DEFAULT_SYSTEM_PROMPT",
    "EvalbookError",
    "KB_VERSIONS",
    "ReplayMiss",
    "ShopState",
    "SupportBot",
    "TOOLS",
    "Trace",
    "__version__",
    "async_client",
    "budget_status",
    "client",
    "describe",
    "facts",
    "facts_table",
    "get_mode",
    "kb_articles",
    "load_kb",
    "load_orders",
    "load_tickets",
    "load_traces",
    "run_batch",
    "save_traces",
    "search_kb",
    "set_budget",
    "set_mode",
    "setup",
    "shop_info",
    "summarize_errors",
    "traces_to_frame",
]
