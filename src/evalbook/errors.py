"""Errors a learner can act on.

Every error evalbook raises on purpose is an :class:`EvalbookError` whose message is a sentence saying what went
wrong and what to do. In Jupyter, :func:`evalbook.setup` installs a handler that shows just that sentence instead
of a traceback through evalbook's internals.
"""

from __future__ import annotations

import sys


class EvalbookError(Exception):
    """A problem the learner can fix; the message says how."""


class BudgetExceeded(EvalbookError):
    """Live mode stopped before sending a request that would go over the session's request budget."""


class ReplayMiss(EvalbookError):
    """Replay mode was asked for a request that is not in the recording."""


# The simulator and the live/replay transports answer with an OpenAI-style error body whose type starts with
# this prefix, so that the SDK raises its usual exception and the notebook handler can show our sentence.
ERROR_TYPE_PREFIX = "evalbook_"


def learner_message(exc: BaseException) -> str | None:
    """The learner-facing sentence for an exception evalbook produced, or None for anything else."""
    if isinstance(exc, EvalbookError):
        return str(exc)
    body = getattr(exc, "body", None)  # openai.APIStatusError carries the decoded error body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and str(error.get("type", "")).startswith(ERROR_TYPE_PREFIX):
            return str(error.get("message"))
    return None


def install_notebook_handler() -> bool:
    """Show evalbook's own errors in IPython as a short message, not a traceback. Returns True if installed."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of jupyterlab
        return False
    shell = get_ipython()
    if shell is None:
        return False

    def handler(shell, etype, evalue, tb, tb_offset=None):
        message = learner_message(evalue)
        if message is None:
            shell.showtraceback((etype, evalue, tb), tb_offset=tb_offset)
            return None
        print(f"{etype.__name__}: {message}", file=sys.stderr)
        return None

    import openai

    shell.set_custom_exc((EvalbookError, openai.APIStatusError), handler)
    return True


class InputError(EvalbookError, ValueError):
    """A value the learner passed in is not usable (an unknown label, unequal lengths, an empty list)."""


class InputTypeError(EvalbookError, TypeError):
    """The learner passed the wrong kind of thing (a string where a list of numbers was expected)."""


class MissingColumnError(EvalbookError, KeyError):
    """A table the learner passed in lacks a column evalbook needs."""

    def __str__(self) -> str:  # KeyError would quote the message; show it as a sentence
        return str(self.args[0]) if self.args else ""
