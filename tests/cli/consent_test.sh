#!/usr/bin/env bash
# End-to-end checks of the consent layer on a node: `consent_test.sh CASE BIN_DIR SOURCE_DIR
# [SHARED_DIR]`. Each case runs in a scratch directory with its own node; block times are
# given (--time), so dates are fixed. Exit 77 (skipped) when a case needs SHARED_DIR data
# that is absent.
set -uo pipefail
case_name=$1 bin=$2 src=$3 shared=${4:-}
source "$src/tests/cli/harness.sh"
covenant="$bin/covenant"
templates="$src/contracts/consent"

# JSON field $2 (dotted path) of the one-object file $1.
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v if isinstance(v,str) else json.dumps(v))' "$1" "$2"; }

# Unix milliseconds of noon UTC on day $1 (YYYY-MM-DD).
ms() { python3 -c 'import datetime,sys; d=datetime.datetime.fromisoformat(sys.argv[1]+"T12:00:00+00:00"); print(int(d.timestamp())*1000)' "$1"; }

# A node N made on 2027-01-01, a patient key, the patient Patient/1 enrolled with it.
setup_node() {
  run "$covenant" init N --time "$(ms 2027-01-01)"; expect_rc 0
  run "$covenant" keygen -o patient.key; expect_rc 0
}
deploy() { run "$covenant" deploy "$1" --node N --time "$(ms "$2")"; expect_rc 0; }
enrol() { run "$covenant" consent enrol --node N --patient "$1" --holder patient.key --time "$(ms "$2")"; expect_rc 0; }
# grant TEMPLATE DAY JSON: prints the consent id.
grant() {
  run "$covenant" consent grant "$1" --node N --key patient.key --args "$3" --time "$(ms "$2")"
  expect_rc 0
  sed -n 's/^granted consent \([0-9]*\) .*/\1/p' out
}
# check DAY ARGS...: a recorded decision as JSON in out; the exit code in rc.
check() {
  local day=$1
  shift
  run "$covenant" consent check --node N --json --time "$(ms "$day")" "$@"
}
expect_decision() {  # OUTCOME REASON [RULE]
  [[ $(field out decision) == "$1" ]] || fail "decision $(cat out), expected $1"
  [[ $(field out reason) == "$2" ]] || fail "reason $(cat out), expected $2"
  [[ -z ${3:-} || $(field out rule) == "$3" ]] || fail "rule $(cat out), expected $3"
}

treatment_terms='{"t":{"patient":"@patient:Patient/1","grantees":["@party:Practitioner/7"],
  "purposes":["TREAT"],"classes":["@class:labs","@class:imaging"],"withheld":["@class:psychotherapy"],
  "from":"2027-01-01","until":"2027-12-31","lookback":{"months":6,"days":0}}}'

