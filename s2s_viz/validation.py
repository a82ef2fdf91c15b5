"""One way to check settings: the first failed check raises ``ValueError`` with its message.

Each message names the allowed range.
"""

from __future__ import annotations

from collections.abc import Iterable


def require(checks: Iterable[tuple[bool, str]]) -> None:
    for ok, message in checks:
        if not ok:
            raise ValueError(message)
