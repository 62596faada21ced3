"""Where evalbook finds its data, in a checkout and in an installed wheel alike."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from .errors import InputError, InputTypeError


def data_dir() -> Path:
    """The folder holding the shop's data files.

    An installed wheel carries the data inside the package (``evalbook/_data``); an editable install from a
    checkout reads the repository's ``data/`` folder directly.
    """
    packaged = Path(str(resources.files("evalbook"))) / "_data"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "data"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "evalbook cannot find its data folder. Reinstall it with `make setup` (or `pip install -e .` "
        "from the repository) and run `evalbook doctor`."
    )


def data_file(name: str) -> Path:
    """Path of a file in the data folder, with a clear message if it is missing."""
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(
            f"The data file {name!r} is missing from {data_dir().name}/. "
            "Regenerate the data with `python data/make_data.py` or reinstall evalbook."
        )
    return path


def user_file(path, who: str, example: str) -> Path:
    """A learner's file path as a Path, with a sentence (not a traceback) when it is not a usable file name.

    ``who`` names the function for the message and ``example`` is a file name to suggest, e.g. "my_labels.csv".
    Whether the file must exist is left to the caller.
    """
    if not isinstance(path, (str, Path)) or (isinstance(path, str) and not path.strip()):
        raise InputTypeError(
            f"{who} needs a file name such as {example!r}; got {type(path).__name__} {path!r}."
        )
    path = Path(path)
    if path.is_dir():
        raise InputError(
            f"{who}: {str(path)!r} is a folder, not a file. Give a file name inside it, e.g. {str(path / example)!r}."
        )
    return path


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that the file is either the old one or the new one, never half of each.

    The text goes to a temporary file in the same folder, is flushed to disk, and then replaces ``path`` in one
    step (``os.replace``, atomic on POSIX and Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
