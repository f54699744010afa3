"""The terminal the CLI prints to: user text never drives it.

Names, messages and spec fields come from files other people wrote. Printed raw, an escape
sequence in one could clear the screen, set the window title or hide text, and a bidi override
could reorder what is shown; rich would also turn `:smile:` into an emoji. So every console the
CLI makes has emoji codes off, and every string it prints has its control characters (C0 and C1,
except newline and tab) and bidi controls shown as visible escapes (`\\x1b`). Rich markup in user
text is escaped where the text is formatted (`rich.markup.escape`).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from specwire.errors import printable as printable  # one definition: local runs and deploys show it too


class SafeConsole(Console):
    """A rich console that shows control characters as escapes and never renders emoji codes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("emoji", False)
        super().__init__(**kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs.setdefault("emoji", False)
        super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)


def console(stderr: bool = False, **kwargs: Any) -> SafeConsole:
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=True, **kwargs)
