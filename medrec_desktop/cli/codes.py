"""`medrec codes import`: a new code-set release goes in through the CodingService, signed in,
permission-checked and recorded in the audit trail like any change to the clinic's data.
(Searches, checks and `codes info` touch no patient data and run without signing in.)"""

from __future__ import annotations

import argparse
import json
import sys

from medrec_desktop.cli.common import EXIT_KNOWN, EXIT_OK, _login, _open
from medrec_desktop.coding.cli import release_json
from medrec_desktop.coding.types import CodeSystem
from medrec_desktop.domain.errors import ReleaseLooksIncompleteError
from medrec_desktop.paths import DataPaths
from medrec_desktop.services.coding import CodeSets, CodingService


def cmd_codes_import(args: argparse.Namespace, paths: DataPaths) -> int:
    inst = _open(paths)
    codes = CodeSets()
    try:
        session = _login(inst, args)
        service = CodingService(ctx=inst.ctx, codes=codes)
        imported = []
        for path in args.files:
            try:
                rel = service.import_file(
                    session,
                    path,
                    system=CodeSystem(args.system) if args.system else None,
                    valid_from=args.valid_from,
                    valid_to=args.valid_to,
                    cpt_columns=args.cpt_columns,
                    force=args.force,
                )
            except ReleaseLooksIncompleteError as exc:
                print(f"medrec: {path.name}: {exc} Add --force to do so.", file=sys.stderr)
                return EXIT_KNOWN
            imported.append(rel)
            if not args.json:
                print(
                    f"Imported {rel.name}: {rel.code_count:,} codes,"
                    f" {rel.billable_count:,} billable."
                )
        if args.json:
            print(json.dumps([release_json(r) for r in imported], indent=1))
        return EXIT_OK
    finally:
        codes.close()
        inst.close()
