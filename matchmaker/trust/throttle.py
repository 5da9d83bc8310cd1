"""Login throttling: after too many failed logins for one account, or from one address,
within a window, further tries are refused until the window has passed (each try costs
~0.5 s of argon2, and guessing must stay slow). The real user gets in once it has passed.

In memory, per process: behind several processes each keeps its own count, which only
multiplies the allowance by the number of processes.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

PER_ACCOUNT = 5       # failures per account per window
PER_ADDRESS = 20      # failures per address per window (many accounts from one place)
WINDOW_S = 15 * 60


class LoginThrottle:
    def __init__(self, per_account: int = PER_ACCOUNT, per_address: int = PER_ADDRESS, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic):
        self.limits = {"account": per_account, "address": per_address}
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str) -> list[tuple[str, str]]:
        return [("account", (username or "").strip().lower()[:64]), ("address", address or "?")]

    def _prune(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return deque()
        return times

    def retry_after(self, username: str, address: str) -> int:
        """Seconds to wait before this login may be tried, 0 if it may be tried now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(username, address):
                times = self._prune(key, now)
                if len(times) >= self.limits[key[0]]:
                    wait = max(wait, times[0] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(username, address):
                self._failures[key].append(now)

    def succeeded(self, username: str, address: str) -> None:
        """A right password clears the account's count (not the address's: one office, many people)."""
        with self._lock:
            self._failures.pop(self._keys(username, address)[0], None)
