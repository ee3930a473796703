"""The audit detail of a listing names every disclosed id and reads back exactly."""

from __future__ import annotations

from medrec_desktop.services.listing import disclosed_ids, patients_detail


def test_every_id_is_kept_once_in_order_however_many() -> None:
    ids = list(range(100_000, 90_000, -1)) + [100_000]
    detail = patients_detail(ids)
    assert detail.startswith("10000 patients: 100000,99999,")
    assert disclosed_ids(detail) == ids[:-1]


def test_one_and_none() -> None:
    assert patients_detail([7]) == "1 patient: 7"
    assert disclosed_ids("1 patient: 7") == [7]
    assert patients_detail([]) == "0 patients"
    assert disclosed_ids("0 patients") == []
    assert disclosed_ids("12 events; 2 patients: 3,4") == [3, 4]
    assert disclosed_ids(None) == []
