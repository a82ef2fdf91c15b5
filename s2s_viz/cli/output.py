"""What every command prints with."""

from __future__ import annotations

import json


def print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))
