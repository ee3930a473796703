"""The log file keeps where a failure happened and its type, never the exception's message:
a driver's error quotes the values it was writing, which may be a patient's."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from medrec_desktop import logs
from medrec_desktop.paths import DataPaths

CANARY = "Zebulon Quixotefeather 1961-04-09"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    logs.configure(DataPaths(tmp_path / "data"))
    added = [h for h in root.handlers if h not in before]
    try:
        yield tmp_path / "data" / "logs" / "medrec.log"
    finally:
        for h in added:
            root.removeHandler(h)
            h.close()
        root.setLevel(level)


def _duplicate_patient_insert() -> None:
    """A real IntegrityError from SQLAlchemy, whose text quotes the row's values."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as db:
        db.exec_driver_sql("CREATE TABLE patient (mrn TEXT PRIMARY KEY, name TEXT)")
        db.execute(sa.text("INSERT INTO patient VALUES ('M1', :n)"), {"n": CANARY})
        db.execute(sa.text("INSERT INTO patient VALUES ('M1', :n)"), {"n": CANARY})


def test_a_logged_database_error_keeps_its_type_and_frames_but_not_the_values(
    log_file: Path,
) -> None:
    try:
        _duplicate_patient_insert()
    except sa.exc.IntegrityError as err:
        assert CANARY in str(err)  # the attack's premise: the message carries PHI
        logging.getLogger("medrec_desktop.services.base").exception("service call failed")
    text = log_file.read_text(encoding="utf-8")

    assert CANARY not in text and "Quixotefeather" not in text
    assert "IntegrityError (message not logged)" in text
    assert "_duplicate_patient_insert" in text  # where it happened is still there
    # The driver's own error, its cause, is named too.
    assert f"{sqlite3.IntegrityError.__qualname__} (message not logged)" in text
    assert "direct cause" in text


def test_a_library_logging_with_exc_info_is_held_to_the_same_rule(log_file: Path) -> None:
    try:
        try:
            raise ValueError(f"bad date for {CANARY}")
        except ValueError:
            raise OSError(f"cannot write /scans/{CANARY}.pdf") from None
    except OSError:
        logging.getLogger("some.library").warning("could not save", exc_info=True)
    text = log_file.read_text(encoding="utf-8")
    assert "could not save" in text
    assert "OSError (message not logged)" in text
    assert "Quixotefeather" not in text
    assert "ValueError" not in text  # the suppressed context stays out, as Python prints it
