"""Workstations of a clinic server and the enrollment codes that join them (issue 15).

``workstation``: one row per computer working on the server (its data folder remembers the
``uid``); removing one sets ``revoked_*``. ``enrollment``: one row per code an administrator
issued: the public lookup part, salt and Argon2id parameters, the SHA-256 of the proof the code
gives, and the sealed payload (emptied once used, locked or expired). On the one-computer file
the tables are made and stay empty.

On PostgreSQL the joining workstation has no account that may read a table: it connects as the
enrollment role (``medrec server setup`` makes it, with a documented password: it is no secret)
and may only call three functions, which run as their owner (SECURITY DEFINER, with a fixed
search_path so nobody's objects are found before the clinic's):

- ``medrec_enrollment_salt(lookup)``: the salt and Argon2id parameters of that code (NULL if
  there is none), which the joining workstation needs to derive its proof.
- ``medrec_claim_enrollment(lookup, proof, nonce)`` (step 1): compares SHA-256(proof) with the
  verifier in constant time; counts a wrong proof (5 and the code is locked and its payload
  erased); for the right one marks the code used and notes the claiming transaction
  (``claim_txid``) and SHA-256 of the caller's random nonce. It answers nothing. The row is
  locked first (FOR UPDATE), so of two claims at once exactly one gets it.
- ``medrec_enrollment_payload(lookup, proof, nonce)`` (step 2, after step 1 was committed):
  hands the sealed payload, once, to the holder of the right proof and nonce of a claim that a
  *committed, other* transaction made (``txid_status``); otherwise says what the committed
  state is (used, locked, expired, or open: the caller's proof was wrong, with the tries left).

Why two steps: the enrollment role's password is public, so anyone may call the functions in
a transaction and roll it back. Whatever step 1 did is then undone, but so is everything it
could have told: a wrong try is learnt to be wrong only once it is counted for good, and the
payload leaves the server only once the code is durably spent (the real workstation would
find it used: a theft cannot go unnoticed). Step 2 refuses the transaction that made the
attempt (``attempt_txid``), which alone could see that attempt's uncommitted effects.

EXECUTE stays with PUBLIC (PostgreSQL's default for functions): the role names are chosen at
``medrec server setup``, after which this migration runs, so it cannot name them. That is safe:
only the owner, the application role and the enrollment role may CONNECT to the clinic's
database (setup revokes it from PUBLIC), and the functions give nothing but ciphertext, to a
caller who proves knowledge of the code's secret part.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

MAX_FAILURES = 5  # the service's message says the same number (services/workstation_join.py)

_SALT = """
CREATE FUNCTION medrec_enrollment_salt(code_lookup text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$ SELECT kdf FROM enrollment WHERE lookup = code_lookup $$
"""

# Every byte of SHA-256(proof) is compared with the verifier, whatever the first difference:
# constant time. Sets ``diff`` (0: the proof is right).
_COMPARE = """
    expected := decode(e.verifier, 'hex');
    IF proof IS NULL OR length(proof) <> 32 OR length(expected) <> 32 THEN
        diff := 1;
    ELSE
        given := sha256(proof);
        FOR i IN 0..31 LOOP
            diff := diff | (get_byte(expected, i) # get_byte(given, i));
        END LOOP;
    END IF;
"""

_STAMP = """to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""

# Step 1: records the attempt and says nothing about it. A wrong proof is counted, a right one
# spends the code (``used_at``) and notes which transaction claimed it and the hash of the
# claimant's nonce; the answer comes from step 2, in another transaction, only once this one
# is committed. A caller that rolls step 1 back has learnt nothing and obtained nothing.
_CLAIM = """
CREATE FUNCTION medrec_claim_enrollment(code_lookup text, proof bytea, nonce bytea)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$
DECLARE
    e record;
    stamp text := @STAMP@;
    me bigint := txid_current();
    expected bytea;
    given bytea;
    diff integer := 0;
BEGIN
    IF nonce IS NULL OR length(nonce) <> 32 THEN
        RAISE EXCEPTION 'medrec_claim_enrollment needs a nonce of 32 random bytes';
    END IF;
    SELECT id, verifier, ciphertext, expires_at, used_at, failed_attempts INTO e
      FROM enrollment WHERE lookup = code_lookup FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- This transaction may not ask step 2 for the outcome (it would see its own changes).
    UPDATE enrollment SET attempt_txid = me WHERE id = e.id;
    IF e.used_at IS NOT NULL OR e.failed_attempts >= {max_failures} THEN
        RETURN;
    END IF;
    IF e.expires_at <= stamp OR e.ciphertext IS NULL THEN
        UPDATE enrollment SET ciphertext = NULL WHERE id = e.id;
        RETURN;
    END IF;
@COMPARE@
    IF diff <> 0 THEN
        UPDATE enrollment
           SET failed_attempts = failed_attempts + 1,
               ciphertext = CASE WHEN failed_attempts + 1 >= {max_failures}
                                 THEN NULL ELSE ciphertext END
         WHERE id = e.id;
    ELSE
        UPDATE enrollment
           SET used_at = stamp, claim_txid = me, claim_nonce = encode(sha256(nonce), 'hex')
         WHERE id = e.id;
    END IF;
END
$$
""".replace("@STAMP@", _STAMP).replace("@COMPARE@", _COMPARE)

# Step 2: the outcome of a committed step 1. The payload only to the caller holding the right
# proof and the nonce of a claim committed by another transaction; otherwise the code's state
# as committed (used, locked, expired, or still open: then the caller's proof was wrong), which
# says nothing about a proof that was not counted. It refuses the transaction that made the
# attempt. The payload is erased as it is handed out.
_PAYLOAD = """
CREATE FUNCTION medrec_enrollment_payload(code_lookup text, proof bytea, nonce bytea)
RETURNS TABLE (outcome text, payload bytea, tries_left integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$
DECLARE
    e record;
    stamp text := @STAMP@;
    expected bytea;
    given bytea;
    diff integer := 0;
BEGIN
    SELECT id, verifier, ciphertext, expires_at, used_at, failed_attempts, claim_txid,
           claim_nonce, attempt_txid INTO e
      FROM enrollment WHERE lookup = code_lookup FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::bytea, 0;
        RETURN;
    END IF;
    IF e.attempt_txid IS NOT NULL AND e.attempt_txid = txid_current_if_assigned() THEN
        RAISE EXCEPTION 'commit the enrollment claim first: its outcome is given to another '
                        'transaction';
    END IF;
@COMPARE@
    IF nonce IS NULL OR length(nonce) <> 32 OR e.claim_nonce IS NULL
       OR e.claim_nonce <> encode(sha256(nonce), 'hex') THEN
        diff := 1;
    END IF;
    IF diff = 0 AND e.used_at IS NOT NULL AND e.claim_txid IS NOT NULL
       AND e.claim_txid IS DISTINCT FROM txid_current_if_assigned()
       AND txid_status(e.claim_txid) = 'committed' THEN
        IF e.ciphertext IS NULL THEN
            RETURN QUERY SELECT 'used'::text, NULL::bytea, 0;
            RETURN;
        END IF;
        UPDATE enrollment SET ciphertext = NULL WHERE id = e.id;
        RETURN QUERY SELECT 'ok'::text, e.ciphertext, 0;
        RETURN;
    END IF;
    IF e.used_at IS NOT NULL THEN
        RETURN QUERY SELECT 'used'::text, NULL::bytea, 0;
    ELSIF e.failed_attempts >= {max_failures} THEN
        RETURN QUERY SELECT 'locked'::text, NULL::bytea, 0;
    ELSIF e.expires_at <= stamp OR e.ciphertext IS NULL THEN
        RETURN QUERY SELECT 'expired'::text, NULL::bytea, 0;
    ELSE
        RETURN QUERY SELECT 'wrong'::text, NULL::bytea, {max_failures} - e.failed_attempts;
    END IF;
END
$$
""".replace("@STAMP@", _STAMP).replace("@COMPARE@", _COMPARE)


def upgrade() -> None:
    op.create_table(
        "workstation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("joined_at", sa.String(32), nullable=False),
        sa.Column(
            "joined_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_workstation_joined_by_app_user"),
            nullable=True,
        ),
        sa.Column("last_seen_at", sa.String(32), nullable=True),
        sa.Column("revoked_at", sa.String(32), nullable=True),
        sa.Column(
            "revoked_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_workstation_revoked_by_app_user"),
            nullable=True,
        ),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.UniqueConstraint("uid", name="uq_workstation_uid"),
    )
    op.create_table(
        "enrollment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lookup", sa.String(8), nullable=False),
        sa.Column("workstation_name", sa.String(64), nullable=False),
        sa.Column("kdf", sa.String(128), nullable=False),
        sa.Column("verifier", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("app_user.id", name="fk_enrollment_created_by_app_user"),
            nullable=False,
        ),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("used_at", sa.String(32), nullable=True),
        sa.Column(
            "used_by_workstation",
            sa.Integer(),
            sa.ForeignKey("workstation.id", name="fk_enrollment_used_by_workstation_workstation"),
            nullable=True,
        ),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        # the two-step claim (see above): who claimed, with which nonce; the last attempt
        sa.Column("claim_txid", sa.BigInteger(), nullable=True),
        sa.Column("claim_nonce", sa.String(64), nullable=True),
        sa.Column("attempt_txid", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("lookup", name="uq_enrollment_lookup"),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Pinned to the schema the tables are made in (db.server_roles.lock_down pins it again
    # after a restore that renamed the schema).
    schema = bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar_one()
    for statement in (_SALT, _CLAIM, _PAYLOAD):
        # Straight to the driver: SQLAlchemy's text() would read PL/pgSQL's := as a parameter.
        bind.exec_driver_sql(statement.format(schema=schema, max_failures=MAX_FAILURES))


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
