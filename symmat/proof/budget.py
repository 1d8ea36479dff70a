"""The time limit of a verification (SPEC §1.4: 60 s, --verify-timeout).

SIGALRM interrupts SymPy where it is (on the main thread); elsewhere the clock
is checked between entries. Running out raises `LimitError` naming the option.
"""

import signal
import threading
import time

from ..errors import LimitError


class Expired(Exception):
    """Raised inside SymPy work when a time limit passes."""


class Budget:
    """A wall-clock limit; on the main thread SIGALRM interrupts long SymPy calls."""

    def __init__(self, seconds, outer=None):
        """A limit of `seconds`, never past an enclosing one."""
        self.seconds = float(seconds)
        self.end = time.monotonic() + self.seconds
        if outer is not None:
            self.end = min(self.end, outer.end)
        self.outer = outer
        self.saved = None

    def left(self):
        """Seconds remaining."""
        return self.end - time.monotonic()

    def check(self):
        """Raise `Expired` if the time is up."""
        if self.left() <= 0:
            raise Expired()

    def __enter__(self):
        """Arm the alarm (where possible), remembering any alarm the caller had set."""
        if _can_alarm():
            self.started = time.monotonic()
            self.saved = signal.signal(signal.SIGALRM, _on_alarm)
            self.caller_timer = signal.setitimer(signal.ITIMER_REAL, max(self.left(), 1e-3))
        return self

    def __exit__(self, *exc):
        """Disarm, restoring the enclosing alarm (ours or the caller's)."""
        if self.saved is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.saved)
            if self.outer is not None and self.outer.saved is not None:
                signal.setitimer(signal.ITIMER_REAL, max(self.outer.left(), 1e-3))
            elif self.caller_timer[0] > 0:
                left = self.caller_timer[0] - (time.monotonic() - self.started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), self.caller_timer[1])
        return False

    def outer_expired(self):
        """True when an enclosing budget (not only this one) has run out."""
        return self.outer is not None and self.outer.left() <= 0


def _can_alarm():
    """True where SIGALRM can interrupt (Unix, main thread)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):
    """Signal handler: the time is up."""
    raise Expired()


def _timeout_error(timeout):
    """The LimitError for an overrun, naming the option."""
    return LimitError(f"verification took longer than the limit of {timeout:g} s "
                      f"(raise it with --verify-timeout)")
