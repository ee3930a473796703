"""The other workstations' changes on this one's screens (issue 15, live refresh).

``services.live_changes.listen`` hands each notice over on its listener thread; here it is
queued onto the GUI thread and told to the screens the way this workstation's own saves are:
``changed(patient_id, kinds)`` for each patient, ``inbox_changed`` for the scanner inbox,
then ``remote_changed(notice)`` for the forms that edit one item (they say "changed on another
workstation" before their user saves). See ``ServicesHolder.start_live_refresh``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from medrec_desktop.domain.change_notices import ChangeNotice
from medrec_desktop.services import live_changes
from medrec_desktop.services.context import ServiceContext


class LiveRefresh(QObject):
    """One listener on one installation, delivering on the GUI thread until :meth:`stop`."""

    # Emitted on the listener's thread; queued to this object's (the GUI's).
    _arrived = Signal(object)
    _reconnected = Signal()

    def __init__(
        self,
        ctx: ServiceContext,
        deliver: Callable[[ChangeNotice], None],
        *,
        reconnected: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._deliver = deliver
        self._arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)
        if reconnected is not None:
            self._reconnected.connect(reconnected, Qt.ConnectionType.QueuedConnection)
        self._stopped = False
        self.listener = live_changes.listen(
            ctx, self._arrived.emit, on_reconnect=self._reconnected.emit
        )

    def _on_arrived(self, notice: object) -> None:
        # A notice already queued when the installation was closed or swapped is dropped.
        if not self._stopped and isinstance(notice, ChangeNotice):
            self._deliver(notice)

    def stop(self) -> None:
        self._stopped = True
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
