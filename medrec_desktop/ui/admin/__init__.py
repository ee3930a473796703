"""Administrator screens: users and roles, audit log, backup and restore, the bulk FHIR
export, clinic settings, documents and the scanner inbox.

Each page is a QWidget built as ``Page(services=..., runner=..., session=..., parent=...)``
with a ``title`` and a ``refresh()`` that reloads through an ``Op``. ``session()`` returns
the signed-in administrator, or None while locked or signed out: pages then do nothing.
"""

from medrec_desktop.ui.admin.audit_page import AuditLogPage
from medrec_desktop.ui.admin.backup_page import BackupPage
from medrec_desktop.ui.admin.bulk_export_page import BulkExportPage
from medrec_desktop.ui.admin.documents_settings_page import DocumentSettingsPage
from medrec_desktop.ui.admin.settings_page import SettingsPage
from medrec_desktop.ui.admin.users_page import UsersPage

ADMIN_PAGES = (
    UsersPage,
    AuditLogPage,
    BackupPage,
    BulkExportPage,
    SettingsPage,
    DocumentSettingsPage,
)

__all__ = [
    "ADMIN_PAGES",
    "AuditLogPage",
    "BackupPage",
    "BulkExportPage",
    "DocumentSettingsPage",
    "SettingsPage",
    "UsersPage",
]
