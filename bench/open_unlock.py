"""Open + unlock time: keyring key vs workstation passphrase (Argon2id) vs SQLCipher's own KDF.

The figure is the median time of `Installation.open` (unlock the key slot, open the encrypted
file, check the schema, record the audited open) with the key held by the keyring. Beside it:
the same with the workstation passphrase (Argon2id at the real default parameters), and the
naive baseline, SQLCipher keyed with a passphrase through its own PBKDF2 (256,000 rounds).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from _common import median_seconds, write_result

from medrec_desktop.paths import DataPaths
from medrec_desktop.security import keyslots
from medrec_desktop.services.installation import Installation, NewAdmin, Unlock
from tests.support.secrets import InMemorySecretStore

RUNS = 15
PASSPHRASE = "workstation pass phrase"


def main() -> None:
    print(
        f"Argon2id defaults: t={keyslots.KDF_TIME}, m={keyslots.KDF_MEMORY_KIB} KiB, "
        f"p={keyslots.KDF_LANES}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = DataPaths(Path(tmp) / "data")
        store = InMemorySecretStore()
        inst, _ = Installation.create(
            paths,
            admin=NewAdmin("admin", "Ada Admin", "correct horse battery"),
            secret_store=store,
            passphrase=PASSPHRASE,
        )
        inst.close()

        def open_with(how: Unlock) -> None:
            Installation.open(paths, how).close()

        keyring_s = median_seconds(lambda: open_with(Unlock(secret_store=store)), RUNS)
        passphrase_s = median_seconds(lambda: open_with(Unlock(passphrase=PASSPHRASE)), RUNS)

        plain = Path(tmp) / "sqlcipher-kdf.db"
        conn = sqlcipher.connect(str(plain))
        conn.execute(f"PRAGMA key = '{PASSPHRASE}'")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()

        def sqlcipher_kdf_open() -> None:
            c = sqlcipher.connect(str(plain))
            c.execute(f"PRAGMA key = '{PASSPHRASE}'")
            c.execute("SELECT count(*) FROM sqlite_master").fetchone()
            c.close()

        baseline_s = median_seconds(sqlcipher_kdf_open, RUNS)

    print(f"open with the workstation passphrase (Argon2id): {passphrase_s * 1000:.1f} ms")
    write_result(
        "open_unlock",
        figure="open + unlock with the keyring key (median)",
        unit="ms",
        value=keyring_s * 1000,
        baseline="SQLCipher's own passphrase KDF (PBKDF2-HMAC-SHA512, 256k), bare connect",
        baseline_value=baseline_s * 1000,
        target="< 50 ms",
        extra={"passphrase_argon2id_ms": round(passphrase_s * 1000, 2), "runs": RUNS},
    )


if __name__ == "__main__":
    main()
