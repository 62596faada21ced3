"""The HTTP library the installed ``openai`` SDK is built on (``httpx2`` for openai 3.x, ``httpx`` before)."""

try:  # openai >= 3 ships its own fork of httpx under this name
    import httpx2 as httpx
except ImportError:  # pragma: no cover - older SDKs
    import httpx  # type: ignore[no-redef]

__all__ = ["httpx"]
