"""Logging to rotating files in the data folder's logs/ directory. Never log PHI."""

from __future__ import annotations

import logging
import logging.handlers
import traceback
from types import TracebackType

from medrec_desktop.paths import DataPaths, make_private_dir


def configure(paths: DataPaths, *, level: int = logging.INFO) -> None:
    """Send log records to ``logs/medrec.log`` (5 x 1 MB); nothing goes to the console."""
    root = logging.getLogger()
    if any(getattr(h, "_medrec", False) for h in root.handlers):
        return
    try:
        make_private_dir(paths.logs)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            paths.logs / "medrec.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()  # a read-only data folder must not stop the program
    handler.setFormatter(NoMessageTracebacks("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._medrec = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # SQLAlchemy echoes statements at INFO: keep it quiet whatever the level.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)


_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class NoMessageTracebacks(logging.Formatter):
    """Tracebacks with where it happened and each exception's type, never its message: a
    driver's or library's error text can carry what was being written (SQLAlchemy's
    IntegrityError quotes the row's values, a file error names the file), so a
    ``log.exception`` anywhere, ours or a library's, must not put that on disk."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler (a test's, a library's) may have cached its full traceback on the
        # record: never reuse it.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: _ExcInfo) -> str:  # noqa: N802 (logging's own name)
        return exception_outline(ei[1])

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return stack_info  # frames only: no values


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n"


def exception_outline(err: BaseException | None, _seen: frozenset[int] = frozenset()) -> str:
    """``err`` and its causes as Python prints them (causes first), frames and type names
    only: every exception's message is left out."""
    if err is None or id(err) in _seen:
        return ""
    seen = _seen | {id(err)}
    frames = "".join(traceback.format_tb(err.__traceback__))
    own = (
        f"Traceback (most recent call last):\n{frames}{type(err).__qualname__} (message not logged)"
    )
    if err.__cause__ is not None:
        return exception_outline(err.__cause__, seen) + "\n" + _CAUSE + "\n" + own
    if err.__context__ is not None and not err.__suppress_context__:
        return exception_outline(err.__context__, seen) + "\n" + _CONTEXT + "\n" + own
    return own
