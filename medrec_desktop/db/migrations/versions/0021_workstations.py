"""Workstations of a clinic server and the enrollment codes that join them (issue 15).

``workstation``: one row per computer working on the server (its data folder remembers the
``uid``); removing one sets ``revoked_*``. ``enrollment``: one row per code an administrator
issued: the public lookup part, salt and Argon2id parameters, the SHA-256 of the proof the code
gives, and the sealed payload (emptied once used, locked or expired). On the one-computer file
the tables are made and stay empty.

On PostgreSQL the joining workstation has no account that may read a table: it connects as the
enrollment role (``medrec server setup`` makes it, with a documented password: it is no secret)
and may only call two functions, which run as their owner (SECURITY DEFINER, with a fixed
search_path so nobody's objects are found before the clinic's):

- ``medrec_enrollment_salt(lookup)``: the salt and Argon2id parameters of that code (NULL if
  there is none), which the joining workstation needs to derive its proof.
- ``medrec_claim_enrollment(lookup, proof)``: compares SHA-256(proof) with the verifier in
  constant time; refuses a code used, expired or locked; counts a wrong proof (5 and the code is
  locked and its payload erased); marks the code used and hands back its sealed payload once.
  The row is locked first (FOR UPDATE), so of two claims at once exactly one gets it. It
  returns an outcome rather than raising, so that a counted failure is committed.

EXECUTE stays with PUBLIC (PostgreSQL's default for functions): the role names are chosen at
``medrec server setup``, after which this migration runs, so it cannot name them. That is safe:
only the owner, the application role and the enrollment role may CONNECT to the clinic's
database (setup revokes it from PUBLIC), and the functions give nothing but ciphertext, to a
caller who proves knowledge of the code's secret part.

Revision ID: 0021
Revises: 0019 (re-chained at merge: 0020 comes from another branch)
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

MAX_FAILURES = 5  # the service's message says the same number (services/workstation_join.py)

_SALT = """
CREATE FUNCTION medrec_enrollment_salt(code_lookup text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$ SELECT kdf FROM enrollment WHERE lookup = code_lookup $$
"""

_CLAIM = """
CREATE FUNCTION medrec_claim_enrollment(code_lookup text, proof bytea)
RETURNS TABLE (outcome text, payload bytea, tries_left integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp
AS $$
DECLARE
    e record;
    stamp text := to_char(clock_timestamp() AT TIME ZONE 'UTC',
                          'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    expected bytea;
    given bytea;
    diff integer := 0;
BEGIN
    SELECT id, verifier, ciphertext, expires_at, used_at, failed_attempts INTO e
      FROM enrollment WHERE lookup = code_lookup FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown'::text, NULL::bytea, 0;
        RETURN;
    END IF;
    IF e.used_at IS NOT NULL THEN
        RETURN QUERY SELECT 'used'::text, NULL::bytea, 0;
        RETURN;
    END IF;
    IF e.failed_attempts >= {max_failures} THEN
        RETURN QUERY SELECT 'locked'::text, NULL::bytea, 0;
        RETURN;
    END IF;
    IF e.expires_at <= stamp OR e.ciphertext IS NULL THEN
        UPDATE enrollment SET ciphertext = NULL WHERE id = e.id;
        RETURN QUERY SELECT 'expired'::text, NULL::bytea, 0;
        RETURN;
    END IF;
    expected := decode(e.verifier, 'hex');
    IF proof IS NULL OR length(proof) <> 32 OR length(expected) <> 32 THEN
        diff := 1;
    ELSE
        given := sha256(proof);
        -- every byte is compared, whatever the first difference: constant time
        FOR i IN 0..31 LOOP
            diff := diff | (get_byte(expected, i) # get_byte(given, i));
        END LOOP;
    END IF;
    IF diff <> 0 THEN
        UPDATE enrollment
           SET failed_attempts = failed_attempts + 1,
               ciphertext = CASE WHEN failed_attempts + 1 >= {max_failures}
                                 THEN NULL ELSE ciphertext END
         WHERE id = e.id;
        RETURN QUERY SELECT
            CASE WHEN e.failed_attempts + 1 >= {max_failures} THEN 'locked' ELSE 'wrong' END,
            NULL::bytea,
            {max_failures} - e.failed_attempts - 1;
        RETURN;
    END IF;
    UPDATE enrollment SET used_at = stamp, ciphertext = NULL WHERE id = e.id;
    RETURN QUERY SELECT 'ok'::text, e.ciphertext, 0;
END
$$
"""


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
        sa.UniqueConstraint("lookup", name="uq_enrollment_lookup"),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # Pinned to the schema the tables are made in (db.server_roles.lock_down pins it again
    # after a restore that renamed the schema).
    schema = bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar_one()
    for statement in (_SALT, _CLAIM):
        # Straight to the driver: SQLAlchemy's text() would read PL/pgSQL's := as a parameter.
        bind.exec_driver_sql(statement.format(schema=schema, max_failures=MAX_FAILURES))


def downgrade() -> None:
    raise NotImplementedError("medrec never downgrades a clinic database; restore a backup")
