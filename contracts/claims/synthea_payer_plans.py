#!/usr/bin/env python3
"""Derives the plan tables of synthea_payer.cvn from Synthea's insurance_plans.csv.

Source: ../shared/data/claims/synthea-2024-csv-sample/insurance_plans.csv, the plans of a 2024
run of synthetichealth/synthea (commit 2e587bead, via jijones12/synthea @ 6b8f5be38af2,
Apache-2.0; see ../shared/data/claims/README.md). The same file is Synthea's
src/main/resources/payers/insurance_plans.csv of that run.

A Covenant CSV table maps one key to one value, so each plan column the payer model reads
becomes one file beside the contract, keyed by Synthea's `Plan Id`:

  synthea_payer_deductible.csv  Deductible            -> Money (USD)
  synthea_payer_copay.csv       Default Copay         -> Money (USD)
  synthea_payer_coinsurance.csv Default Coinsurance   -> Rate (the payer's share: 0.8 is 80%)
  synthea_payer_max_oop.csv     Max Out of Pocket     -> Money (USD)
  synthea_payer_covered.csv     Services Covered "*"  -> Bool (true: every service)

The other columns (premiums, eligibility, years, priority) decide who enrols in a plan, not
what a claim costs, so they are left out. Amounts are converted exactly (a value with more
precision than a cent or a rate with more than 7 decimals of a percent is an error, never
rounded), and a plan that lists its covered services instead of "*" is refused: the contract
models "covers every service" only, which is what every plan Synthea ships declares.

Usage: synthea_payer_plans.py [--source insurance_plans.csv] [--check]
  --check  compare with the files beside this script instead of writing them; exit 1 and
           name the first difference if they are out of date.
"""

import argparse
import csv
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = (HERE / "../../../shared/data/claims/synthea-2024-csv-sample/insurance_plans.csv").resolve()


def money(text, what):
    try:
        value = Decimal(text)
    except InvalidOperation:
        sys.exit(f"{what}: `{text}` is not a number")
    if value != value.quantize(Decimal("0.01")):
        sys.exit(f"{what}: `{text}` has more precision than a cent")
    return f"{value.quantize(Decimal('0.01'))}"


def rate(text, what):
    try:
        percent = Decimal(text) * 100
    except InvalidOperation:
        sys.exit(f"{what}: `{text}` is not a number")
    if percent != percent.quantize(Decimal("0.0000001")):
        sys.exit(f"{what}: `{text}` has more than 7 decimals as a percentage")
    # Shortest exact percentage: 0.8 -> 80%, 0.085 -> 8.5%, 0 -> 0%.
    text = format(percent.normalize(), "f")
    return f"{text}%"


def covered(text, what):
    if text.strip() != "*":
        sys.exit(f"{what}: `{text}` lists services; the contract models plans that cover every "
                 "service (\"*\") only")
    return "true"


COLUMNS = [
    ("synthea_payer_deductible.csv", "plan,deductible", "Deductible", money),
    ("synthea_payer_copay.csv", "plan,default_copay", "Default Copay", money),
    ("synthea_payer_coinsurance.csv", "plan,payer_coinsurance", "Default Coinsurance", rate),
    ("synthea_payer_max_oop.csv", "plan,max_out_of_pocket", "Max Out of Pocket", money),
    ("synthea_payer_covered.csv", "plan,covers_every_service", "Services Covered", covered),
]


def derive(source):
    with open(source, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{source}: no plans")
    plans = {}
    for number, row in enumerate(rows, start=2):
        plan = row["Plan Id"].strip()
        if not plan.isdigit():
            sys.exit(f"{source}:{number}: Plan Id `{plan}` is not a number")
        if plan in plans:
            sys.exit(f"{source}:{number}: Plan Id {plan} appears twice")
        plans[plan] = row
    files = {}
    for name, header, column, convert in COLUMNS:
        lines = [header]
        for plan in sorted(plans, key=int):
            what = f"{source}: plan {plan}, {column}"
            lines.append(f"{plan},{convert(plans[plan][column], what)}")
        files[name] = "\n".join(lines) + "\n"
    return files, len(plans)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    files, plans = derive(args.source)
    for name, text in files.items():
        path = HERE / name
        if args.check:
            current = path.read_text() if path.exists() else None
            if current != text:
                sys.exit(f"{path} is out of date; run {Path(__file__).name} to regenerate it")
        else:
            path.write_text(text)
    print(f"{len(files)} tables, {plans} plans each, from {args.source}"
          + (" (up to date)" if args.check else ""))


if __name__ == "__main__":
    main()
