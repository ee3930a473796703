"""Lab tests on the generic clinical item service (issue 10), and the panel templates the
test form starts from: the bundled ones (``domain/panels.py``) and the clinic's own.

Templates hold no patient data: they are reference data that whoever enters results may add
to or retire (audited as clinical-data acts, so the roles that enter results can do it from
the results page; an administrator, who sees no clinical data, has no use for them). A
template is never deleted: retiring takes it off the "Add panel" list, and every test keeps
its own copy of what the template said.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from medrec_desktop.domain.enums import Action, ChangeKind, DataCategory
from medrec_desktop.domain.errors import NotFoundError, ValidationError
from medrec_desktop.domain.item_codec import from_plain, to_plain
from medrec_desktop.domain.panels import BUNDLED, AnalyteTemplate, PanelTemplate, TemplateInput
from medrec_desktop.domain.results import LabTestData, LabTestInput
from medrec_desktop.models import LabTest, ResultTemplate
from medrec_desktop.services import versioning
from medrec_desktop.services.base import Op, audited
from medrec_desktop.services.clinical_items import ClinicalItemKind, ClinicalItemService
from medrec_desktop.services.context import iso
from medrec_desktop.services.encounter_links import linked_before_save, refuse_locked_entry

LAB_TESTS = ClinicalItemKind(
    model=LabTest,
    data=LabTestData,
    input=LabTestInput,
    noun="test",
    change=ChangeKind.RESULTS,
    # The encounter link: this patient's, not signed; a test in a signed note is locked.
    before_save=linked_before_save,
    before_entered_in_error=refuse_locked_entry,
)

CLINIC_KEY = "clinic-"


def _template(row: ResultTemplate, names: dict[int, str]) -> PanelTemplate:
    analytes = tuple(from_plain(AnalyteTemplate, a) for a in json.loads(row.analytes))
    return PanelTemplate(
        key=f"{CLINIC_KEY}{row.id}",
        name=row.name,
        loinc=row.loinc,
        specimen=row.specimen,
        analytes=analytes,
        template_id=row.id,
        added_by=names.get(row.created_by, "(unknown user)"),
        retired=row.retired,
    )


class LabTestService(ClinicalItemService[LabTestData, LabTestInput]):
    """``inst.lab_tests``: the generic list, add, update, history and entered-in-error for
    tests, plus the panel templates."""

    @audited(Action.VIEW, DataCategory.CLINICAL)
    def templates(self, op: Op, *, include_retired: bool = False) -> tuple[PanelTemplate, ...]:
        """The bundled templates, then the clinic's own by name (retired ones on request)."""
        query = select(ResultTemplate).order_by(func.lower(ResultTemplate.name))
        if not include_retired:
            query = query.where(ResultTemplate.retired.is_(False))
        rows = list(op.db.execute(query).scalars())
        names = versioning.display_names(op.db, {r.created_by for r in rows})
        op.event.detail = f"{len(BUNDLED)} bundled and {len(rows)} clinic templates"
        return BUNDLED + tuple(_template(r, names) for r in rows)

    @audited(Action.CREATE, DataCategory.CLINICAL)
    def add_template(self, op: Op, data: TemplateInput) -> PanelTemplate:
        """A clinic template; its name must differ from every other template's."""
        name, loinc, specimen, analytes = data.validated()
        taken = {t.name.casefold() for t in BUNDLED} | {
            n.casefold() for n in op.db.execute(select(ResultTemplate.name)).scalars()
        }
        if name.casefold() in taken:
            raise ValidationError(
                "A template of that name exists (perhaps retired); choose another name.",
                field="name",
            )
        row = ResultTemplate(
            name=name,
            loinc=loinc,
            specimen=specimen,
            analytes=json.dumps(to_plain(analytes), sort_keys=True),
            created_by=op.user.id,
            created_at=iso(op.ctx.now()),
            retired=False,
        )
        op.db.add(row)
        op.db.flush()
        op.event.detail = f"result template {row.id} added, {len(analytes)} analytes"
        return _template(row, {op.user.id: op.user.display_name})

    @audited(Action.UPDATE, DataCategory.CLINICAL)
    def retire_template(self, op: Op, template_id: int) -> PanelTemplate:
        """Off the "Add panel" list for good; tests entered from it keep their results."""
        row = op.db.get(ResultTemplate, template_id, with_for_update=True)
        if row is None:
            raise NotFoundError("That template does not exist.")
        if row.retired:
            raise ValidationError("That template is retired already.")
        row.retired = True
        op.db.flush()
        op.event.detail = f"result template {row.id} retired"
        return _template(row, versioning.display_names(op.db, {row.created_by}))