case "$case_name" in
  consent-denial-reasons)
    # Every reason a decision gives, through `covenant consent check`, with explicitly
    # denied told apart from not permitted.
    setup_node
    deploy "$templates/treatment.cvn" 2027-01-01
    enrol Patient/1 2027-01-01
    id=$(grant TreatmentConsent 2027-01-01 "$treatment_terms")
    [[ $id == 1 ]] || fail "first consent id $id"
    q=(--patient Patient/1 --grantee Practitioner/7 --purpose TREAT)
    check 2027-03-01 "${q[@]}" --class labs --record-date 2027-02-01
    expect_rc 0; expect_decision permitted granted grant
    [[ $(field out consent) == 1 ]] || fail "deciding consent: $(cat out)"
    check 2027-03-01 --patient Patient/2 --grantee Practitioner/7 --purpose TREAT --class labs
    expect_rc 1; expect_decision "not permitted" "no consent"
    check 2027-03-01 --patient Patient/1 --grantee Practitioner/8 --purpose TREAT --class labs
    expect_rc 1; expect_decision "not permitted" "no consent"
    check 2027-03-01 "${q[@]}" --class genomics --record-date 2027-02-01
    expect_rc 1; expect_decision "not permitted" "class not granted"
    check 2027-03-01 --patient Patient/1 --grantee Practitioner/7 --purpose HRESCH --class labs --record-date 2027-02-01
    expect_rc 1; expect_decision "not permitted" "wrong purpose" purpose
    check 2027-03-01 "${q[@]}" --class labs --record-date 2026-08-31
    expect_rc 1; expect_decision "not permitted" "outside look-back" lookback
    check 2027-03-01 "${q[@]}" --class psychotherapy --record-date 2027-02-01
    expect_rc 1; expect_decision "explicitly denied" explicit withheld
    # The text form names the reason and the consent.
    run "$covenant" consent check --node N --time "$(ms 2027-03-02)" "${q[@]}" --class psychotherapy
    expect_rc 1; expect_out "^explicitly denied: a rule of the consent forbids it"
    expect_out "consent 1 (TreatmentConsent version 1), rule withheld"
    run "$covenant" consent check --node N --time "$(ms 2027-03-02)" "${q[@]}" --class labs --record-date 2026-01-01
    expect_rc 1; expect_out "^not permitted: the record is outside the consent's look-back window"
    # A what-if at another date is not recorded.
    run "$covenant" consent check --node N --at 2026-12-31 "${q[@]}" --class labs --record-date 2026-12-01 --json
    expect_rc 1; expect_decision "not permitted" "not yet valid"
    check 2028-01-05 "${q[@]}" --class labs --record-date 2027-12-01
    expect_rc 1; expect_decision "not permitted" expired period
    # Revoked: a new consent, used, revoked by the patient's key; in force until its block ends.
    id=$(grant TreatmentConsent 2028-01-06 "${treatment_terms//2027-/2028-}")
    [[ $id == 2 ]] || fail "second consent id $id"
    check 2028-01-07 "${q[@]}" --class labs --record-date 2028-01-01
    expect_rc 0; expect_decision permitted granted
    run "$covenant" consent revoke 2 --node N --time "$(ms 2028-01-08)"
    expect_rc 1; expect_err "only the patient's keys or the key that granted it"
    run "$covenant" consent revoke 2 --node N --key patient.key --time "$(ms 2028-01-08)"
    expect_rc 0
    check 2028-01-09 "${q[@]}" --class labs --record-date 2028-01-01
    expect_rc 1; expect_decision "not permitted" revoked
    run "$covenant" consent list --node N --patient Patient/1
    expect_rc 0; expect_out "consent 2 .*revoked in block"
    run "$covenant" ledger verify N; expect_rc 0
    # Bad input is refused before anything is signed.
    run "$covenant" consent check --node N "${q[@]}" --class labs --record-date 2027-02-30
    expect_rc 2; expect_err "record-date"
    run "$covenant" consent grant TreatmentConsent --node N --key patient.key --args '{"t":{}}'
    expect_rc 2; expect_err "args"
    ;;

  consent-audit)
    # `covenant audit` lists exactly the decisions made on the patient's data, each with an
    # inclusion proof that an independent RFC 9162 checker accepts.
    setup_node
    deploy "$templates/treatment.cvn" 2027-01-01
    enrol Patient/1 2027-01-01
    enrol Patient/2 2027-01-01
    grant TreatmentConsent 2027-01-01 "$treatment_terms" >/dev/null
    : >made
    day=10
    for args in "--class labs --record-date 2027-02-01" "--class genomics" "--class psychotherapy" \
                "--class labs --purpose-x" ; do
      [[ $args == *purpose-x* ]] && args="--class labs --record-date 2026-01-01"
      check "2027-02-$day" --patient Patient/1 --grantee Practitioner/7 --purpose TREAT $args
      echo "$(field out entry) $(field out decision)" >>made
      day=$((day + 1))
    done
    # Decisions on another patient are not listed.
    check 2027-02-20 --patient Patient/2 --grantee Practitioner/7 --purpose TREAT --class labs
    check 2027-02-21 --patient Patient/1 --grantee Practitioner/9 --purpose TREAT --class labs
    echo "$(field out entry) $(field out decision)" >>made
    # Many requests at once: group-committed in one sealed block, one decision per line.
    cat >requests.ndjson <<'REQ'
{"patient":"Patient/1","grantee":"Practitioner/7","class":"labs","purpose":"TREAT","record_date":"2027-02-01"}
{"patient":"Patient/2","grantee":"Practitioner/7","class":"labs","purpose":"TREAT"}
{"patient":"Patient/1","grantee":"Practitioner/7","class":"psychotherapy","purpose":"TREAT","groups":["Ward/3"]}
REQ
    run "$covenant" consent decide requests.ndjson --node N --time "$(ms 2027-02-22)"
    expect_rc 0; expect_err "3 decisions recorded (1 permitted) in 1 block"
    [[ $(wc -l <out) == 3 ]] || fail "decide printed: $(cat out)"
    [[ $(cut -d'"' -f4 out | tr '\n' ,) == "permitted,not permitted,explicitly denied," ]] || fail "decide: $(cat out)"
    python3 -c 'import json,sys
