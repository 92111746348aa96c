"""What the browser sends a callback, taken only if it has the type its control sends: a forged request (a number
for a dropdown, an object for a list) gets the control's empty value, never a server error or a query."""
from __future__ import annotations

import functools
from collections.abc import Callable


def text(value) -> str:
    """A dropdown's, radio's or text box's value."""
    return value.strip() if isinstance(value, str) else ""


def texts(value) -> list[str]:
    """A multi-select's or checklist's values."""
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def clicks(value) -> int | None:
    """A button's click count."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def many(kind: Callable) -> Callable:
    """The values of a pattern-matching input (one per matching component), each of one kind."""
    return lambda value: [kind(v) for v in value] if isinstance(value, list) else []


def record(value) -> dict:
    """A dcc.Store's or a graph's clickData: a JSON object."""
    return value if isinstance(value, dict) else {}


def anything(value):
    return value


def sane(*kinds: Callable) -> Callable:
    """Decorate a callback: its arguments, in order, pass through these kinds (the last kind repeats for *values)."""
    def wrap(callback: Callable) -> Callable:
        @functools.wraps(callback)
        def checked(*values):
            kinds_ = list(kinds) + [kinds[-1]] * max(0, len(values) - len(kinds))
            return callback(*(kind(v) for kind, v in zip(kinds_, values, strict=False)))
        return checked
    return wrap
