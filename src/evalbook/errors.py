"""Errors a learner can act on.

Every error evalbook raises on purpose is an :class:`EvalbookError` whose message is a sentence saying what went
wrong and what to do. In Jupyter, :func:`evalbook.setup` installs a handler that shows just that sentence instead
of a traceback through evalbook's internals.
"""

from __future__ import annotations

import os
import re
import sys


class EvalbookError(Exception):
    """A problem the learner can fix; the message says how."""


class BudgetExceeded(EvalbookError):
    """Live mode stopped before sending a request that would go over the session's request budget."""


class ReplayMiss(EvalbookError):
    """Replay mode was asked for a request that is not in the recording."""


# The simulator and the replay transport answer with an OpenAI-style error body whose type starts with this
# prefix, so that the SDK raises its usual exception and the notebook handler can show our sentence.
ERROR_TYPE_PREFIX = "evalbook_"
# Live mode keeps a real server's error body as it is (code that reads ``exc.code`` still works) and adds the
# sentence for the learner under this key.
LEARNER_MESSAGE_FIELD = "evalbook_message"


# ---------------------------------------------------------------------------------------------------------------
# Secrets never reach what evalbook stores or prints
# ---------------------------------------------------------------------------------------------------------------
REDACTED = "[redacted]"
_KEY_PATTERNS = (
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"), "sk-" + REDACTED),  # OpenAI-style keys: sk-..., sk-proj-...
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=\-]{8,}"), r"\1 " + REDACTED),
    (
        re.compile(
            r"(?i)\b(api[_-]?key|x-api-key|access[_-]?token|auth[_-]?token|secret)"
            r"([\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]{8,}"
        ),
        r"\1\2" + REDACTED,
    ),
)
_known_secrets: set[str] = set()


def remember_secret(value: str | None) -> None:
    """Scrub this value (the key typed at the prompt) from every error text from now on."""
    if isinstance(value, str) and len(value.strip()) >= 8:
        _known_secrets.add(value.strip())


def scrub_secrets(text):
    """``text`` with API keys, bearer tokens and the configured key replaced by ``[redacted]``.

    A server or proxy may echo the key in its error text; evalbook copies error text into traces, batch rows,
    printed lines and files, so every such text goes through here first. Anything that is not a string is
    returned unchanged.
    """
    if not isinstance(text, str) or not text:
        return text
    secrets = set(_known_secrets)
    env_key = os.environ.get("OPENAI_API_KEY", "").strip()
    if len(env_key) >= 8:
        secrets.add(env_key)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _KEY_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def learner_message(exc: BaseException) -> str | None:
    """The learner-facing sentence for an exception evalbook produced or recognises, or None for anything else.

    Recognised: evalbook's own errors, error replies from the simulator, replay and live mode, and the SDK's
    connection errors and timeouts (from any client: the sentence names the URL and what to do).
    """
    message = _message(exc)
    return None if message is None else scrub_secrets(message)


def _message(exc: BaseException) -> str | None:
    if isinstance(exc, EvalbookError):
        return str(exc)
    body = getattr(exc, "body", None)  # openai.APIStatusError carries the decoded error body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            if error.get(LEARNER_MESSAGE_FIELD):
                return str(error[LEARNER_MESSAGE_FIELD])
            if str(error.get("type", "")).startswith(ERROR_TYPE_PREFIX):
                return str(error.get("message"))
    import openai

    if isinstance(exc, openai.APIConnectionError):  # APITimeoutError is one too
        return _connection_message(exc, openai.APITimeoutError)
    return None


def _url_of(exc) -> str:
    try:
        url = exc.request.url
    except (AttributeError, RuntimeError):
        return "the server"
    path = url.path
    for endpoint in ("/chat/completions", "/completions", "/embeddings", "/models", "/responses"):
        if path.endswith(endpoint):
            path = path[: -len(endpoint)]
            break
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{path}"


def _connection_message(exc, timeout_error) -> str:
    where = _url_of(exc)
    rerun = "re-run the cell: finished cases are cached, so only the ones that failed are asked again."
    cause = exc.__cause__
    refused = cause is not None and type(cause).__name__ in (
        "ConnectError",
        "ConnectTimeout",
        "UnsupportedProtocol",
    )
    if refused:
        return (
            f"Could not connect to {where}: is the server running, and is the base URL right "
            "(OPENAI_BASE_URL, or evalbook.set_mode('live', base_url=...))? A request that never reached a "
            "server does not count against the live budget."
        )
    if isinstance(exc, timeout_error):
        seconds = None
        try:
            seconds = (exc.request.extensions.get("timeout") or {}).get("read")
        except (AttributeError, RuntimeError):
            pass
        within = f" within {seconds:g} s" if isinstance(seconds, (int, float)) else " in time"
        return (
            f"The server at {where} did not answer{within}. A slow or busy model may need longer: pass "
            "timeout=300 to the call (or client.with_options(timeout=300)), or set EVALBOOK_LIVE_TIMEOUT; "
            f"if it was a passing hiccup, {rerun}"
        )
    what = f" ({type(cause).__name__})" if cause is not None else ""
    return f"The connection to {where} broke before an answer came back{what}. If the server is up, {rerun}"


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

    shell.set_custom_exc((EvalbookError, openai.APIError), handler)
    return True


class InputError(EvalbookError, ValueError):
    """A value the learner passed in is not usable (an unknown label, unequal lengths, an empty list)."""


class InputTypeError(EvalbookError, TypeError):
    """The learner passed the wrong kind of thing (a string where a list of numbers was expected)."""


class MissingColumnError(EvalbookError, KeyError):
    """A table the learner passed in lacks a column evalbook needs."""

    def __str__(self) -> str:  # KeyError would quote the message; show it as a sentence
        return str(self.args[0]) if self.args else ""
