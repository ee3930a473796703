"""Claim checks from the ICD-10-CM Official Guidelines and the tabular's instructions.

Each check reads only the claim's codes (display form out, normalised form in) and the
store's notes; none depends on the setting except where the Guidelines say so. The rule ids
are stable: the UI, the CLI and saved reports refer to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from medrec_desktop.coding.codes import display
from medrec_desktop.coding.lookup import CodeLookup
from medrec_desktop.coding.refs import code_ranges, matches
from medrec_desktop.coding.types import Finding, Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RULES: dict[str, tuple[Severity, str]] = {
    "NOTE-USE-ADDITIONAL": (
        W,
        "Tabular instruction 'Use additional code' (Guidelines I.A.13): the code's own"
        " instruction asks for a second code to complete the picture, when it applies.",
    ),
    "NOTE-CODE-ALSO": (
        W,
        "Tabular instruction 'Code also' (Guidelines I.A.17): two codes may be needed to"
        " describe the condition fully.",
    ),
    "COMBO-HTN-CKD": (
        W,
        "Guidelines I.C.9.a.2: hypertension with chronic kidney disease is presumed linked;"
        " code I12.- (plus N18.- for the stage), not I10, unless the provider documents"
        " another cause.",
    ),
    "COMBO-HTN-HF": (
        W,
        "Guidelines I.C.9.a.1: hypertension with heart failure is presumed linked; code"
        " I11.0 (plus I50.- for the type), not I10, unless the provider documents another cause.",
    ),
    "COMBO-HTN-HEART": (
        W,
        "Guidelines I.C.9.a.1: heart conditions classified to I51.4-I51.7, I51.89 and I51.9"
        " with hypertension are presumed linked; code I11.9 (plus the heart condition), not"
        " I10, unless the provider documents another cause.",
    ),
    "COMBO-HTN-HEART-CKD": (
        W,
        "Guidelines I.C.9.a.3: hypertension with both heart failure and chronic kidney"
        " disease is coded with a combination code from I13.-.",
    ),
    "COMBO-DIABETES-WITH": (
        W,
        "Guidelines I.A.15 and I.C.4.a: conditions listed under 'with' in the Index are"
        " presumed linked to diabetes; use the diabetes combination code, unless the"
        " provider documents another cause.",
    ),
    "DIABETES-WITHOUT-AND-WITH": (
        E,
        "Guidelines I.C.4.a: a 'without complications' diabetes code is never reported beside"
        " a code of the same category for a complication.",
    ),
    "SEQ-FIRST-LISTED-ONLY": (
        E,
        "Guidelines I.C.21.c.16: these Z codes may only be the principal or first-listed"
        " diagnosis (unless several such Z codes share the encounter).",
    ),
    "SEQ-SECONDARY-ONLY": (
        E,
        "These codes are only reported as additional codes, never first-listed:"
        " weeks of gestation Z3A (I.C.15.b.4), body mass index Z68 (I.C.21.c.3), outcome of"
        " delivery Z37 (I.C.15.b.5).",
    ),
    "SEQ-EXTERNAL-CAUSE-FIRST": (
        E,
        "Guidelines I.C.20: an external cause code (V00-Y99) is never the principal or"
        " first-listed diagnosis; list the injury or condition first.",
    ),
    "CODE-PLACEHOLDER-X": (
        E,
        "Guidelines I.A.4-5: a code with a 7th character that has fewer than six characters"
        " takes placeholder X in the empty positions.",
    ),
    "PERINATAL-OLDER-PATIENT": (
        W,
        "Guidelines I.C.16.a.4: perinatal codes (P00-P96) may be used throughout the"
        " patient's life when the condition began in the perinatal period; check that it did.",
    ),
}


def finding(rule_id: str, message: str, codes: Sequence[str]) -> Finding:
    severity, text = RULES[rule_id]
    return Finding(severity, rule_id, message, text, tuple(codes))


# -- tabular notes --------------------------------------------------------------------------

_CONDITIONAL = re.compile(r"\b(if applicable|where applicable|if known|such as|any)\b", re.I)


@dataclass(frozen=True)
class _NoteGroup:
    owner: str
    kind: str
    text: str  # the instruction as written, the lead-in and its items
    ranges: tuple[tuple[str, str], ...]
    conditional: bool


def _groups(rows: Iterable[tuple[str, str, str]]) -> list[_NoteGroup]:
    """Rows (owner, kind, text) in tabular order -> instructions: a lead-in ending with ':'
    and the item lines after it are one instruction, satisfied by any one item."""
    out: list[_NoteGroup] = []
    lead: tuple[str, str, str] | None = None
    items: list[str] = []

    def close() -> None:
        if lead is not None and items:
            text = lead[2] + " " + "; ".join(items)
            ranges = tuple(r for item in items for r in code_ranges(item))
            if ranges:
                conditional = bool(_CONDITIONAL.search(text))
                out.append(_NoteGroup(lead[0], lead[1], text, ranges, conditional))

    for owner, kind, text in rows:
        text = text.strip()
        if lead is not None and (owner, kind) == lead[:2] and not text.endswith(":"):
            items.append(text)
            continue
        close()
        lead, items = None, []
        if text.endswith(":"):
            lead = (owner, kind, text)
            continue
        ranges = tuple(code_ranges(text))
        if ranges:
            out.append(_NoteGroup(owner, kind, text, ranges, bool(_CONDITIONAL.search(text))))
    close()
    return out


def _category_of(ranges: tuple[tuple[str, str], ...]) -> str:
    parts: list[str] = []
    for lo, hi in ranges:
        a, b = display(lo), display(hi)
        part = a if lo == hi else f"{a}-{b}"
        if part not in parts:
            parts.append(part)
    return ", ".join(parts[:6]) + (", ..." if len(parts) > 6 else "")


def note_checks(
    store: CodeLookup, dx: Sequence[tuple[str, int]], ancestors: dict[str, list[str]]
) -> list[Finding]:
    """'Use additional code' and 'Code also' instructions none of whose codes is on the claim.

    Instructions written under a chapter or block, or saying 'if applicable' / 'if known',
    are reminders (info); those written under the code's own category ask for a code
    (warning)."""
    if not dx:
        return []
    conn = store.conn()
    claim = [c for c, _ in dx]
    out: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    by_release: dict[int, set[str]] = {}
    for code, rid in dx:
        by_release.setdefault(rid, set()).update(ancestors[code])
    rows_by_owner: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
    for rid, owners in by_release.items():
        marks = ",".join("?" * len(owners))
        for owner, kind, text in conn.execute(
            f"SELECT owner, kind, text FROM note WHERE release_id = ? AND owner IN ({marks})"
            " AND kind IN ('use_additional', 'code_also') ORDER BY seq",
            (rid, *owners),
        ):
            rows_by_owner.setdefault((rid, owner), []).append((owner, kind, text))
    grouped: dict[tuple[int, str], list[_NoteGroup]] = {}
    for code, rid in dx:
        shown = display(code)
        for owner in ancestors[code]:
            groups = grouped.get((rid, owner))
            if groups is None:  # codes of one category share their ancestors' notes
                groups = grouped[(rid, owner)] = _groups(rows_by_owner.get((rid, owner), ()))
            for group in groups:
                key = (owner, group.kind, group.text)
                if key in seen:
                    continue
                if any(matches(c, lo, hi) for c in claim for lo, hi in group.ranges):
                    continue
                if any(matches(code, lo, hi) for lo, hi in group.ranges):
                    continue  # the instruction names the code itself
                seen.add(key)
                rule = "NOTE-USE-ADDITIONAL" if group.kind == "use_additional" else "NOTE-CODE-ALSO"
                broad = owner.startswith("CH") or "-" in owner
                severity = INFO if (broad or group.conditional) else RULES[rule][0]
                verb = "Use additional" if group.kind == "use_additional" else "Code also"
                out.append(
                    Finding(
                        severity,
                        rule,
                        f"{shown}: the tabular under {display(owner) if not broad else owner}"
                        f" says '{verb} {group.text.lstrip(', ')}'. No code from"
                        f" {_category_of(group.ranges)} is on the claim: add one if it"
                        " applies to this patient.",
                        RULES[rule][1],
                        (shown,),
                    )
                )
    return out


# -- combination codes ----------------------------------------------------------------------

_DIABETES = ("E08", "E09", "E10", "E11", "E13")
#: (condition code prefix, diabetes subcategory suffix, what the Index says under "with")
_DIABETES_WITH: tuple[tuple[str, str, str], ...] = (
    ("N18", "22", "chronic kidney disease"),
    ("G629", "42", "polyneuropathy"),
    ("K3184", "43", "gastroparesis"),
    # H35.00 background retinopathy NOS only: H35.03 (hypertensive) and H35.06 (vasculitis)
    # sit beside it under H35.0 and are not the diabetic retinopathy of the Index
    ("H3500", "319", "retinopathy"),
    ("I739", "51", "peripheral angiopathy"),
    ("L974", "621", "foot ulcer"),
    ("L975", "621", "foot ulcer"),
    ("L97", "622", "skin ulcer"),
    ("L984", "622", "skin ulcer"),
    ("R739", "65", "hyperglycemia"),
    ("E162", "649", "hypoglycemia"),
    ("K05", "630", "periodontal disease"),
    ("H269", "36", "cataract"),
)


def combination_checks(store: CodeLookup, dx: Sequence[tuple[str, int]]) -> list[Finding]:
    codes = [c for c, _ in dx]
    out: list[Finding] = []
    out.extend(_hypertension(codes))
    out.extend(_diabetes(store, codes))
    return out


_HYPERTENSIVE_HEART = ("I514", "I515", "I516", "I517", "I5189", "I519")


def _hypertension(codes: list[str]) -> list[Finding]:
    ckd = [c for c in codes if c.startswith("N18")]
    hf = [c for c in codes if c.startswith("I50")]
    # I.C.9.a.1: besides heart failure, these heart conditions are presumed hypertensive
    heart_dz = [c for c in codes if c.startswith(_HYPERTENSIVE_HEART)]
    stage5 = any(c in ("N185", "N186") for c in ckd)
    htn = [c for c in codes if c == "I10" or c[:3] in ("I11", "I12")]
    with_hf = bool(hf) or "I110" in codes
    heart = with_hf or bool(heart_dz) or any(c.startswith("I11") for c in codes)
    kidney = bool(ckd) or any(c.startswith("I12") for c in codes)
    if htn and heart and kidney:
        if "I10" not in htn and any(c.startswith("I13") for c in codes):
            return []
        if with_hf:
            target = "I13.2" if stage5 else "I13.0"
        else:
            target = "I13.11" if stage5 else "I13.10"
        parts = [display(c) for c in htn + hf + heart_dz + ckd]
        return [
            finding(
                "COMBO-HTN-HEART-CKD",
                f"{', '.join(parts)}: hypertension with heart disease and chronic kidney"
                f" disease is coded {target} (with I50.- for any heart failure and N18.- for"
                " the stage), not as separate hypertension codes.",
                parts,
            )
        ]
    if "I10" not in codes:
        return []
    # (rule, the other codes, the combination code, what stays coded beside it)
    pairs: list[tuple[str, list[str], str, str]] = []
    if ckd:
        pairs.append(
            ("COMBO-HTN-CKD", ckd, "I12.0" if stage5 else "I12.9", "the N18 code for the stage")
        )
    if hf:
        pairs.append(("COMBO-HTN-HF", hf, "I11.0", "the I50 code for the type of heart failure"))
    elif heart_dz:
        pairs.append(("COMBO-HTN-HEART", heart_dz, "I11.9", "the code for the heart condition"))
    return [
        finding(
            rule,
            f"I10 with {', '.join(display(c) for c in others)}: code {target} instead of I10"
            f" and keep {kept}.",
            ["I10", *[display(c) for c in others]],
        )
        for rule, others, target, kept in pairs
    ]


def _diabetes(store: CodeLookup, codes: list[str]) -> list[Finding]:
    out: list[Finding] = []
    for cat in _DIABETES:
        mine = [c for c in codes if c.startswith(cat)]
        if not mine:
            continue
        without = cat + "9"
        complicated = [c for c in mine if c != without]
        if without in mine and complicated:
            a = display(without)
            others = ", ".join(display(c) for c in complicated)
            out.append(
                finding(
                    "DIABETES-WITHOUT-AND-WITH",
                    f"{a} (without complications) is listed beside {others}: remove {a}; the"
                    " complication code already says the patient has diabetes.",
                    [a, *(display(c) for c in complicated)],
                )
            )
        done: set[str] = set()
        for prefix, suffix, words in _DIABETES_WITH:
            conditions = [c for c in codes if c.startswith(prefix) and c not in done]
            if not conditions:
                continue
            done.update(conditions)
            target = cat + suffix
            if any(c.startswith(target) for c in mine):
                continue
            if store.lookup(target) is None:
                continue
            cond = ", ".join(display(c) for c in conditions)
            replace = f" (in place of {display(without)})" if without in mine else ""
            out.append(
                finding(
                    "COMBO-DIABETES-WITH",
                    f"{cond} with diabetes: the Index lists {words} under diabetes 'with', so"
                    f" add {display(target)}{replace}; keep {cond} if the combination code's"
                    " 'use additional code' note asks for it.",
                    [*(display(c) for c in mine), *(display(c) for c in conditions)],
                )
            )
    return out


# -- sequencing -----------------------------------------------------------------------------

#: Guidelines I.C.21.c.16: (prefix, exceptions) of Z codes that may only be first-listed
_FIRST_ONLY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Z00", ("Z006",)),
    ("Z01", ("Z0181",)),
    ("Z02", ("Z029",)),
    ("Z03", ()),
    ("Z04", ()),
    ("Z3181", ()),
    ("Z3183", ()),
    ("Z3184", ()),
    ("Z332", ()),
    ("Z34", ()),
    ("Z38", ()),
    ("Z39", ()),
    ("Z40", ()),
    ("Z42", ()),
    ("Z510", ()),
    ("Z511", ()),
    ("Z52", ("Z529",)),
    ("Z761", ()),
    ("Z762", ()),
    ("Z9912", ()),
)
_SECONDARY_ONLY = {
    "Z3A": "weeks of gestation",
    "Z68": "body mass index",
    "Z37": "outcome of delivery",
}


def first_listed_only(code: str) -> bool:
    return any(
        code.startswith(p) and not any(code.startswith(x) for x in ex) for p, ex in _FIRST_ONLY
    )


def external_cause(code: str) -> bool:
    return "V00" <= code[:3] <= "Y99"


def sequence_checks(dx: Sequence[str]) -> list[Finding]:
    """``dx``: the claim's diagnosis codes in order, normalised."""
    out: list[Finding] = []
    if not dx:
        return out
    first = dx[0]
    shown = display(first)
    if external_cause(first):
        out.append(
            finding(
                "SEQ-EXTERNAL-CAUSE-FIRST",
                f"{shown} is an external cause code and is listed first: move the injury or"
                " condition it explains to the top, and list the external cause after it.",
                [shown],
            )
        )
    elif first[:3] in _SECONDARY_ONLY:
        out.append(
            finding(
                "SEQ-SECONDARY-ONLY",
                f"{shown} ({_SECONDARY_ONLY[first[:3]]}) is listed first: list the condition it"
                " goes with first and this code after it.",
                [shown],
            )
        )
    leading = True
    for i, code in enumerate(dx):
        only = first_listed_only(code)
        if i and only and not leading:
            c = display(code)
            out.append(
                finding(
                    "SEQ-FIRST-LISTED-ONLY",
                    f"{c} may only be the first-listed diagnosis: move it to the top, or remove"
                    " it if it was not the reason for the encounter.",
                    [c],
                )
            )
        leading = leading and only
    return out


