"""The social history form's live parts: pack-years worked out from packs per day and years
smoked as they are typed, the AUDIT-C score and whether the screen is positive (the
threshold depends on the patient's sex, read once when the form opens), and the fields a
"never" answer makes pointless set aside.
"""

from __future__ import annotations

from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.item_fields import shown_number
from medrec_desktop.domain.social_history import (
    AUDIT_C_FIELDS,
    AUDIT_C_QUESTIONS,
    SmokingStatus,
    audit_c_positive,
    audit_c_score,
)
from medrec_desktop.ui.chart.form_parts import FormParts
from medrec_desktop.ui.tasks import Op

SMOKED = ("packs_per_day", "years_smoked", "pack_years")
AUDIT_C_MAX = 4 * len(AUDIT_C_QUESTIONS)


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def _answer(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def audit_c_text(answers: tuple[int | None, int | None, int | None]) -> str:
    """ "5 of 12" ("" when not screened)."""
    score = audit_c_score(answers)
    return "" if score is None else f"{score} of {AUDIT_C_MAX}"


def audit_c_meaning(score: int | None, sex: str) -> tuple[bool, str] | None:
    """Whether the screen is positive for this patient, and what says so (None when not
    screened)."""
    positive = audit_c_positive(score, sex)
    if positive is None:
        return None
    threshold = "4 or more for men" if sex == "male" else "3 or more for women and others"
    if positive:
        return True, f"Positive screen ({threshold}): consider a follow-up."
    return False, f"Negative screen (positive at {threshold})."


def social_behaviour(parts: FormParts) -> None:
    inputs = parts.inputs
    sex: list[str | None] = [None]
    computed_last: list[str] = [""]  # the pack-years this form last worked out

    def pack_years() -> None:
        field = inputs["pack_years"]
        number = field.number
        ppd = _number(parts.text_of("packs_per_day"))
        years = _number(parts.text_of("years_smoked"))
        both = ppd is not None and years is not None
        if both and ppd is not None and years is not None:
            text = shown_number(round(ppd * years, 1))
            if parts.text_of("pack_years") != text:
                field.set_value(text)
            computed_last[0] = text
        elif computed_last[0] and parts.text_of("pack_years") == computed_last[0]:
            field.set_value("")  # worked out from numbers no longer there
            computed_last[0] = ""
        if number is not None:
            number.edit.setReadOnly(both or field.read_only)
            number.other.setText("= packs per day × years" if both else "")

    def tobacco() -> None:
        never = parts.text_of("smoking_status") == SmokingStatus.NEVER
        for name in SMOKED:
            parts.switch(name, not never)
        pack_years()

    def audit_c() -> None:
        first = _answer(parts.text_of(AUDIT_C_FIELDS[0]))
        for name in AUDIT_C_FIELDS[1:]:
            # "Never" drinks: the other two questions are not asked.
            parts.switch(name, first != 0)
        answers = tuple(_answer(parts.text_of(n)) for n in AUDIT_C_FIELDS)
        score = inputs["audit_c_score"].computed
        if score is None:
            return
        a, b, c = answers
        score.show_text(audit_c_text((a, b, c)))
        meaning = audit_c_meaning(audit_c_score((a, b, c)), sex[0]) if sex[0] else None
        if meaning is None:
            score.warning.clear_message()
        elif meaning[0]:
            score.warning.warning(meaning[1])
        else:
            score.warning.info(meaning[1])

    def read_sex() -> None:
        session, pid = parts.session(), parts.host.patient_id
        sex[0] = None
        computed_last[0] = ""
        tobacco()
        audit_c()
        if session is None or pid is None:
            return
        patients = parts.services.inst.patients

        def known(found: str) -> None:
            sex[0] = found
            audit_c()

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err  # without it the score still shows, only not its meaning

        Op(
            parts.widget, lambda: patients.get(session, pid).sex, runner=parts.runner, key="sex"
        ).success(known).failure(failed).run()

    for name in ("packs_per_day", "years_smoked"):
        number = inputs[name].number
        if number is not None:
            number.edit.textChanged.connect(lambda _t: pack_years())
    status = inputs["smoking_status"].combo
    if status is not None:
        status.currentIndexChanged.connect(lambda _i: tobacco())
    for name in AUDIT_C_FIELDS:
        combo = inputs[name].combo
        if combo is not None:
            combo.currentIndexChanged.connect(lambda _i: audit_c())
    parts.filled.connect(read_sex)
