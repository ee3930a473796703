"""The clinic's CA certificate file, as the set-up wizard's server pages ask for it: a path
typed or chosen in Qt's own file dialog (no "recent files" entry)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from medrec_desktop.ui.widgets.file_dialogs import open_file_path

CERTIFICATE_FILES = "Certificates (*.pem *.crt *.cer);;All files (*)"


class CaCertificateRow(QHBoxLayout):
    """The path field and its "Clinic CA certificate…" button, side by side."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__()
        self._parent = parent
        self.path = QLineEdit()
        self.path.setAccessibleName("Clinic CA certificate file")
        self.path.setPlaceholderText("required for a server on another computer")
        self.button = QPushButton("Clinic CA cer&tificate…")
        self.button.clicked.connect(self.choose)
        self.addWidget(self.path, 1)
        self.addWidget(self.button)

    def choose(self) -> None:
        chosen = open_file_path(
            self._parent, "Clinic CA certificate", CERTIFICATE_FILES, self.path.text()
        )
        if chosen is not None:
            self.path.setText(str(chosen))


__all__ = ["CERTIFICATE_FILES", "CaCertificateRow"]
