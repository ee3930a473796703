"""The code-set store's SQLite schema (a plain file: it holds no PHI) and where the file lives."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

import medrec_desktop

#: Bump when the schema or the build changes: an older store file is rebuilt.
SCHEMA_VERSION = "3"
STORE_FILE = "codesets.sqlite"

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE release(
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    code_count INTEGER NOT NULL DEFAULT 0,
    billable_count INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'titles'      -- titles | pending (codes known, titles not yet)
);
CREATE TABLE code(
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES release(id),
    system TEXT NOT NULL,
    code TEXT NOT NULL,                      -- normalised: upper case, no dot
    kind TEXT NOT NULL,                      -- chapter | section | code
    title TEXT,                              -- NULL: title not yet released
    billable INTEGER NOT NULL,
    parent TEXT,
    terms TEXT NOT NULL DEFAULT '',          -- inclusion terms, searchable
    expanded INTEGER NOT NULL DEFAULT 0,     -- 1: a header + 7th character (S72.001A)
    UNIQUE(release_id, code)
);
CREATE INDEX code_by_code ON code(code, system);
CREATE INDEX code_expanded_by_parent ON code(parent) WHERE expanded = 1;
CREATE TABLE note(release_id INTEGER NOT NULL, owner TEXT NOT NULL, kind TEXT NOT NULL,
                  text TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX note_by_owner ON note(owner, release_id);
CREATE TABLE seventh(release_id INTEGER NOT NULL, owner TEXT NOT NULL, char TEXT NOT NULL,
                     meaning TEXT NOT NULL);
CREATE INDEX seventh_by_owner ON seventh(owner, release_id);
CREATE TABLE excludes1(release_id INTEGER NOT NULL, owner TEXT NOT NULL, lo TEXT NOT NULL,
                       hi TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX excludes1_by_owner ON excludes1(owner);
CREATE TABLE validity(system TEXT NOT NULL, code TEXT NOT NULL, start INTEGER NOT NULL,
                      end INTEGER NOT NULL, flags TEXT NOT NULL DEFAULT '',
                      source TEXT NOT NULL);
CREATE INDEX validity_by_code ON validity(code, system);
CREATE TABLE hcc(code TEXT NOT NULL, payment_year INTEGER NOT NULL, model TEXT NOT NULL,
                 category TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX hcc_by_code ON hcc(code);
CREATE VIRTUAL TABLE fts USING fts5(
    title, terms, content='', tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'
);
-- The same without the ~51,000 codes made by adding a 7th character to a header: common words
-- (fracture, encounter, left) then have short doclists, so ranking stays cheap. Searches use it
-- unless the query names a 7th-character meaning (initial, subsequent, sequela...).
-- every word the index holds: whole words are matched as words, not as prefixes
CREATE TABLE vocab(term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts_core USING fts5(
    title, terms, content='', tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'
);
"""


def store_dir() -> Path:
    """MEDREC_CODES_DIR, else the user cache directory: the store can always be rebuilt."""
    env = os.environ.get("MEDREC_CODES_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("medrec-desktop", appauthor=False)) / "codesets"


def resources_dir() -> Path:
    """MEDREC_RESOURCES (set by the frozen build), else ``resources/`` at the repository root."""
    env = os.environ.get("MEDREC_RESOURCES")
    if env:
        return Path(env)
    return Path(medrec_desktop.__file__).resolve().parent.parent / "resources"


def read_data_lines(path: Path, what: str, error: type[Exception]) -> list[str]:
    """The lines of a data file the application ships (the coding vocabularies); a file that
    cannot be read raises ``error`` saying which and what to do."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise error(
            f"The {what} {path} could not be read ({exc.strerror}); reinstall the"
            " application or restore the file."
        ) from None


def bundled_pcs_file() -> Path:
    return resources_dir() / "codesets" / "icd10pcs_codes_2024.txt"


def package_dir(name: str) -> Path:
    """A package's folder, found without importing it (simple_icd_10_cm parses its whole
    XML on import, ~1.5 s and ~200 MB)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(name)
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_tabular_file() -> Path:
    return package_dir("simple_icd_10_cm") / "data" / "icd10c-tabular-April-1-2026.xml"
