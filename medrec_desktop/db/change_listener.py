"""Listening for the other workstations' change notices (PostgreSQL LISTEN, issue 15).

A thread with a connection of its own, taken from the store's engine (same address, same TLS
checks, same search path) and kept out of its pool: ``LISTEN`` on the channel, then wait for
notifications a fraction of a second at a time, so a notice is handed on within milliseconds
of the other workstation's commit and :meth:`ChangeListener.stop` returns within that
fraction. When the server goes away (restart, network, an administrator ending the session)
the thread connects again, waiting a little longer after each failure, and says so to
``on_reconnect``: notices sent while it was away are lost, so screens should read afresh.

Nothing here knows Qt or what a notice means: payloads go to ``on_payload`` on this thread,
as text. Logs carry no payload (they hold ids only, but a log is no place for them either).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

#: how long one wait for notifications lasts: the most a stop waits, never a notice's delay
POLL_SECONDS = 0.2
#: the waits between reconnection attempts grow from the first to the last
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)

_CHANNEL = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ChangeListener:
    """``LISTEN channel`` on a thread of its own until :meth:`stop`."""

    def __init__(
        self,
        engine: Engine,
        channel: str,
        on_payload: Callable[[str], None],
        *,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        if not _CHANNEL.match(channel):
            raise ValueError("channel names are lower-case identifiers")
        self._engine = engine
        self._channel = channel
        self._on_payload = on_payload
        self._on_reconnect = on_reconnect
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._backend_pid: int | None = None
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)

    def start(self) -> ChangeListener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and close the connection (returns within about POLL_SECONDS)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def listening(self) -> bool:
        """Whether LISTEN is in effect now (notices committed from now on will arrive)."""
        return self._listening.is_set()

    def wait_listening(self, timeout: float) -> bool:
        return self._listening.wait(timeout)

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening connection (an administrator ends it with
        ``pg_terminate_backend``; the listener then connects again)."""
        return self._backend_pid

    # ------------------------------------------------------------------ the thread

    def _run(self) -> None:
        failures = 0
        connected_before = False
        while not self._stop.is_set():
            proxied: Any = None
            try:
                proxied = self._engine.raw_connection()
                conn = proxied.driver_connection  # psycopg's own connection
                proxied.detach()  # ours alone: never handed back to the pool, nor reset by it
                conn.rollback()  # the pool's ping may have opened a transaction
                conn.autocommit = True  # notifications arrive between transactions only
                conn.execute(f"LISTEN {self._channel}")
                self._backend_pid = conn.info.backend_pid
                if self._stop.is_set():
                    break  # stopped while connecting (a slow server): tell nobody anything
                self._listening.set()
                failures = 0
                if connected_before and self._on_reconnect is not None:
                    self._call(self._on_reconnect)
                connected_before = True
                while not self._stop.is_set():
                    for notice in conn.notifies(timeout=POLL_SECONDS):
                        if notice.channel == self._channel:
                            self._call(self._on_payload, notice.payload)
                        if self._stop.is_set():
                            break
            except Exception as err:  # noqa: BLE001 - any failure: the server went away
                if self._stop.is_set():
                    break
                # Type only: a driver's message may quote the address (or worse).
                log.warning(
                    "change notices: connection lost (%s); connecting again",
                    _kind(err),
                )
                failures += 1
            finally:
                self._listening.clear()
                if proxied is not None:
                    try:
                        proxied.close()
                    except Exception:  # noqa: BLE001 - already broken: nothing to close
                        pass
            if failures:
                self._stop.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:
            # A receiver's bug must not end live refresh for the rest of the day.
            log.exception("change notices: a receiver failed")


def _kind(err: BaseException) -> str:
    if isinstance(err, sa_exc.DBAPIError) and err.orig is not None:
        return type(err.orig).__name__
    return type(err).__name__


__all__ = ["POLL_SECONDS", "ChangeListener"]