for i, l in enumerate(open("out")):
    d = json.loads(l)
    if i != 1: print(d["entry"], d["decision"])' >>made
    blocks=$(python3 -c 'import json; print(len({json.loads(l)["block"] for l in open("out")}))')
    [[ $blocks == 1 ]] || fail "decisions in $blocks blocks"
    echo '{"patient":"Patient/1","grantee":"Practitioner/7","class":"labs"}' >bad.ndjson
    run "$covenant" consent decide bad.ndjson --node N
    expect_rc 2; expect_err 'bad.ndjson:1: "purpose" is missing'
    run "$covenant" audit --node N --patient Patient/1 --proof --json
    expect_rc 0
    cp out audit.json
    python3 - audit.json made "$src/tests/cli/rfc9162_check.py" <<'PY' || fail "audit: $(cat audit.json)"
import json, subprocess, sys
listed = json.load(open(sys.argv[1]))
made = [line.split(" ", 1) for line in open(sys.argv[2]).read().splitlines()]
got = [[str(e["entry"]), e["decision"]] for e in listed]
if got != made:
    sys.exit(f"listed {got}, made {made}")
for e in listed:
    open("p.json", "w").write(json.dumps(e["proof"]))
    r = subprocess.run([sys.executable, sys.argv[3], "inclusion", "p.json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"entry {e['entry']}: {r.stdout}{r.stderr}")
PY
    root=$("$covenant" ledger show N --json | sed 's/.*"log_root":"\([0-9a-f]*\)".*/\1/')
    grep -q "\"root\":\"$root\"" audit.json || fail "proofs are not against the log's root $root"
    # A date range selects by the decision's time.
    run "$covenant" audit --node N --patient Patient/1 --from 2027-02-11 --to 2027-02-12 --json
    expect_rc 0
    [[ $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' out) == 2 ]] || fail "range: $(cat out)"
    run "$covenant" audit --node N --patient Patient/1
    expect_rc 0; expect_out "7 decision(s)"
    run "$covenant" ledger verify N; expect_rc 0
    ;;

  consent-records)
    # A custodian registers a document; a permitted reader gets its location and checks the
    # file it fetched against the registered hash; a changed file is reported.
    setup_node
    deploy "$templates/treatment.cvn" 2027-01-01
    enrol Patient/1 2027-01-01
    grant TreatmentConsent 2027-01-01 "$treatment_terms" >/dev/null
    printf 'lab report: potassium 4.1 mmol/L\n' >report.txt
    doc=$(sha256sum report.txt | cut -c1-64)
    run "$covenant" record register report.txt --node N --patient Patient/1 --class labs \
      --date 2027-02-01 --location "https://records.hospital-a.example/d/$doc" --time "$(ms 2027-02-02)"
    expect_rc 0; expect_out "registered document $doc"
    run "$covenant" record fetch "$doc" --node N --grantee Practitioner/7 --purpose TREAT --verify report.txt \
      --time "$(ms 2027-02-03)"
    expect_rc 0; expect_out "permitted"; expect_out "records.hospital-a.example"; expect_out "matches the registered SHA-256"
    printf 'lab report: potassium 5.1 mmol/L\n' >tampered.txt
    run "$covenant" record fetch "$doc" --node N --grantee Practitioner/7 --purpose TREAT --verify tampered.txt \
      --time "$(ms 2027-02-04)"
    expect_rc 1; expect_err "does not match the registered"
    run "$covenant" record fetch "$doc" --node N --grantee Practitioner/8 --purpose TREAT --time "$(ms 2027-02-05)"
    expect_rc 1; expect_out "not permitted"
    grep -q "records.hospital-a" out && fail "a refused fetch shows the location"
    run "$covenant" record register report.txt --node N --patient Patient/1 --class labs --date 2027-02-01 \
      --location "https://x.example/1" --time "$(ms 2027-02-06)"
    expect_rc 1; expect_err "registered already"
    run "$covenant" audit --node N --patient Patient/1
    expect_rc 0; expect_out "3 decision(s)"
    run "$covenant" ledger verify N; expect_rc 0
    ;;

  consent-templates-on-node)
    # The four templates are deployed by the hospital (the node key), instantiated for a
    # patient with the patient's key, used, and revoked; the break-the-glass policy covers
    # every patient and is the hospital's to grant. The audit re-executes all of it.
    setup_node
    for t in treatment referral research_study break_glass; do deploy "$templates/$t.cvn" 2027-01-01; done
    enrol Patient/1 2027-01-01
    treatment=$(grant TreatmentConsent 2027-01-02 "$treatment_terms")
    referral=$(grant ReferralConsent 2027-01-02 '{"t":{"patient":"@patient:Patient/1",
      "referrer":"@party:Practitioner/7","receiver":"@party:Organization/hospital-b",
      "classes":["@class:labs","@class:imaging"],"issued":"2027-01-02","valid_for":{"days":90},
      "lookback":{"months":6}}}')
    research=$(grant ResearchStudyConsent 2027-01-02 '{"t":{"patient":"@patient:Patient/1",
      "study":"NCT05123456","team":"@party:Team/nct05123456","classes":["@class:labs"],
      "from":"2027-01-01","until":"2028-12-31","identifiable":false}}')
    glass_terms='{"t":{"patient":"0000000000000000000000000000000000000000000000000000000000000000",
      "clinicians":["@party:Organization/hospital-a"],"classes":[],"from":"2027-01-01","until":null}}'
    run "$covenant" consent grant BreakGlassConsent --node N --key patient.key --args "$glass_terms" \
      --time "$(ms 2027-01-02)"
    expect_rc 1; expect_err "only the template's deployer"
    run "$covenant" consent grant BreakGlassConsent --node N --args "$glass_terms" --time "$(ms 2027-01-02)"
    expect_rc 0
    glass=$(sed -n 's/^granted consent \([0-9]*\) .*/\1/p' out)
    [[ "$treatment $referral $research $glass" == "1 2 3 4" ]] || fail "ids $treatment $referral $research $glass"
    # Each one permits what it grants, naming itself and its rule.
    uses=("$treatment|grant|--grantee Practitioner/7 --purpose TREAT --class labs --record-date 2027-01-01"
          "$referral|referral|--grantee Practitioner/55 --group Organization/hospital-b --purpose TREAT --class imaging --record-date 2026-12-01"
          "$research|deidentified|--grantee Researcher/3 --group Team/nct05123456 --purpose HRESCH --study NCT05123456 --class labs"
          "$glass|emergency|--grantee Practitioner/99 --group Organization/hospital-a --purpose ETREAT --class notes")
    day=10
    for use in "${uses[@]}"; do
      IFS='|' read -r id rule args <<<"$use"
      check "2027-01-$day" --patient Patient/1 $args
      expect_rc 0; expect_decision permitted granted "$rule"
      [[ $(field out consent) == "$id" ]] || fail "consent $id expected: $(cat out)"
      day=$((day + 1))
    done
    grep -q '"flagged":true' out || fail "an emergency access is not flagged: $(cat out)"
    # The emergency policy covers a patient who never consented to anything.
    check 2027-01-15 --patient Patient/2 --grantee Practitioner/99 --group Organization/hospital-a --purpose ETREAT --class notes
    expect_rc 0; expect_decision permitted granted emergency
    # Revoked (the patient's key for their own, the hospital's for its policy): refused from
    # the next block on, each naming the revoked consent.
    for id in $treatment $referral $research; do
      run "$covenant" consent revoke "$id" --node N --key patient.key --time "$(ms 2027-01-20)"; expect_rc 0
    done
    run "$covenant" consent revoke "$glass" --node N --time "$(ms 2027-01-20)"; expect_rc 0
    day=21
    for use in "${uses[@]}"; do
      IFS='|' read -r id rule args <<<"$use"
      check "2027-01-$day" --patient Patient/1 $args
      expect_rc 1; expect_decision "not permitted" revoked
      [[ $(field out consent) == "$id" ]] || fail "revoked consent $id expected: $(cat out)"
      day=$((day + 1))
    done
    run "$covenant" ledger verify N; expect_rc 0
    ;;

  consent-privacy-scan)
    # A ledger built from the FHIR data in SHARED_DIR (every patient of the FHIR bundles
    # enrolled, consenting, their documents registered and fetched, decisions audited; the
    # FHIR Consents imported; the FHIR claims simulated onto the same node) holds none of
    # the identifiers and names of those files.
    [[ -d "$shared/data/claims/synthea-2024-fhir" && -d "$shared/data/consent" ]] || exit 77
    setup_node
    deploy "$templates/treatment.cvn" 2027-01-01
    python3 - "$covenant" "$shared" "$(ms 2027-01-02)" <<'PY' || fail "building the ledger"