# -- perinatal codes ------------------------------------------------------------------------


def perinatal(code: str) -> bool:
    return code[:1] == "P" and "P00" <= code[:3] <= "P96"


def perinatal_checks(dx: Sequence[str], age: int | None) -> list[Finding]:
    if age is None or age < 1:
        return []
    return [
        finding(
            "PERINATAL-OLDER-PATIENT",
            f"{display(c)} is a perinatal code on a patient aged {age}: keep it only if the"
            " condition began in the perinatal period (Guidelines I.C.16.a.4); otherwise"
            " code the condition from its own chapter.",
            [display(c)],
        )
        for c in dx
        if perinatal(c)
    ]


# -- placeholder X --------------------------------------------------------------------------


def placeholder_candidates(code: str, *, seventh: bool = True) -> list[str]:
    """Ways to put placeholder X into a code typed without it (normalised in, out): the X's
    go among the 4th-6th characters and the 7th character, when ``seventh``, stays last."""
    core = code[:3] + code[3:].replace("X", "")
    size = 7 if seventh else 6
    missing = size - len(core)
    if len(core) < 4 or missing < 1 or missing > 3:
        return []
    body, last = (core[3:-1], core[-1]) if seventh else (core[3:], "")
    out: list[str] = []
    for xs in combinations(range(3), missing):  # positions 4-6
        chars = iter(body)
        middle = "".join("X" if i in xs else next(chars) for i in range(3))
        candidate = core[:3] + middle + last
        if candidate != code and candidate not in out:
            out.append(candidate)
    return out
