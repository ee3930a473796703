"""The permission matrix: role x data category -> allowed actions (DESIGN §5).

Checked in the service layer for every call; the UI only uses it to hide what would be refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from medrec_desktop.domain.dto import UserSession
from medrec_desktop.domain.enums import Action as A
from medrec_desktop.domain.enums import DataCategory as C
from medrec_desktop.domain.enums import Role as R

# Own session: sign in and out, change one's own password, see one's own emergency grants.
_SESSION = {A.LOGIN, A.LOGOUT, A.LOGIN_FAILED, A.UPDATE, A.VIEW}
_READ = {A.VIEW, A.QUERY, A.PRINT}
_WRITE = {A.CREATE, A.UPDATE}
_ALL = {A.VIEW, A.QUERY, A.CREATE, A.UPDATE, A.DELETE, A.PRINT, A.EXPORT}

MATRIX: Mapping[R, Mapping[C, frozenset[A]]] = {
    R.FRONT_DESK: {
        C.SESSION: frozenset(_SESSION),
        C.DEMOGRAPHICS: frozenset(_READ | _WRITE),
        C.CODING: frozenset({A.VIEW, A.QUERY}),
    },
    R.NURSE: {
        C.SESSION: frozenset(_SESSION | {A.BREAK_GLASS}),
        C.DEMOGRAPHICS: frozenset(_READ | _WRITE),
        C.CLINICAL: frozenset(_READ | _WRITE),
        C.CODING: frozenset({A.VIEW, A.QUERY}),
        # Whoever is signed in where the scanner writes picks new scans up into the encrypted
        # store (nothing is shown); reading and filing them is the records specialist's job.
        C.INBOX: frozenset({A.CREATE}),
    },
    R.PROVIDER: {
        C.SESSION: frozenset(_SESSION | {A.BREAK_GLASS}),
        C.DEMOGRAPHICS: frozenset(_READ | _WRITE | {A.EXPORT}),
        C.CLINICAL: frozenset(_ALL),
        C.SENSITIVE: frozenset(_ALL),
        C.CODING: frozenset({A.VIEW, A.QUERY}),
        C.INBOX: frozenset({A.CREATE}),
    },
    R.RECORDS: {
        C.SESSION: frozenset(_SESSION | {A.BREAK_GLASS}),
        C.DEMOGRAPHICS: frozenset(_ALL),
        C.CLINICAL: frozenset(_ALL),
        # Gatekeepers release records, sensitive ones included, under an authorization.
        C.SENSITIVE: frozenset(_READ | {A.EXPORT}),
        C.CODING: frozenset({A.VIEW, A.QUERY}),
        # Records specialists keep the clinic's reference data current: they import releases.
        C.CODESET: frozenset({A.VIEW, A.QUERY, A.CREATE}),
        # The scanner inbox: pick up, read, file, split, "not ours" (issue 12).
        C.INBOX: frozenset(_ALL),
        # Issue 14: records from another system (a FHIR Bundle) are imported by the records
        # specialist who receives them, not by whoever may chart.
        C.RECORD_IMPORT: frozenset({A.CREATE}),
    },
    R.CODER: {
        C.SESSION: frozenset(_SESSION),
        C.DEMOGRAPHICS: frozenset({A.VIEW, A.QUERY}),
        C.CLINICAL: frozenset({A.VIEW, A.QUERY}),
        C.CODING: frozenset(_ALL),
        # Coders search and check codes; importing a release is records' or IT's job.
        C.CODESET: frozenset({A.VIEW, A.QUERY}),
    },
    R.ADMIN: {
        # Administrators run the system and see no clinical data (minimum necessary); issue 3
        # has them merge duplicate registrations, which needs demographics only.
        C.SESSION: frozenset(_SESSION),
        C.DEMOGRAPHICS: frozenset({A.VIEW, A.QUERY, A.DELETE}),
        C.USERS: frozenset(_ALL | {A.ADMIN}),
        C.AUDIT: frozenset({A.VIEW, A.QUERY, A.EXPORT}),
        C.SETTINGS: frozenset(_ALL | {A.ADMIN}),
        C.BACKUP: frozenset(_ALL | {A.ADMIN}),
        C.CODING: frozenset(_ALL | {A.ADMIN}),
        # DESIGN §1: administrators manage code-set updates.
        C.CODESET: frozenset({A.VIEW, A.QUERY, A.CREATE, A.ADMIN}),
        # Issue 14: the bulk export of every patient is the administrators' (a migration, a
        # registry, a backup in an open format). Only the export itself: no chart is shown,
        # and each run is one disclosure naming every patient it carried.
        C.BULK_EXPORT: frozenset({A.EXPORT}),
    },
}

# What an active break-the-glass grant adds, for its one patient only.
BREAK_GLASS_CATEGORIES = frozenset({C.DEMOGRAPHICS, C.CLINICAL, C.SENSITIVE})
BREAK_GLASS_ACTIONS = frozenset({A.VIEW, A.QUERY, A.PRINT, A.CREATE, A.UPDATE})
BREAK_GLASS_DURATION = dt.timedelta(minutes=60)


def allowed(role: R, action: A, category: C) -> bool:
    return action in MATRIX.get(role, {}).get(category, frozenset())


def session_allows(session: UserSession | None, action: A, category: C = C.CLINICAL) -> bool:
    """Whether a signed-in user's role may do ``action`` on ``category`` (no session: no)."""
    return session is not None and allowed(session.role, action, category)


def break_glass_covers(action: A, category: C) -> bool:
    return action in BREAK_GLASS_ACTIONS and category in BREAK_GLASS_CATEGORIES


def may_break_glass(role: R) -> bool:
    return allowed(role, A.BREAK_GLASS, C.SESSION)
