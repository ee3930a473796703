"""What the inbox's rows show besides the list itself, fetched only for the rows on screen:
the picture of each scan's first page (drawn from its bytes in memory, an audited view) and
the patients suggested for it (an audited suggestion). One request at a time, pictures
first, so the preview of the chosen scan never waits behind a queue of them; each answer is
kept in the model for the life of the screen and never asked for again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSortFilterProxyModel, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QTableView

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.errors import KnownError
from medrec_desktop.domain.inbox import Candidate, InboxEntry, InboxStatus
from medrec_desktop.services.documents import DocumentFile
from medrec_desktop.ui.documents.page_view import edged
from medrec_desktop.ui.documents.pages import page_source
from medrec_desktop.ui.inbox.model import THUMB, InboxModel, thumb_key
from medrec_desktop.ui.itemmodels.base import ROW_ROLE
from medrec_desktop.ui.services_holder import ServicesHolder
from medrec_desktop.ui.tasks import Op, OpRunner


def thumbnail(page: QImage) -> QPixmap:
    """A first page as the list shows it (with an edge: white paper on a white row)."""
    return QPixmap.fromImage(edged(page))


def first_page(file: DocumentFile) -> QPixmap | None:
    """The picture of a scan's first page, or None when no reader takes its file."""
    try:
        return thumbnail(page_source(file.content, file.content_type).thumbnail(0, THUMB.width()))
    except Exception:  # noqa: BLE001 - QtPdf, Pillow: a damaged file gets no picture
        return None


class RowExtras(QObject):
    def __init__(
        self,
        *,
        table: QTableView,
        proxy: QSortFilterProxyModel,
        model: InboxModel,
        services: ServicesHolder,
        runner: OpRunner,
        session: Callable[[], UserSession | None],
    ) -> None:
        super().__init__(table)
        self._table, self._proxy, self._model = table, proxy, model
        self._services, self._runner, self._session = services, runner, session
        self._busy = False
        #: scans whose suggestion failed (removed meanwhile, a file no reader takes)
        self.no_suggestion: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next)
        table.verticalScrollBar().valueChanged.connect(lambda _v: self.want())

    def want(self) -> None:
        """Look (soon) for rows on screen missing their picture or suggestion."""
        self._timer.start()

    def forget(self) -> None:
        self._model.thumbs.clear()
        self._model.no_thumb.clear()
        self._model.suggestions.clear()
        self.no_suggestion.clear()

    def _on_screen(self) -> list[InboxEntry]:
        first = self._table.rowAt(0)
        if first < 0:
            return []
        last = self._table.rowAt(self._table.viewport().height() - 1)
        end = (last if last >= 0 else self._proxy.rowCount() - 1) + 1
        found = [self._proxy.index(r, 0).data(ROW_ROLE) for r in range(first, end)]
        return [e for e in found if isinstance(e, InboxEntry)]

    def _next(self) -> None:
        session = self._session()
        if self._busy or session is None or not self._table.isVisible():
            return
        shown = self._on_screen()
        model = self._model
        drawn = set(model.thumbs) | model.no_thumb
        picture = next((e for e in shown if thumb_key(e) not in drawn), None)
        if picture is not None:
            self._draw(session, picture)
            return
        asked = set(model.suggestions) | self.no_suggestion
        suggest = next(
            (e for e in shown if e.status is InboxStatus.UNFILED and e.id not in asked), None
        )
        if suggest is not None:
            self._suggest(session, suggest)

    def _run(self, op: Op[Any]) -> None:
        self._busy = True

        def done() -> None:
            self._busy = False
            self.want()

        op.finished(done).run()

    def _draw(self, session: UserSession, entry: InboxEntry) -> None:
        inbox = self._services.inst.inbox

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            self._model.set_thumbnail(entry, None)

        self._run(
            Op(self, lambda: inbox.open_file(session, entry.id), runner=self._runner)
            .success(lambda file: self._model.set_thumbnail(entry, first_page(file)))
            .failure(failed)
        )

    def _suggest(self, session: UserSession, entry: InboxEntry) -> None:
        suggestions = self._services.inst.inbox_suggestions

        def found(candidates: list[Candidate]) -> None:
            self._model.set_suggestions(entry.id, candidates)

        def failed(err: BaseException) -> None:
            if not isinstance(err, KnownError):
                raise err
            self.no_suggestion.add(entry.id)

        self._run(
            Op(self, lambda: suggestions.suggest(session, entry.id), runner=self._runner)
            .success(found)
            .failure(failed)
        )
