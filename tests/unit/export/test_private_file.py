"""A file that cannot be written after its release was recorded says so, and leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.export.files import PrivateFile, PrivateFolder


def test_a_file_that_cannot_be_put_in_place_names_the_disclosure_already_recorded(
    tmp_path: Path,
) -> None:
    out = tmp_path / "record.pdf"
    with pytest.raises(KnownError) as caught, PrivateFile(out, replace=True) as target:
        out.mkdir()  # something took the name meanwhile: the rename onto it fails
        target.commit(b"%PDF-1.7 ...", disclosure=41)
    message = caught.value.message
    assert "Cannot write" in message and str(out) in message
    assert "recorded as disclosure 41" in message and "Save it again" in message
    assert [p.name for p in tmp_path.iterdir()] == ["record.pdf"]  # no partial file left
    assert out.is_dir()


def test_without_a_disclosure_the_message_says_only_what_failed(tmp_path: Path) -> None:
    out = tmp_path / "list.csv"
    with pytest.raises(KnownError) as caught, PrivateFile(out, replace=False) as target:
        out.write_bytes(b"someone else's")
        target.commit(b"a,b\n")
    assert "already exists" in caught.value.message
    assert "recorded as" not in caught.value.message
    assert out.read_bytes() == b"someone else's"


def test_a_bulk_folder_whose_name_was_taken_names_the_disclosure(tmp_path: Path) -> None:
    out = tmp_path / "export"
    with pytest.raises(KnownError) as caught, PrivateFolder(out) as target:
        (target.path / "Patient.ndjson").write_text("{}\n")
        out.mkdir()
        target.commit(disclosure=7)
    assert "recorded as disclosure 7" in caught.value.message
    assert [p.name for p in tmp_path.iterdir()] == ["export"]
    assert list(out.iterdir()) == []
