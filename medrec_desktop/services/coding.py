"""Code sets behind a service (DESIGN §7): lookups need no audit, imports are checked and
recorded like any other change to the clinic's data."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from medrec_desktop.coding.store import CodeSetStore
from medrec_desktop.coding.types import (
    CancelFlag,
    CodeDetail,
    CodeSystem,
    Finding,
    ProgressCallback,
    Release,
    SearchHit,
    SearchResults,
    Setting,
)
from medrec_desktop.domain.enums import Action, DataCategory
from medrec_desktop.domain.errors import ReleaseLooksIncompleteError
from medrec_desktop.services.base import Op, Service, audited, no_phi
from medrec_desktop.services.context import ServiceContext

_NO_PHI = "code-set reference data: no patient data and no security state"


class CodeSets:
    """The workstation's code-set store, opened (and built, the very first time) on first use.

    One per workstation, made by the composition root; it outlives a restore of the records
    database because the code sets are not in it.
    """

    def __init__(
        self,
        *,
        store: CodeSetStore | None = None,
        factory: Callable[[], CodeSetStore] = CodeSetStore,
    ) -> None:
        self._store = store
        self._factory = factory
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._store is not None

    def get(self) -> CodeSetStore:
        # Two lanes may ask at once (a search and an import); the store is built only once.
        with self._lock:
            if self._store is None:
                self._store = self._factory()
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


class CodingService(Service):
    def __init__(self, *, ctx: ServiceContext, codes: CodeSets) -> None:
        super().__init__(ctx=ctx)
        self._codes = codes

    @no_phi(_NO_PHI)
    def prepare(self) -> None:
        """Open the code sets now (the first time builds them: seconds)."""
        self._codes.get()

    @no_phi(_NO_PHI)
    def releases(self) -> list[Release]:
        return self._codes.get().releases()

    @no_phi(_NO_PHI)
    def release_for(self, system: CodeSystem, dos: dt.date | None = None) -> Release | None:
        return self._codes.get().release_for(system, dos)

    @no_phi(_NO_PHI)
    def search(
        self,
        query: str,
        *,
        system: CodeSystem | str | None = None,
        billable_only: bool = False,
        dos: dt.date | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        return self._codes.get().search(
            query, system=system, billable_only=billable_only, dos=dos, limit=limit
        )

    @no_phi(_NO_PHI)
    def find(
        self,
        query: str,
        *,
        system: CodeSystem | str | None = None,
        billable_only: bool = False,
        dos: dt.date | None = None,
        limit: int = 50,
    ) -> SearchResults:
        """The hits and how the query was read (spelling corrected, procedure recognised)."""
        return self._codes.get().find(
            query, system=system, billable_only=billable_only, dos=dos, limit=limit
        )

    @no_phi(_NO_PHI)
    def detail(self, code: str, dos: dt.date | None = None) -> CodeDetail:
        return self._codes.get().detail(code, dos)

    @no_phi(_NO_PHI)
    def validate(
        self,
        codes: Sequence[str],
        dos: dt.date | None = None,
        age: int | None = None,
        sex: str | None = None,
        setting: Setting = Setting.OUTPATIENT,
    ) -> list[Finding]:
        return self._codes.get().validate(codes, dos, age, sex, setting)

    @no_phi(_NO_PHI + " (codes and an age, sex and date with no name)")
    def validate_encounter(
        self,
        diagnoses: Sequence[str],
        procedures: Sequence[tuple[CodeSystem, str]],
        dos: dt.date,
        age: int | None = None,
        sex: str | None = None,
        setting: Setting = Setting.OUTPATIENT,
    ) -> list[Finding]:
        """The live findings of the coding pane: no audit (nothing names the patient); the
        saved coding is checked again by the encounter coding service."""
        return self._codes.get().validate_encounter(diagnoses, procedures, dos, age, sex, setting)

    @audited(Action.CREATE, DataCategory.CODESET, outside_transaction=True)
    def import_file(
        self,
        op: Op,
        path: Path,
        *,
        system: CodeSystem | None = None,
        valid_from: dt.date | None = None,
        valid_to: dt.date | None = None,
        cpt_columns: dict[str, str] | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelFlag | None = None,
        force: bool = False,
    ) -> Release:
        """Import a downloaded release file (all or nothing).

        Raises ``ReleaseLooksIncompleteError`` when the release is much smaller than the one
        before it; the caller asks the user and calls again with ``force=True``.
        """
        op.event.detail = f"file={path.name}" + (" force" if force else "")
        try:
            release = self._codes.get().import_file(
                path,
                system=system,
                valid_from=valid_from,
                valid_to=valid_to,
                cpt_columns=cpt_columns,
                progress=progress,
                cancel=cancel,
                force=force,
            )
        except ReleaseLooksIncompleteError as err:
            op.event.detail = (
                f"file={path.name} refused: {err.new_count} codes, previous release "
                f"{err.previous_count}, {len(err.missing)} usual codes missing"
            )[:500]
            raise
        op.event.detail = (
            f"file={path.name} system={release.system.value} release={release.name} "
            f"codes={release.code_count} billable={release.billable_count}"
            + (" force" if force else "")
        )[:500]
        return release
