"""The codes of one encounter as the coder edits them, before they are saved: diagnoses in
order, procedure lines with modifiers, units and pointers, and the setting.

Every change goes through here so that the pointers always follow the diagnoses they point
to (``domain.coding_work.move_diagnosis`` / ``remove_diagnosis``), and so that "unsaved
changes" is a plain comparison with what was last loaded or saved (changing a code and
changing it back is not a change).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from medrec_desktop.domain.coding_work import (
    MAX_MODIFIERS,
    MAX_POINTERS,
    MAX_UNITS,
    POINTABLE_DIAGNOSES,
    CareSetting,
    CodedDiagnosis,
    CodedProcedure,
    CodingData,
    CodingInput,
    ProcedureSystem,
    move_diagnosis,
    remove_diagnosis,
)
from medrec_desktop.domain.errors import ValidationError


def _plain(code: str) -> str:
    return code.replace(".", "").replace(" ", "").upper()


def parse_modifiers(text: str) -> tuple[str, ...]:
    """ "25 lt" or "25,LT" -> ("25", "LT"); a plain-words refusal naming the field."""
    found = tuple(m for m in text.replace(",", " ").upper().split() if m)
    if len(found) > MAX_MODIFIERS:
        raise ValidationError(
            f"Modifiers: a line takes at most {MAX_MODIFIERS} modifiers.", field="modifiers"
        )
    for m in found:
        if len(m) != 2 or not m.isalnum():
            raise ValidationError(
                f"Modifiers: “{m}” is not a modifier; a modifier is two letters or digits, "
                "like 25 or LT.",
                field="modifiers",
            )
    if len(set(found)) != len(found):
        raise ValidationError("Modifiers: a modifier is listed twice.", field="modifiers")
    return found


def parse_pointers(text: str, diagnoses: int) -> tuple[int, ...]:
    """ "1,2" or "2 1" -> (1, 2) in the order typed (the first is the primary reason)."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if len(parts) > MAX_POINTERS:
        raise ValidationError(
            f"Diagnosis pointers: a line points to at most {MAX_POINTERS} diagnoses.",
            field="pointers",
        )
    out: list[int] = []
    for p in parts:
        if not p.isdigit():
            raise ValidationError(
                f"Diagnosis pointers: “{p}” is not a diagnosis number; type the numbers of "
                "the diagnoses, like 1,2.",
                field="pointers",
            )
        n = int(p)
        if not 1 <= n <= diagnoses:
            raise ValidationError(
                f"Diagnosis pointers: there is no diagnosis {n} (the encounter has {diagnoses}).",
                field="pointers",
            )
        if n > POINTABLE_DIAGNOSES:
            raise ValidationError(
                f"Diagnosis pointers: a line can point only to the first "
                f"{POINTABLE_DIAGNOSES} diagnoses.",
                field="pointers",
            )
        if n in out:
            raise ValidationError(
                f"Diagnosis pointers: diagnosis {n} is listed twice.", field="pointers"
            )
        out.append(n)
    return tuple(out)