import gzip, hashlib, json, os, subprocess, sys
covenant, shared, t = sys.argv[1], sys.argv[2], int(sys.argv[3])
def run(*args):
    global t
    t += 1000
    r = subprocess.run([covenant, *args, "--node", "N", "--time", str(t)], capture_output=True, text=True)
    if r.returncode not in (0, 1) or "rejected" in r.stderr:
        sys.exit(f"{' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r.stdout
records = 0
for folder in ("synthea-2024-fhir", "smart-on-fhir-r4-2019"):
    base = os.path.join(shared, "data", "claims", folder)
    for name in sorted(os.listdir(base)):
        if not name.endswith(".json.gz"):
            continue
        bundle = json.load(gzip.open(os.path.join(base, name), "rt"))
        resources = [e["resource"] for e in bundle["entry"]]
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        pid = "Patient/" + patient["id"]
        doctors = sorted({p["individual"]["reference"] for r in resources if r["resourceType"] == "Encounter"
                          for p in r.get("participant", []) if "individual" in p})
        doctor = doctors[0] if doctors else "Practitioner/unknown"
        run("consent", "enrol", "--patient", pid, "--holder", "patient.key")
        terms = {"t": {"patient": "@patient:" + pid, "grantees": ["@party:" + doctor], "purposes": ["TREAT"],
                       "classes": [], "withheld": [], "from": "2027-01-01", "until": "2027-12-31", "lookback": None}}
        run("consent", "grant", "TreatmentConsent", "--key", "patient.key", "--args", json.dumps(terms))
        docs = [r for r in resources if r["resourceType"] in ("DiagnosticReport", "DocumentReference", "Observation")][:6]
        for r in docs:
            path = "doc.json"
            with open(path, "w") as f:
                json.dump(r, f)
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            day = (r.get("effectiveDateTime") or r.get("date") or r.get("issued") or "2020-01-01")[:10]
            if run("record", "register", path, "--patient", pid, "--class", r["resourceType"], "--date", day,
                   "--location", "https://records.hospital-a.example/d/" + digest).startswith("registered"):
                records += 1
                run("record", "fetch", digest, "--grantee", doctor, "--purpose", "TREAT", "--verify", path)
        run("consent", "check", "--patient", pid, "--grantee", doctor, "--purpose", "TREAT", "--class", "Condition")
        run("consent", "check", "--patient", pid, "--grantee", "Practitioner/other", "--purpose", "HRESCH", "--class", "Condition")
        out = subprocess.run([covenant, "audit", "--node", "N", "--patient", pid], capture_output=True, text=True).stdout
        if "decision(s)" not in out:
            sys.exit("audit: " + out)
print(f"{records} records registered")
PY
    for f in "$shared"/data/consent/*.json; do
      run "$covenant" consent import "$f" --node N --time "$(ms 2027-06-01)"
      expect_rc 0
    done
    for dir in synthea-2024-fhir smart-on-fhir-r4-2019; do
      run "$covenant" simulate --plan "$src/contracts/claims/commercial_ppo.cvn" --claims "$shared/data/claims/$dir" \
        --format fhir --node N --json
      expect_rc 0
    done
    run "$covenant" ledger verify N; expect_rc 0
    run python3 "$src/tests/consent/privacy_scan.py" N "$shared/data/consent" "$shared/data/claims/synthea-2024-fhir" \
      "$shared/data/claims/smart-on-fhir-r4-2019"
    expect_rc 0
    cat out
    ;;

  consent-fhir-import)
    # Every FHIR Consent of SHARED_DIR/data/consent imports through `covenant consent import`
    # (each onto its own node: they are all the same patient's, and would combine) and gives,
    # through `covenant consent check --at`, the decisions written down beside each case in
    # tests/consent/fhir_cases/ (derived from the FHIR rules; docs/consent.md, "FHIR Consent import").
    [[ -d "$shared/data/consent" ]] || exit 77
    python3 - "$covenant" "$shared/data/consent" "$src/tests/consent/fhir_cases" <<'PY' || fail "FHIR cases"
import json, os, subprocess, sys
covenant, data, cases_dir = sys.argv[1:4]
outcome = {"permit": "permitted", "forbid": "explicitly denied", "abstain": "not permitted"}
checked = 0
for name in sorted(os.listdir(cases_dir)):
    spec = json.load(open(os.path.join(cases_dir, name)))
    node = "N-" + name
    subprocess.run([covenant, "init", node, "--time", "1577836800000"], check=True, capture_output=True)
    r = subprocess.run([covenant, "consent", "import", os.path.join(data, spec["consent"]), "--node", node,
                        "--time", "1577836801000"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{spec['consent']}: import: {r.stderr}")
    for case in spec["cases"]:
        c = dict(spec["defaults"], **case)
        args = [covenant, "consent", "check", "--node", node, "--json", "--at", c["at"], "--patient", c["patient"],
                "--grantee", c["grantee"], "--class", c["class"], "--purpose", c["purpose"], "--action", c["action"]]
        for g in c["groups"]:
            args += ["--group", g]
        for l in c["labels"]:
            args += ["--label", l]
        if c["study"]:
            args += ["--study", c["study"]]
        if c["record_date"]:
            args += ["--record-date", c["record_date"]]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"{name}: {case['why']}: exit {r.returncode}: {r.stderr}")
        got = json.loads(r.stdout)
        want = c["expect"]
        if c["patient"] != spec["defaults"]["patient"]:
            # Another patient's request never reaches this consent: the index has none for them.
            expected = ("not permitted", "no consent", None)
        else:
            expected = (outcome[want["effect"]], want["reason"].replace("_", " ").replace("look back", "look-back")
                        .replace("outside lookback", "outside look-back"), want["rule"])
        actual = (got["decision"], got["reason"], got.get("rule") if expected[2] else None)
        if actual != expected:
            sys.exit(f"{name}: {case['why']}: got {actual}, expected {expected}")
        checked += 1
print(f"{checked} FHIR consent decisions as expected")
PY
    ;;

  *) fail "unknown case $case_name" ;;
esac
echo "PASS: $case_name"
