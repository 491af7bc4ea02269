#!/usr/bin/env python3
"""Derives commercial_ppo_fee_schedule.csv from the CMS OPPS Addendum B extract.

Source: ../shared/data/claims/cms-opps-addendum-b/opps_addendum_b_2026-04_codes_si_rates.csv
(the April 2026 Addendum B of the CY2026 Medicare hospital outpatient prospective payment
system, columns hcpcs, status_indicator, payment_rate, source_addendum_month; see
../shared/data/claims/README.md for where it was copied from). CMS publications are in the
public domain; the extract carries no CPT descriptors.

The rule, row by row:
  - keep a row only if its payment_rate cell is not empty: that is the national unadjusted
    OPPS payment rate, in dollars; rows without one are services OPPS does not price
    (packaged, non-covered, paid under another fee schedule);
  - keep a row only if its code is five ASCII letters or digits (a HCPCS/CPT code); the
    extract has one damaged code ("G0465" followed by a stray non-ASCII byte), dropped and
    reported on standard error;
  - the rate is rounded to the cent, half up (drug rates are per billing unit and carry up
    to three decimals; a Covenant USD amount holds cents);
  - every status indicator that carries a rate is kept, including the conditionally
    packaged Q1-Q3: the plan pays each line from this schedule and applies its own
    procedure-pair edits instead of OPPS packaging;
  - rows are written sorted by code, under the header `hcpcs,rate_usd`.

Every kept row is written (7,335 of the 19,059 codes): the compiler loads the whole table
in about 0.1 s and the module grows by about 176 KB (24 bytes a row), well inside the 1 MiB
a ledger transaction may carry, so no subset is needed.

Usage (from the repository root):
  python3 contracts/claims/derive_fee_schedule.py \
      ../shared/data/claims/cms-opps-addendum-b/opps_addendum_b_2026-04_codes_si_rates.csv \
      > contracts/claims/commercial_ppo_fee_schedule.csv
Add --check to compare with the committed CSV instead of printing (exit 1 on a difference).
"""

import csv
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CODE = re.compile(r"[A-Z0-9]{5}")
CSV_BESIDE = Path(__file__).with_name("commercial_ppo_fee_schedule.csv")


def derive(source: Path) -> str:
    rows = {}
    dropped = 0
    with source.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rate = row["payment_rate"].strip()
            if not rate:
                continue
            code = row["hcpcs"].strip()
            if not CODE.fullmatch(code):
                print(f"dropped a malformed code: {code!r}", file=sys.stderr)
                dropped += 1
                continue
            if code in rows:
                raise SystemExit(f"{code} appears twice in {source}")
            cents = Decimal(rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            rows[code] = cents
    out = ["hcpcs,rate_usd"]
    out += [f"{code},{rows[code]}" for code in sorted(rows)]
    print(f"{len(rows)} rows kept, {dropped} dropped", file=sys.stderr)
    return "\n".join(out) + "\n"


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    text = derive(Path(args[0]))
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