def parse_units(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_UNITS:
        raise ValidationError(f"Units: a whole number from 1 to {MAX_UNITS}.", field="units")
    return int(text)


class CodesEditor(QObject):
    """What the coding screen edits; ``changed`` after every change (and every load)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setting = CareSetting.OUTPATIENT
        self.diagnoses: tuple[CodedDiagnosis, ...] = ()
        self.procedures: tuple[CodedProcedure, ...] = ()
        self._baseline = self.input()

    # ------------------------------------------------------------------ whole

    def load(self, data: CodingData | None) -> None:
        """Show ``data`` (None: never coded) and take it as the saved state."""
        self.setting = data.setting if data is not None else CareSetting.OUTPATIENT
        self.diagnoses = data.diagnoses if data is not None else ()
        self.procedures = data.procedures if data is not None else ()
        self._baseline = self.input()
        self.changed.emit()

    def restore(self, edited: CodingInput) -> None:
        """Put back codes being edited over what :meth:`load` took as saved."""
        self.setting = CareSetting(edited.setting)
        self.diagnoses, self.procedures = edited.diagnoses, edited.procedures
        self.changed.emit()

    def input(self) -> CodingInput:
        return CodingInput(
            setting=self.setting, diagnoses=self.diagnoses, procedures=self.procedures
        )

    @property
    def dirty(self) -> bool:
        return self.input() != self._baseline

    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnoses)

    def index_of(self, code: str) -> int | None:
        wanted = _plain(code)
        for i, d in enumerate(self.diagnoses):
            if _plain(d.code) == wanted:
                return i
        return None

    def set_setting(self, setting: CareSetting) -> None:
        if setting is not self.setting:
            self.setting = setting
            self.changed.emit()

    # ------------------------------------------------------------------ diagnoses

    def add_diagnosis(self, code: str, title: str, problem_id: int | None = None) -> int:
        """Add at the end; a code already listed is not added twice (linked to the problem
        if it was not). Returns the row of the code."""
        found = self.index_of(code)
        if found is not None:
            if problem_id is not None and self.diagnoses[found].problem_id is None:
                dx = list(self.diagnoses)
                dx[found] = replace(dx[found], problem_id=problem_id)
                self.diagnoses = tuple(dx)
                self.changed.emit()
            return found
        first = not self.diagnoses
        self.diagnoses = (*self.diagnoses, CodedDiagnosis(code, title, problem_id))
        if first:
            # Lines added before any diagnosis point to the first one once there is one.
            self.procedures = tuple(
                replace(p, pointers=(1,)) if p.system.takes_modifiers and not p.pointers else p
                for p in self.procedures
            )
        self.changed.emit()
        return len(self.diagnoses) - 1

    def move_diagnosis(self, old: int, new: int) -> bool:
        if old == new or not (0 <= old < len(self.diagnoses) and 0 <= new < len(self.diagnoses)):
            return False
        self.diagnoses, self.procedures = move_diagnosis(self.diagnoses, self.procedures, old, new)
        self.changed.emit()
        return True

    def remove_diagnosis(self, index: int) -> bool:
        if not 0 <= index < len(self.diagnoses):
            return False
        self.diagnoses, self.procedures = remove_diagnosis(self.diagnoses, self.procedures, index)
        self.changed.emit()
        return True

    def retitle(self, code: str, title: str) -> None:
        """The code set's title for a code added with another text (a problem's words)."""
        found = self.index_of(code)
        if found is not None and title and self.diagnoses[found].title != title:
            dx = list(self.diagnoses)
            dx[found] = replace(dx[found], title=title)
            self.diagnoses = tuple(dx)
            self.changed.emit()

    # ------------------------------------------------------------------ procedures

    def add_procedure(self, system: ProcedureSystem, code: str, title: str) -> int:
        # A professional line is for the first-listed diagnosis unless the coder says else.
        pointers = (1,) if system.takes_modifiers and self.diagnoses else ()
        line = CodedProcedure(system=system, code=code, title=title, pointers=pointers)
        self.procedures = (*self.procedures, line)
        self.changed.emit()
        return len(self.procedures) - 1

    def move_procedure(self, old: int, new: int) -> bool:
        px = list(self.procedures)
        if old == new or not (0 <= old < len(px) and 0 <= new < len(px)):
            return False
        px.insert(new, px.pop(old))
        self.procedures = tuple(px)
        self.changed.emit()
        return True

    def remove_procedure(self, index: int) -> bool:
        if not 0 <= index < len(self.procedures):
            return False
        self.procedures = tuple(p for i, p in enumerate(self.procedures) if i != index)
        self.changed.emit()
        return True

    def edit_procedure(self, index: int, what: str, text: str) -> None:
        """Set a line's ``modifiers``, ``units`` or ``pointers`` from what was typed;
        ValidationError (nothing changed) when the text is not one."""
        line = self.procedures[index]
        if not line.system.takes_modifiers:
            raise ValidationError(
                "ICD-10-PCS codes take no modifiers, units or pointers.", field=what
            )
        if what == "modifiers":
            line = replace(line, modifiers=parse_modifiers(text))
        elif what == "units":
            line = replace(line, units=parse_units(text))
        elif what == "pointers":
            line = replace(line, pointers=parse_pointers(text, len(self.diagnoses)))
        else:
            raise ValueError(what)
        if line != self.procedures[index]:
            px = list(self.procedures)
            px[index] = line
            self.procedures = tuple(px)
            self.changed.emit()
