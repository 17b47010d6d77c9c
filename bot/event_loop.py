"""Which asyncio event loop the bot runs on: uvloop where it is installed.

Every trip to a database thread costs the bot two turns of its event loop, and the write lock
is held across the trips of a transaction; a faster loop shortens every one of them. Measured
with bench/ (scenario 2): uvloop raised the saturated rate by about a fifth on 2 cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator


def use_fastest_loop() -> str:
    """Make new event loops uvloop's when it is installed (not on Windows); returns the loop's name."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


# The signals python-telegram-bot's run_polling() hands to its event loop.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


@contextlib.contextmanager
def signal_handlers_restored(signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Put back the process's own handlers for `signals` (and the wakeup fd) on the way out.

    asyncio's loop does this when it closes; uvloop's leaves its own handler in place, bound to
    the closed loop, so a SIGTERM after run_polling() returned or failed was silently dropped and
    a service manager could not stop the process.
    """
    saved = {sig: signal.getsignal(sig) for sig in signals}
    wakeup_fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup_fd)
    try:
        yield
    finally:
        signal.set_wakeup_fd(wakeup_fd)
        for sig, handler in saved.items():
            if handler is not None:  # None: installed outside Python, nothing to put back
                signal.signal(sig, handler)
