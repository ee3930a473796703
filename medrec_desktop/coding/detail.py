"""Everything the detail pane shows about one code, as a frozen dataclass."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.coding import validity
from medrec_desktop.coding.codes import (
    display,
    display_node,
    no_title,
    normalize,
    pad_placeholder,
)
from medrec_desktop.coding.lookup import CodeLookup
from medrec_desktop.coding.types import (
    CodeDetail,
    CodeSystem,
    HccCategory,
    Note,
    SeventhCharacter,
    Validity,
)
from medrec_desktop.domain.errors import NotFoundError


def hcc_payment_year(dos: dt.date) -> int:
    """Diagnoses from one calendar year set the next year's payment; clip to the tables held."""
    return min(max(dos.year + 1, 2025), 2027)


def hcc_for(store: CodeLookup, code: str, dos: dt.date) -> tuple[HccCategory, ...]:
    year = hcc_payment_year(dos)
    rows = (
        store.conn()
        .execute(
            "SELECT model, payment_year, category, label FROM hcc WHERE code = ?"
            " AND payment_year = ? ORDER BY category",
            (code, year),
        )
        .fetchall()
    )
    return tuple(HccCategory(r[0], r[1], r[2], r[3]) for r in rows)


def notes_for(store: CodeLookup, release_id: int, owners: list[str]) -> tuple[Note, ...]:
    """Notes of the code and every ancestor, from the chapter down to the code."""
    conn = store.conn()
    out: list[Note] = []
    for owner in owners:
        for kind, text in conn.execute(
            "SELECT kind, text FROM note WHERE owner = ? AND release_id = ? ORDER BY seq",
            (owner, release_id),
        ):
            out.append(Note(kind, text, owner))
    return tuple(out)


def seventh_for(
    store: CodeLookup, release_id: int, code: str, owners: list[str]
) -> tuple[SeventhCharacter, ...]:
    conn = store.conn()
    base = code[:6] if len(code) == 7 else pad_placeholder(code)
    for owner in reversed(owners):  # the nearest table wins
        rows = conn.execute(
            "SELECT char, meaning FROM seventh WHERE owner = ? AND release_id = ?",
            (owner, release_id),
        ).fetchall()
        if rows:
            return tuple(
                SeventhCharacter(c, m, display(base + c, CodeSystem.ICD10CM)) for c, m in rows
            )
    return ()


def detail(store: CodeLookup, code: str, dos: dt.date) -> CodeDetail:
    found = store.lookup(code, dos)
    if found is None:
        raise NotFoundError(f"{code.strip()[:20]} is not a code in any release held.")
    row, rel = found
    system = CodeSystem(row.system)
    path = store.path_of(row.release_id, row.code)
    owners = [c for c, _ in path] + [row.code]
    in_force = store.release_for(system, dos)
    in_release: bool | None = None
    if in_force is not None:
        hit = (
            store.conn()
            .execute(
                "SELECT billable FROM code WHERE release_id = ? AND code = ?",
                (in_force.id, row.code),
            )
            .fetchone()
        )
        in_release = bool(hit[0]) if hit else None
    if row.release_id != (in_force.id if in_force else None) and in_release is None:
        in_release = row.billable  # a pending or older release is all the store has
    valid: Validity = validity.check(
        store.conn(),
        system,
        row.code,
        dos,
        in_release=in_release,
        release_name=in_force.name if in_force else rel.name,
    )
    return CodeDetail(
        code=display(row.code, system),
        system=system,
        title=row.title if row.title is not None else no_title(rel),
        billable=row.billable,
        hierarchy=tuple((display_node(c, system), t) for c, t in path),
        notes=notes_for(store, row.release_id, owners),
        seventh=seventh_for(store, row.release_id, normalize(row.code), owners)
        if system is CodeSystem.ICD10CM
        else (),
        validity=valid,
        hcc=hcc_for(store, row.code, dos) if system is CodeSystem.ICD10CM else (),
        release=rel.name,
    )
