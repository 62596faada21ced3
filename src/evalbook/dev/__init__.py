"""Contributor tools, not part of the learner's API: generating labs from solutions (``evalbook labs build``)
and executing notebooks in place (``python -m evalbook.dev.notebooks execute``)."""
