"""How the inbox words times, waits, closed scans and the parts of a split (no Qt)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from pytestqt.qtbot import QtBot

from medrec_desktop.domain.inbox import InboxEntry, InboxStatus
from medrec_desktop.ui.inbox.texts import (
    clock_text,
    closed_text,
    parts_from_starts,
    parts_text,
    summary_text,
    when_text,
)
from medrec_desktop.ui.services_holder import ServicesHolder
from tests.conftest import Clinic
from tests.ui.conftest import holder

NOW = dt.datetime(2026, 11, 26, 17, 30).astimezone()


def local(days: int, hour: int, minute: int) -> dt.datetime:
    day = NOW.date() - dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute).astimezone()


def test_arrival_times_are_local_and_as_near_as_the_day_allows() -> None:
    assert clock_text(local(0, 9, 14)) == "9:14 AM"
    assert clock_text(local(0, 0, 5)) == "12:05 AM"
    assert when_text(local(0, 9, 14), NOW) == "Today 9:14 AM"
    assert when_text(local(1, 16, 2), NOW) == "Yesterday 4:02 PM"
    assert when_text(local(5, 12, 0), NOW) == "Nov 21, 12:00 PM"
    assert when_text(local(400, 8, 30), NOW).endswith("/2025 8:30 AM")
    # A UTC instant from the services is shown in local time.
    assert when_text(local(0, 9, 14).astimezone(dt.UTC), NOW) == "Today 9:14 AM"


@pytest.mark.parametrize(
    ("starts", "parts", "text"),
    [
        ({3}, [(1, 2), (3, 5)], "Part 1: pages 1-2 · Part 2: pages 3-5"),
        ({2, 5}, [(1, 1), (2, 4), (5, 5)], "Part 1: page 1 · Part 2: pages 2-4 · Part 3: page 5"),
        ({1, 9}, [(1, 5)], "Part 1: pages 1-5"),  # page 1 and pages past the end mean nothing
    ],
)
def test_marked_pages_make_parts_covering_every_page_once(
    starts: set[int], parts: list[tuple[int, int]], text: str
) -> None:
    assert parts_from_starts(starts, 5) == parts
    assert parts_text(parts) == text


def test_closed_scans_say_what_became_of_them_and_the_count_reads_plainly() -> None:
    closed = InboxEntry(
        id=1,
        source_name="fax.pdf",
        arrived_at=local(2, 9, 0),
        content_type="application/pdf",
        page_count=4,
        size=1000,
        sha256="0" * 64,
        status=InboxStatus.SPLIT,
        note=None,
        version=2,
        closed_at=local(0, 10, 2),
        closed_by="rita",
    )
    assert closed_text(closed, NOW, parts=2) == "Split into 2 parts · rita, Today 10:02 AM"
    assert summary_text(0, 0, 3) == "Inbox: nothing waiting"
    assert summary_text(4, 1, 3) == "Inbox: 4 waiting (1 over 3 days)"
    assert summary_text(4, 0, 1) == "Inbox: 4 waiting"


def test_an_inbox_change_told_from_a_worker_thread_arrives_on_the_gui_thread(
    qtbot: QtBot, local_clinic: Clinic
) -> None:
    services: ServicesHolder = holder(local_clinic.inst)
    heard: list[threading.Thread] = []
    services.inbox_changed.connect(lambda: heard.append(threading.current_thread()))
    watcher = threading.Thread(target=services.notify_inbox_changed)
    watcher.start()
    watcher.join()
    qtbot.waitUntil(lambda: len(heard) == 1)
    assert heard == [threading.main_thread()]
