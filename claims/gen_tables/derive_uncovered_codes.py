#!/usr/bin/env python3
"""Derives uncovered_codes.csv: HCPCS Level II codes that `covenant gen-claims` bills on a
share of its claims so that the Commercial PPO plan refuses them as not covered (CO-96).

Sources (see ../shared/data/claims/README.md for where each was copied from; both are
CMS publications, public domain):
  - the 2019 alpha-numeric HCPCS file, as extracted in
    ../shared/data/claims/cms-hcpcs-level2-2019/hcpcs_level2_2019_sample.csv
    (columns code, modifier, long_description, ..., termination_date, action_code);
  - the April 2026 Addendum B of the CY2026 Medicare OPPS, as extracted in
    ../shared/data/claims/cms-opps-addendum-b/opps_addendum_b_2026-04_codes_si_rates.csv
    (columns hcpcs, status_indicator, payment_rate, source_addendum_month);
and the plan's own fee schedule, contracts/claims/commercial_ppo_fee_schedule.csv.

The rule, code by code of the HCPCS file:
  - keep procedure codes (rows with a code, not the modifier rows) without a termination
    date: codes still current when the 2019 file was published;
  - keep drugs administered other than orally (J0120-J8999, first letter J, not J9: the
    chemotherapy drugs need a prior authorisation under the plan, and the generator states
    that rate separately) whose OPPS status indicator is N (packaged into the APC of the
    service they go with), and durable medical equipment (first letter E) whose status
    indicator is Y (non-implantable DME, paid under the DMEPOS fee schedule): the kinds of
    item a hospital outpatient claim carries that OPPS does not price on its own;
  - the OPPS row must have no payment rate, and the code must be absent from the plan's fee
    schedule (a code with a rate there would be covered);
  - rows are written sorted by code under the header `hcpcs,kind` (kind: drug or equipment).

Usage (from the repository root):
  python3 claims/gen_tables/derive_uncovered_codes.py \
      ../shared/data/claims/cms-hcpcs-level2-2019/hcpcs_level2_2019_sample.csv \
      ../shared/data/claims/cms-opps-addendum-b/opps_addendum_b_2026-04_codes_si_rates.csv \
      > claims/gen_tables/uncovered_codes.csv
Add --check to compare with the committed CSV instead of printing (exit 1 on a difference).
"""

import csv
import re
import sys
from pathlib import Path

CODE = re.compile(r"[A-Z][0-9]{4}")
HERE = Path(__file__).resolve().parent
CSV_BESIDE = HERE / "uncovered_codes.csv"
FEE_SCHEDULE = HERE.parent.parent / "contracts" / "claims" / "commercial_ppo_fee_schedule.csv"


def derive(hcpcs: Path, opps: Path) -> str:
    with FEE_SCHEDULE.open(newline="") as f:
        scheduled = {row["hcpcs"] for row in csv.DictReader(f)}
    with opps.open(newline="", encoding="utf-8") as f:
        status = {row["hcpcs"].strip(): (row["status_indicator"].strip(), row["payment_rate"].strip())
                  for row in csv.DictReader(f)}
    kept = {}
    with hcpcs.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["code"].strip()
            if not CODE.fullmatch(code) or row["termination_date"].strip():
                continue
            if code.startswith("J") and not code.startswith("J9"):
                kind, wanted = "drug", "N"
            elif code.startswith("E"):
                kind, wanted = "equipment", "Y"
            else:
                continue
            si, rate = status.get(code, ("", ""))
            if si != wanted or rate or code in scheduled:
                continue
            kept[code] = kind
    out = ["hcpcs,kind"] + [f"{code},{kept[code]}" for code in sorted(kept)]
    drugs = sum(1 for k in kept.values() if k == "drug")
    print(f"{len(kept)} codes kept: {drugs} drugs, {len(kept) - drugs} equipment", file=sys.stderr)
    return "\n".join(out) + "\n"


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = derive(Path(args[0]), Path(args[1]))
    if "--check" in sys.argv[1:]:
        if CSV_BESIDE.read_text() != text:
            print(f"{CSV_BESIDE} differs from the derivation", file=sys.stderr)
            return 1
        print(f"{CSV_BESIDE} matches the derivation", file=sys.stderr)
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
