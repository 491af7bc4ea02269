// covenant-consent-bench: consent decisions per second, and the latency of one, with
// --consents instances of contracts/consent/treatment.cvn in a node's world state (default 2
// million, whose 5.4 GiB state fits in this machine's memory; 10 million make a 27 GiB state:
// docs/BENCHMARKS.md), each beside a plain in-memory lookup
// measured in the same run on the same requests:
//   (1) the state: a fresh node, the template deployed, two consents granted by real
//       transactions (the fidelity check below), then the rest bulk-loaded in blocks whose
//       executor writes the instances and index keys through consent/store.hpp's encoders;
//   (2) the unaudited baseline: std::unordered_map from (patient, grantee, class) to the
//       consent's terms, the template's rule evaluated in C++;
//   (3) consent::Decider on the VM against the node's LMDB state, nothing recorded, with
//       per-decision latency, an instrumented pass saying where the time goes, the same on
//       a read-only node on one and --threads threads, and its reads replayed in raw LMDB;
//   (4) audited: Ask transactions in sealed blocks of --block, appended to the node's
//       ledger (admission, execution, receipts, Merkle, one fsync per block, LMDB commit).
// The outcome and reason of every request are checked: the generator's expectation, the
// native baseline, the Decider and the recorded receipts must all agree, and the bulk load
// must store byte for byte what real grant transactions store. docs/BENCHMARKS.md,
// "Consent decisions", has the results.

#include <lmdb.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/driver.hpp"
#include "consent/access.hpp"
#include "consent/consent_handler.hpp"
#include "consent/consent_tx.hpp"
#include "consent/decider.hpp"
#include "consent/decision.hpp"
#include "consent/store.hpp"
#include "consent/template_abi.hpp"
#include "ledger/admission.hpp"
#include "ledger/node.hpp"
#include "ledger/seal.hpp"
#include "node/block_state.hpp"
#include "node/contract_executor.hpp"
#include "runtime/abi.hpp"
#include "runtime/contract_call.hpp"
#include "vm/hex.hpp"

namespace fs = std::filesystem;
using namespace covenant;
using Clock = std::chrono::steady_clock;
using consent::Outcome;
using consent::Pseudonym;
using consent::Reason;

namespace {

struct Options {
  uint64_t consents = 2'000'000;    // 10 million: see docs/BENCHMARKS.md, "Consent decisions"
  uint64_t decisions = 1'000'000;   // for (2) and (3)
  uint64_t audited = 1'000'000;     // for (4); 0 skips it
  uint64_t block = ledger::kMaxSealedTransactions;  // decisions per audited block
  uint64_t bulk = 250'000;          // consents per bulk-load block
  unsigned threads = 2;             // for the multi-threaded line of (3); 1 skips it
  uint64_t seed = 2027;
  fs::path scratch = fs::temp_directory_path();
  fs::path template_path;           // default: contracts/consent/treatment.cvn
  bool keep = false;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "covenant-consent-bench: %s\n", what.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string source_dir() { return COVENANT_SOURCE_DIR; }

std::string with_commas(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

// ---- the generated world ---------------------------------------------------------------------

uint64_t mix(uint64_t x) {  // SplitMix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// 32 bytes standing for an HMAC pseudonym (uniform bytes, as HMAC outputs are).
Pseudonym pseudonym_of(uint64_t seed, uint64_t domain, uint64_t i) {
  Pseudonym p;
  uint64_t x = mix(seed ^ mix(domain ^ mix(i)));
  for (int w = 0; w < 4; ++w) {
    x = mix(x + static_cast<uint64_t>(w));
    std::memcpy(p.data() + 8 * w, &x, 8);
  }
  return p;
}

enum Domain : uint64_t { kPatientDomain = 1, kGroupDomain = 2, kClinicianDomain = 3 };

constexpr uint64_t kGroups = 20'000;       // care groups (wards, practices) consents name
constexpr uint64_t kClinicians = 200'000;  // who asks, acting for a care group
constexpr int kClassesPerConsent = 3;
constexpr std::array<const char*, 8> kClassNames = {"labs", "medications", "imaging", "conditions",
                                                    "procedures", "notes", "immunizations", "allergies"};
// contracts/consent/treatment.cvn's Terms (checked against its ABI): patient; grantees
// List<Pseudonym, 8>; purposes List<Code, 4>; classes List<Hash, 16>; withheld List<Hash, 8>;
// from, until; lookback Option<Duration>.
constexpr uint32_t kTermsSize = 1192;
constexpr size_t kGranteesAt = 32, kPurposesAt = 296, kClassesAt = 368, kWithheldAt = 888, kFromAt = 1152,
                 kUntilAt = 1160, kLookbackAt = 1168;
constexpr int kExpiredPercent = 5;    // consents whose period has ended
constexpr int kWithheldPercent = 10;  // consents that withhold a class
constexpr int kLookbackPercent = 30;  // consents that release only the last two years' records
constexpr int kLookbackMonths = 24;

// The request mix (percent): the rest are permitted.
constexpr int kClassNotGrantedPercent = 7;
constexpr int kNoConsentPercent = 7;
constexpr int kExpiredRequestPercent = 6;
constexpr int kWithheldRequestPercent = 2;

// One consent, a function of its index k (0-based): patient k / 2 gave two consents, to two
// different care groups, each for three of the eight classes, for treatment (a quarter also
// for emergency treatment), for at most five years; some withhold a class, some open only a
// look-back window of two years.
struct Spec {
  uint64_t patient = 0;
  uint64_t group = 0;
  std::array<uint8_t, kClassesPerConsent> classes{};
  std::optional<uint8_t> withheld;
  bool emergency_too = false;  // purposes TREAT and ETREAT, else TREAT only
  bool lookback = false;
  int64_t from = 0, until = 0;
  bool expired = false;
};

class World {
 public:
  World(uint64_t consents, uint64_t seed, int64_t today) : consents_(consents), seed_(seed), today_(today) {
    for (size_t c = 0; c < kClassNames.size(); ++c) classes_[c] = consent::class_hash(kClassNames[c]);
  }

  uint64_t consents() const { return consents_; }
  uint64_t patients() const { return (consents_ + 1) / 2; }
  int64_t today() const { return today_; }
  uint64_t seed() const { return seed_; }
  const ledger::Hash& class_hash(size_t c) const { return classes_[c]; }

  Pseudonym patient(uint64_t i) const { return pseudonym_of(seed_, kPatientDomain, i); }
  // The first 8 bytes of patient i's pseudonym, big-endian: where its index keys sort.
  uint64_t patient_prefix(uint64_t i) const {
    const Pseudonym p = patient(i);
    uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v = (v << 8) | p[b];
    return v;
  }
  Pseudonym group(uint64_t g) const { return pseudonym_of(seed_, kGroupDomain, g); }
  Pseudonym clinician(uint64_t c) const { return pseudonym_of(seed_, kClinicianDomain, c); }

  Spec spec(uint64_t k) const {
    Spec s;
    s.patient = k / 2;
    const uint64_t h = mix(seed_ ^ mix(k));
    const uint64_t first_group = mix(seed_ + s.patient) % kGroups;
    s.group = k % 2 == 0 ? first_group : (first_group + 1 + h % (kGroups - 1)) % kGroups;
    const uint8_t start = static_cast<uint8_t>((h >> 16) % 8);
    const uint8_t step = (h >> 20) % 2 == 0 ? 1 : 3;  // odd: three distinct classes mod 8
    for (int c = 0; c < kClassesPerConsent; ++c) s.classes[c] = static_cast<uint8_t>((start + c * step) % 8);
    if (static_cast<int>((h >> 8) % 100) < kWithheldPercent)
      s.withheld = static_cast<uint8_t>((start + kClassesPerConsent * step) % 8);  // not granted
    s.emergency_too = (h >> 24) % 4 == 0;
    s.lookback = static_cast<int>((h >> 26) % 100) < kLookbackPercent;
    s.expired = static_cast<int>((h >> 33) % 100) < kExpiredPercent;
    const int64_t a = static_cast<int64_t>((h >> 40) % 800);
    const int64_t b = static_cast<int64_t>((h >> 50) % 900);
    if (s.expired) {
      s.until = today_ - 1 - b % 365;
      s.from = s.until - 365 - a;
    } else {
      s.from = today_ - 1 - a;
      s.until = today_ + 30 + b;
    }
    return s;
  }

  bool grants(const Spec& s, size_t c) const {
    return std::find(s.classes.begin(), s.classes.end(), c) != s.classes.end();
  }

  // The template's Terms in the VM's layout (8-byte words little-endian, a list's length
  // before its slots, codes zero padded to 16 bytes, an option's 0/1 word before its value).
  std::vector<uint8_t> terms(const Spec& s) const {
    std::vector<uint8_t> t(kTermsSize, 0);
    auto put64 = [&t](size_t at, int64_t v) {
      for (int i = 0; i < 8; ++i) t[at + i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
    };
    const Pseudonym p = patient(s.patient), g = group(s.group);
    std::memcpy(t.data(), p.data(), 32);
    put64(kGranteesAt, 1);
    std::memcpy(t.data() + kGranteesAt + 8, g.data(), 32);
    put64(kPurposesAt, s.emergency_too ? 2 : 1);
    std::memcpy(t.data() + kPurposesAt + 8, "TREAT", 5);
    if (s.emergency_too) std::memcpy(t.data() + kPurposesAt + 24, "ETREAT", 6);
    put64(kClassesAt, kClassesPerConsent);
    for (int c = 0; c < kClassesPerConsent; ++c)
      std::memcpy(t.data() + kClassesAt + 8 + 32 * c, classes_[s.classes[c]].data(), 32);
    if (s.withheld) {
      put64(kWithheldAt, 1);
      std::memcpy(t.data() + kWithheldAt + 8, classes_[*s.withheld].data(), 32);
    }
    put64(kFromAt, s.from);
    put64(kUntilAt, s.until);
    if (s.lookback) {
      put64(kLookbackAt, 1);
      put64(kLookbackAt + 8, kLookbackMonths);
    }
    return t;
  }

  // The same terms as grant's JSON arguments (to check `terms` against the ABI's encoder).
  std::string terms_json(const Spec& s) const {
    std::string j = "{\"t\":{\"patient\":\"" + to_hex(patient(s.patient)) + "\",\"grantees\":[\"" +
                    to_hex(group(s.group)) + "\"],\"purposes\":[\"TREAT\"" + (s.emergency_too ? ",\"ETREAT\"" : "") +
                    "],\"classes\":[";
    for (int c = 0; c < kClassesPerConsent; ++c) j += (c ? ",\"" : "\"") + to_hex(classes_[s.classes[c]]) + "\"";
    j += "],\"withheld\":[";
    if (s.withheld) j += "\"" + to_hex(classes_[*s.withheld]) + "\"";
    j += "],\"from\":\"" + date_text(s.from) + "\",\"until\":\"" + date_text(s.until) + "\",\"lookback\":" +
         (s.lookback ? "{\"months\":" + std::to_string(kLookbackMonths) + ",\"days\":0}" : std::string("null")) + "}}";
    return j;
  }

  // What the template's grant returns: the grantees, then the granted and withheld classes.
  std::vector<ledger::Hash> scope_classes(const Spec& s) const {
    std::vector<ledger::Hash> out;
    for (int c = 0; c < kClassesPerConsent; ++c) out.push_back(classes_[s.classes[c]]);
    if (s.withheld) out.push_back(classes_[*s.withheld]);
    return out;
  }

  // The instance the consent layer stores for consent k when it is granted as consent `id`
  // in block `height`.
  consent::Instance instance(uint64_t k, uint64_t id, const node::Deployment& d, const ledger::PublicKey& granter,
                             uint64_t height) const {
    const Spec s = spec(k);
    consent::Instance i;
    i.id = id;
    i.template_name = d.name;
    i.version = d.version;
    i.module_id = d.module_id;
    i.granter = granter;
    i.patient = patient(s.patient);
    i.grantees = {group(s.group)};
    i.classes = scope_classes(s);
    i.granted_height = height;
    i.terms = terms(s);
    return i;
  }

  static std::string date_text(int64_t days) {  // H. Hinnant's civil_from_days
    int64_t y, m, d;
    civil(days, y, m, d);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d));
    return buf;
  }
  static void civil(int64_t days, int64_t& y, int64_t& m, int64_t& d) {
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  }
  // `today - lookback` as the language computes it for a whole number of months (a day past
  // the end of the month comes back to its last day). Precondition: `months` < 12 * 1000.
  static int64_t months_before(int64_t day, int64_t months) {
    int64_t y, m, d;
    civil(day, y, m, d);
    int64_t total = y * 12 + (m - 1) - months;
    const int64_t ny = total / 12, nm = total % 12 + 1;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0;
    const int64_t last = nm == 2 && leap ? 29 : kDays[nm - 1];
    return runtime::days_from_civil(ny, nm, std::min(d, last));
  }

 private:
  uint64_t consents_, seed_;
  int64_t today_;
  std::array<ledger::Hash, kClassNames.size()> classes_{};
};

// ---- requests -------------------------------------------------------------------------------

enum class Kind : uint8_t { permitted, class_not_granted, no_consent, expired, withheld };
constexpr size_t kKinds = 5;

struct Request {
  consent::AccessRequest access;
  Kind kind = Kind::permitted;
  uint64_t consent = UINT64_MAX;  // the consent (index) it is about, if any
};

// Whether deciding it runs a template (an instance covers the request).
bool runs_template(Kind k) { return k == Kind::permitted || k == Kind::expired || k == Kind::withheld; }

Outcome expected_outcome(Kind k) {
  return k == Kind::permitted ? Outcome::permitted : k == Kind::withheld ? Outcome::explicitly_denied : Outcome::not_permitted;
}
Reason expected_reason(Kind k) {
  switch (k) {
    case Kind::permitted: return Reason::granted;
    case Kind::class_not_granted: return Reason::class_not_granted;
    case Kind::no_consent: return Reason::no_consent;
    case Kind::expired: return Reason::expired;
    case Kind::withheld: return Reason::explicit_rule;
  }
  return Reason::granted;
}

// Requests of a clinician acting for a care group, for treatment, reading a record dated
// within the last 700 days: mostly for a class a consent to the group grants; some for a
// class it does not grant, for a patient without consents, under an expired consent, or for
// a class the consent withholds.
std::vector<Request> make_requests(const World& w, uint64_t n, uint64_t salt) {
  std::vector<Request> out;
  out.reserve(n);
  uint64_t x = mix(w.seed() ^ salt);
  auto next = [&x] { return x = mix(x); };
  for (uint64_t j = 0; j < n; ++j) {
    Request r;
    int roll = static_cast<int>(next() % 100);
    r.kind = (roll -= kClassNotGrantedPercent) < 0  ? Kind::class_not_granted
             : (roll -= kNoConsentPercent) < 0      ? Kind::no_consent
             : (roll -= kExpiredRequestPercent) < 0 ? Kind::expired
             : (roll -= kWithheldRequestPercent) < 0 ? Kind::withheld
                                                     : Kind::permitted;
    consent::AccessRequest& a = r.access;
    a.grantee = w.clinician(next() % kClinicians);
    a.purpose = "TREAT";
    a.record_date = w.today() - static_cast<int64_t>(next() % 700);
    if (r.kind == Kind::no_consent) {
      a.patient = w.patient(w.patients() + next() % w.patients());  // never granted anything
      a.groups = {w.group(next() % kGroups)};
      a.data_class = w.class_hash(next() % kClassNames.size());
    } else {
      Spec s;
      for (;;) {
        r.consent = next() % w.consents();
        s = w.spec(r.consent);
        if (s.expired == (r.kind == Kind::expired) && (r.kind != Kind::withheld || s.withheld)) break;
      }
      a.patient = w.patient(s.patient);
      a.groups = {w.group(s.group)};
      size_t c;
      if (r.kind == Kind::class_not_granted) {
        do c = next() % kClassNames.size();
        while (w.grants(s, c) || s.withheld == c);
      } else if (r.kind == Kind::withheld) {
        c = *s.withheld;
      } else {
        c = s.classes[next() % kClassesPerConsent];
      }
      a.data_class = w.class_hash(c);
    }
    out.push_back(std::move(r));
  }
  return out;
}

// ---- (2) the native baseline ----------------------------------------------------------------

struct Key3 {
  Pseudonym patient, grantee;
  ledger::Hash data_class;
  bool operator==(const Key3&) const = default;
};
struct Key2 {
  Pseudonym patient, grantee;
  bool operator==(const Key2&) const = default;
};
uint64_t word(const std::array<uint8_t, 32>& a) {
  uint64_t v;
  std::memcpy(&v, a.data(), 8);
  return v;
}
struct Key3Hash {
  size_t operator()(const Key3& k) const { return word(k.patient) ^ (word(k.grantee) * 31) ^ (word(k.data_class) * 131); }
};
struct Key2Hash {
  size_t operator()(const Key2& k) const { return word(k.patient) ^ (word(k.grantee) * 31); }
};

// A consent's terms as the native rule reads them: the lists at the lengths this benchmark
// gives them (the template's are longer), so that ten million fit in memory.
struct NativeTerms {
  Pseudonym patient{};
  Pseudonym grantee{};
  std::array<ledger::Hash, kClassesPerConsent> classes{};
  ledger::Hash withheld{};
  std::array<std::array<char, 16>, 2> purposes{};
  uint8_t purpose_count = 0;
  bool has_withheld = false;
  bool lookback = false;
  int64_t from = 0, until = 0;
};

struct NativeDecision {
  Outcome outcome = Outcome::not_permitted;
  Reason reason = Reason::no_consent;
};

// How the decider ranks abstentions (consent/decider.cpp), for the reasons this rule gives.
int specificity(Reason r) {
  switch (r) {
    case Reason::outside_lookback: return 11;
    case Reason::action_not_covered: return 9;
    case Reason::wrong_purpose: return 7;
    case Reason::expired: return 5;
    case Reason::not_yet_valid: return 4;
    case Reason::class_not_granted: return 3;
    case Reason::grantee_not_covered: return 2;
    default: return 0;
  }
}

class Native {
 public:
  explicit Native(const World& w) : lookback_floor_(World::months_before(w.today(), kLookbackMonths)) {
    terms_.resize(w.consents());
    by_class_.reserve(w.consents() * kClassesPerConsent * 21 / 20);
    pairs_.reserve(w.consents());
    for (uint64_t k = 0; k < w.consents(); ++k) {
      const Spec s = w.spec(k);
      NativeTerms& t = terms_[k];
      t.patient = w.patient(s.patient);
      t.grantee = w.group(s.group);
      for (int c = 0; c < kClassesPerConsent; ++c) t.classes[c] = w.class_hash(s.classes[c]);
      t.has_withheld = s.withheld.has_value();
      if (s.withheld) t.withheld = w.class_hash(*s.withheld);
      std::memcpy(t.purposes[0].data(), "TREAT", 5);
      if (s.emergency_too) std::memcpy(t.purposes[1].data(), "ETREAT", 6);
      t.purpose_count = s.emergency_too ? 2 : 1;
      t.lookback = s.lookback;
      t.from = s.from;
      t.until = s.until;
      for (const ledger::Hash& c : w.scope_classes(s)) by_class_.emplace(Key3{t.patient, t.grantee, c}, static_cast<uint32_t>(k));
      pairs_.insert(Key2{t.patient, t.grantee});
    }
  }

  // contracts/consent/treatment.cvn's `decide`, in its order.
  enum class Effect { permit, forbid, abstain };
  std::pair<Effect, Reason> rule(const NativeTerms& t, const consent::AccessRequest& a, int64_t today) const {
    if (a.patient != t.patient) return {Effect::abstain, Reason::grantee_not_covered};
    bool covered = a.grantee == t.grantee;
    for (const Pseudonym& g : a.groups) covered = covered || g == t.grantee;
    if (!covered) return {Effect::abstain, Reason::grantee_not_covered};
    if (today < t.from) return {Effect::abstain, Reason::not_yet_valid};
    if (today > t.until) return {Effect::abstain, Reason::expired};
    if (t.has_withheld && a.data_class == t.withheld) return {Effect::forbid, Reason::explicit_rule};
    if (a.action != "access") return {Effect::abstain, Reason::action_not_covered};
    bool purpose = false;
    for (uint8_t i = 0; i < t.purpose_count; ++i)
      purpose = purpose || (a.purpose.size() <= 16 && std::strncmp(t.purposes[i].data(), a.purpose.data(), 16) == 0 &&
                            (a.purpose.size() == 16 || t.purposes[i][a.purpose.size()] == 0));
    if (!purpose) return {Effect::abstain, Reason::wrong_purpose};
    bool granted = false;
    for (const ledger::Hash& c : t.classes) granted = granted || c == a.data_class;
    if (!granted) return {Effect::abstain, Reason::class_not_granted};
    if (t.lookback && !(a.record_date && *a.record_date <= today && *a.record_date >= lookback_floor_))
      return {Effect::abstain, Reason::outside_lookback};
    return {Effect::permit, Reason::granted};
  }

  NativeDecision decide(const consent::AccessRequest& a, int64_t today) const {
    NativeDecision d;
    bool any = false, permit = false, forbid = false;
    int best_rank = -1;
    auto consider = [&](const Pseudonym& grantee) {
      auto it = by_class_.find(Key3{a.patient, grantee, a.data_class});
      if (it == by_class_.end()) return;
      any = true;
      auto [effect, why] = rule(terms_[it->second], a, today);
      if (effect == Effect::forbid) forbid = true;
      else if (effect == Effect::permit) permit = true;
      else if (specificity(why) > best_rank) {
        best_rank = specificity(why);
        d.reason = why;
      }
    };
    consider(a.grantee);
    for (const Pseudonym& g : a.groups) consider(g);
    if (forbid) return {Outcome::explicitly_denied, Reason::explicit_rule};
    if (permit) return {Outcome::permitted, Reason::granted};
    if (any) return d;
    // Nothing for this class: does the grantee hold the patient's consent for another?
    bool other = pairs_.contains(Key2{a.patient, a.grantee});
    for (const Pseudonym& g : a.groups) other = other || pairs_.contains(Key2{a.patient, g});
    d.reason = other ? Reason::class_not_granted : Reason::no_consent;
    return d;
  }

 private:
  int64_t lookback_floor_;
  std::vector<NativeTerms> terms_;
  std::unordered_map<Key3, uint32_t, Key3Hash> by_class_;
  std::unordered_set<Key2, Key2Hash> pairs_;
};

// ---- the node ---------------------------------------------------------------------------------

constexpr std::string_view kBulkMagic = "covenant-consent-bench/bulk-load/v1";

// The bulk load's blocks. Block b holds the consents of the patients whose pseudonyms start in
// the b-th of `blocks` equal slices of the key space, so that each block's index keys land
// beside each other in LMDB (patient pseudonyms are random: loading consents in id order
// would scatter every block's index keys over the whole index, and each commit would rewrite
// most of its pages). Ids are given in load order, as grants would get them.
class BulkPlan {
 public:
  BulkPlan(const World& w, uint64_t per_block) {
    const uint64_t blocks = std::max<uint64_t>(1, (w.consents() + per_block - 1) / per_block);
    patients_.resize(blocks);
    for (uint64_t i = 1; i < w.patients(); ++i) {  // patient 0's consents are granted for real
      const unsigned __int128 slice = static_cast<unsigned __int128>(w.patient_prefix(i)) * blocks;
      patients_[static_cast<size_t>(slice >> 64)].push_back(static_cast<uint32_t>(i));
    }
  }
  uint64_t blocks() const { return patients_.size(); }
  const std::vector<uint32_t>& patients(uint64_t b) const { return patients_[b]; }

 private:
  std::vector<std::vector<uint32_t>> patients_;
};

std::vector<uint8_t> bulk_payload(uint64_t block, uint64_t first_id) {
  std::vector<uint8_t> p(kBulkMagic.begin(), kBulkMagic.end());
  ledger::put_u64(p, block);
  ledger::put_u64(p, first_id);
  return p;
}

// The node's executor (deploy, invoke, consent transactions) with two additions for this
// benchmark: a block holding only a bulk-load note writes that bulk block's consents as the
// consent layer stores granted instances (consent/store.hpp's keys and encoders), and every
// execution is timed. The bulk-load blocks are on the log, and their writes are in the state
// and its commitment, but a replay with a node's own executor would not reproduce them: a
// node made by this benchmark is for measuring, not for `ledger verify`. While the ledger
// appends one bulk block (state hash, LMDB), the next one is generated on another thread.
class BenchExecutor : public ledger::Executor {
 public:
  explicit BenchExecutor(const World& w) : world_(w) { consent::install(contracts_); }
  ~BenchExecutor() override {
    if (pending_.valid()) pending_.wait();
  }

  node::ContractExecutor& contracts() { return contracts_; }
  void set_bulk(const BulkPlan* plan, const node::Deployment& d, const ledger::PublicKey& granter) {
    plan_ = plan;
    deployment_ = d;
    granter_ = granter;
  }

  double execute_seconds = 0, bulk_seconds = 0;
  uint64_t bulk_consents = 0, bulk_index_keys = 0;

  Expected<ledger::BlockExecution, ledger::StorageError> execute(const ledger::StateReader& state,
                                                                 const ledger::BlockEnv& env,
                                                                 std::span<const ledger::ExecutedTx> txs) override {
    const auto start = Clock::now();
    if (plan_ && txs.size() == 1 && txs[0].kind == ledger::TxKind::note &&
        txs[0].payload.size() == kBulkMagic.size() + 16 &&
        std::equal(kBulkMagic.begin(), kBulkMagic.end(), txs[0].payload.begin())) {
      ledger::ByteReader in(txs[0].payload.subspan(kBulkMagic.size()));
      const uint64_t block = in.take_le(8, "block").value(), first_id = in.take_le(8, "first id").value();
      auto out = bulk(state, env, block, first_id);
      bulk_seconds += seconds_since(start);
      return out;
    }
    auto out = contracts_.execute(state, env, txs);
    execute_seconds += seconds_since(start);
    return out;
  }

 private:
  struct Prepared {
    uint64_t block = 0, first_id = 0, height = 0, next_id = 0, index_keys = 0;
    ledger::StateDelta delta;
  };

  // Bulk block `block`'s instances and index keys, ids from `first_id`, granted at `height`.
  Prepared prepare(uint64_t block, uint64_t first_id, uint64_t height) const {
    Prepared p{block, first_id, height, first_id, 0, {}};
    const std::vector<uint32_t>& patients = plan_->patients(block);
    std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>> pairs;
    pairs.reserve(patients.size() * 2 * (2 + kClassesPerConsent));
    for (uint32_t patient : patients)
      for (uint64_t k = 2 * uint64_t{patient}; k < std::min<uint64_t>(2 * uint64_t{patient} + 2, world_.consents()); ++k) {
        const consent::Instance i = world_.instance(k, p.next_id++, deployment_, granter_, height);
        pairs.emplace_back(consent::instance_key(i.id), consent::encode_instance(i));
        for (const ledger::Hash& c : i.classes)
          pairs.emplace_back(consent::index_key(i.patient, i.grantees[0], c, i.id), std::vector<uint8_t>{});
        p.index_keys += i.classes.size();
      }
    // Sorted first, then the delta filled in key order (each insertion at the end).
    std::sort(pairs.begin(), pairs.end(),
              [](const auto& a, const auto& b) { return ledger::ByteOrder{}(a.first, b.first); });
    for (auto& [key, value] : pairs)
      p.delta.emplace_hint(p.delta.end(), std::move(key), ledger::StateChange{std::nullopt, std::move(value)});
    return p;
  }

  Expected<ledger::BlockExecution, ledger::StorageError> bulk(const ledger::StateReader& state,
                                                              const ledger::BlockEnv& env, uint64_t block,
                                                              uint64_t first_id) {
    Prepared p;
    if (pending_.valid()) p = pending_.get();
    if (p.block != block || p.first_id != first_id || p.height != env.height || p.next_id == 0)
      p = prepare(block, first_id, env.height);
    if (block + 1 < plan_->blocks())  // the next one, while the ledger appends this one
      pending_ = std::async(std::launch::async, &BenchExecutor::prepare, this, block + 1, p.next_id, env.height + 1);
    bulk_consents += p.next_id - first_id;
    bulk_index_keys += p.index_keys;
    ledger::BlockExecution out;
    out.receipts.emplace_back();  // a note's receipt
    out.delta = std::move(p.delta);
    const std::vector<uint8_t> next_key = consent::next_id_key();
    auto before = state.get(next_key);
    if (!before) return unexpected(std::move(before).error());
    std::vector<uint8_t> next;
    ledger::put_u64(next, p.next_id);
    out.delta.insert_or_assign(next_key, ledger::StateChange{std::move(*before), std::move(next)});
    return out;
  }

  const World& world_;
  node::ContractExecutor contracts_;
  const BulkPlan* plan_ = nullptr;
  node::Deployment deployment_;
  ledger::PublicKey granter_{};
  std::future<Prepared> pending_;
};

ledger::AdmittedTx signed_tx(ledger::Node& node, ledger::TxKind kind, std::vector<uint8_t> payload) {
  ledger::Transaction tx;
  tx.chain_id = node.ledger().chain_id();
  tx.signer = node.key().public_key();
  tx.nonce = node.ledger().next_nonce(tx.signer).value();
  tx.kind = kind;
  tx.payload = std::move(payload);
  if (!ledger::sign_transaction(tx, node.key())) die("cannot sign");
  auto bytes = ledger::encode(tx);
  if (!bytes) die(bytes.error().reason);
  auto admitted = ledger::admit_transaction(*bytes, node.ledger().chain_id());
  if (!admitted) die(admitted.error().reason);
  return std::move(*admitted);
}

ledger::Ledger::Appended append(ledger::Node& node, std::vector<ledger::AdmittedTx> txs, uint64_t time_ms) {
  auto appended = node.ledger().append_transactions(txs, time_ms, node.key());
  if (!appended) die(appended.error().describe());
  return std::move(*appended);
}

std::vector<uint8_t> compile_template(const fs::path& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  static compiler::SourceFile source(path.string(), text.str());
  compiler::Diagnostics diags;
  compiler::CompileRequest request;
  request.base_dir = path.parent_path();
  compiler::Compilation c = compiler::compile(source, request, diags);
  if (diags.has_errors()) die(path.string() + " does not compile");
  return c.bytes;
}

struct Built {
  node::Deployment deployment;
  uint64_t index_keys = 0;
  double seconds = 0, bulk_execute = 0;
  uint64_t bulk_blocks = 0;
};

// A fresh node in `dir` holding consents 0 .. w.consents() - 1 (ids 1 ..).
Built build_state(const World& w, const Options& o, const std::vector<uint8_t>& module, const fs::path& dir,
                  uint64_t time_ms) {
  Built b;
  const auto start = Clock::now();
  BenchExecutor executor(w);
  ledger::Seed seed{};
  seed.fill(0x5e);
  auto node = ledger::Node::init(dir, "consent-bench", time_ms, seed, ledger::kDefaultSegmentCapacity, &executor);
  if (!node) die(node.error().describe());
  // The template, deployed by the node key (a hospital).
  auto deployed = append(*node, {signed_tx(*node, ledger::TxKind::deploy, module)}, time_ms);
  if (deployed.receipts[0].status != ledger::ReceiptStatus::ok) die("deploy: " + deployed.receipts[0].reason);
  auto list = node::ContractExecutor::deployments(node->ledger().state());
  if (!list || list->size() != 1) die("the template's deployment is not in the state");
  b.deployment = list->front();
  const ledger::PublicKey granter = node->key().public_key();

  // Fidelity: patient 0's two consents through real enrol and grant transactions (ids 1 and
  // 2); what the consent handler stored must be byte for byte what the bulk load writes.
  const uint64_t real = std::min<uint64_t>(2, w.consents());
  if (real > 0) {
    append(*node, {signed_tx(*node, ledger::TxKind::consent,
                             consent::encode_consent_op(consent::Enrol{w.patient(0), {granter}}))},
           time_ms);
    // Both grants in one block, so each gets its own nonce (signed_tx reads the state's).
    std::vector<ledger::AdmittedTx> grants;
    uint64_t nonce = node->ledger().next_nonce(granter).value();
    for (uint64_t k = 0; k < real; ++k) {
      ledger::Transaction tx;
      tx.chain_id = node->ledger().chain_id();
      tx.signer = granter;
      tx.nonce = nonce++;
      tx.kind = ledger::TxKind::consent;
      tx.payload = consent::encode_consent_op(consent::Grant{b.deployment.name, b.deployment.version, w.terms(w.spec(k))});
      if (!ledger::sign_transaction(tx, node->key())) die("cannot sign");
      grants.push_back(ledger::admit_transaction(*ledger::encode(tx), tx.chain_id).value());
    }
    auto granted = append(*node, std::move(grants), time_ms);
    const uint64_t height = granted.header.height;
    for (uint64_t k = 0; k < real; ++k) {
      const ledger::Receipt& r = granted.receipts[k];
      if (r.status != ledger::ReceiptStatus::ok) die("grant " + std::to_string(k) + ": " + r.reason);
      const consent::Instance i = w.instance(k, k + 1, b.deployment, granter, height);
      auto stored = node->ledger().state().get(consent::instance_key(i.id));
      if (!stored || !*stored || **stored != consent::encode_instance(i))
        die("consent " + std::to_string(i.id) + " as the consent handler stored it differs from the bulk load's");
      for (const ledger::Hash& c : i.classes) {
        auto present = node->ledger().state().get(consent::index_key(i.patient, i.grantees[0], c, i.id));
        if (!present || !*present) die("an index key of consent " + std::to_string(i.id) + " is not where the bulk load puts it");
      }
    }
  }

  // The rest, bulk-loaded.
  const BulkPlan plan(w, o.bulk);
  executor.set_bulk(&plan, b.deployment, granter);
  uint64_t next_id = real + 1;
  for (uint64_t block = 0; block < plan.blocks(); ++block) {
    append(*node, {signed_tx(*node, ledger::TxKind::note, bulk_payload(block, next_id))}, time_ms);
    next_id = real + 1 + executor.bulk_consents;
    ++b.bulk_blocks;
    if (b.bulk_blocks % 8 == 0)
      std::fprintf(stderr, "  %s consents loaded, %.0f s\n", with_commas(next_id - 1).c_str(), seconds_since(start));
  }
  if (next_id - 1 != w.consents()) die("the bulk load wrote " + std::to_string(next_id - 1) + " consents");
  b.index_keys = executor.bulk_index_keys;
  for (uint64_t k = 0; k < real; ++k) b.index_keys += w.scope_classes(w.spec(k)).size();
  b.bulk_execute = executor.bulk_seconds;
  b.seconds = seconds_since(start);
  return b;
}

// Pages read from disk so far: major page faults (LMDB reads through its memory map) and
// the MiB the process read from block devices.
struct Io {
  long faults = 0;
  double mib = 0;
  Io operator-(const Io& o) const { return {faults - o.faults, mib - o.mib}; }
};
Io io_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {u.ru_majflt, static_cast<double>(u.ru_inblock) * 512.0 / (1 << 20)};
}

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The state reads of the Decider, replayed on the node's LMDB file with LMDB's own API once
// the node is closed: the same index seeks and instance reads for each request,
//   (a) each in its own read transaction with its own cursor, key and value copied out, as a
//       read-only WorldState reads;
//   (b) in one read transaction, a cursor opened for each seek, key and value copied out, as
//       a writable WorldState reads (its kept read transaction);
//   (c) in one read transaction with one cursor per decision, reading in place;
//   (d) as (c), but finding the candidates with one range scan over the patient's index keys
//       (MDB_NEXT, matching grantee and class in memory) and one seek for the every-patient
//       policies, instead of one seek per (patient, grantee, class) prefix.
// Microseconds per decision for each: how much of the reads' time is transactions, cursors
// and copies, and how much the number of B-tree descents.
std::array<double, 4> raw_lmdb(const fs::path& state_dir, const std::vector<Request>& requests) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 2) != 0 ||
      mdb_env_open(env, state_dir.c_str(), MDB_RDONLY | MDB_NORDAHEAD, 0644) != 0)
    die("raw LMDB: cannot open " + state_dir.string());
  MDB_txn* txn = nullptr;
  MDB_dbi dbi;
  if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) != 0 || mdb_dbi_open(txn, "state", 0, &dbi) != 0)
    die("raw LMDB: no state database");
  if (mdb_txn_commit(txn) != 0) die("raw LMDB: cannot keep the database handle");  // an abort would close it
  txn = nullptr;

  auto starts_with = [](const MDB_val& k, const std::vector<uint8_t>& prefix) {
    return k.mv_size >= prefix.size() && std::memcmp(k.mv_data, prefix.data(), prefix.size()) == 0;
  };
  // One decision's reads; `seek` does one MDB_SET_RANGE, `get` one MDB_SET.
  auto decide_reads = [&](const consent::AccessRequest& a, auto&& seek, auto&& get) {
    std::vector<const Pseudonym*> grantees{&a.grantee};
    for (const Pseudonym& g : a.groups) grantees.push_back(&g);
    grantees.push_back(&consent::kAny);
    const std::array<const Pseudonym*, 2> patients{&a.patient, &consent::kAny};
    const std::array<const ledger::Hash*, 2> classes{&a.data_class, &consent::kAny};
    std::vector<uint64_t> ids;
    auto ids_under = [&](const std::vector<uint8_t>& prefix) {
      std::vector<uint8_t> from = prefix;
      for (;;) {
        MDB_val k{from.size(), from.data()};
        if (!seek(k) || !starts_with(k, prefix)) break;
        const auto* bytes = static_cast<const uint8_t*>(k.mv_data);
        ids.push_back(consent::id_of_index_key({bytes, k.mv_size}));
        from.assign(bytes, bytes + k.mv_size);
        from.push_back(0);
      }
    };
    for (const Pseudonym* p : patients)
      for (const Pseudonym* g : grantees)
        for (const ledger::Hash* c : classes) ids_under(consent::index_prefix(*p, g, c));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    uint64_t found = 0;
    for (uint64_t id : ids) {
      std::vector<uint8_t> key = consent::instance_key(id);
      MDB_val k{key.size(), key.data()};
      found += get(k);
    }
    if (ids.empty())
      for (const Pseudonym* p : patients) {
        for (const Pseudonym* g : grantees) ids_under(consent::index_prefix(*p, g));
        if (!ids.empty()) break;
      }
    return found;
  };

  uint64_t sink = 0, found_a = 0, found_b = 0;
  // (a) a transaction and a cursor per read, key and value copied out.
  auto t = Clock::now();
  for (const Request& r : requests) {
    found_a += decide_reads(
        r.access,
        [&](MDB_val& k) {
          MDB_txn* x = nullptr;
          MDB_cursor* c = nullptr;
          if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &x) != 0 || mdb_cursor_open(x, dbi, &c) != 0) die("raw LMDB: no cursor");
          MDB_val v;
          const bool ok = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) == 0;
          static thread_local std::vector<uint8_t> key_copy, value_copy;
          if (ok) {
            key_copy.assign(static_cast<uint8_t*>(k.mv_data), static_cast<uint8_t*>(k.mv_data) + k.mv_size);
            value_copy.assign(static_cast<uint8_t*>(v.mv_data), static_cast<uint8_t*>(v.mv_data) + v.mv_size);
            k = MDB_val{key_copy.size(), key_copy.data()};
          }
          mdb_cursor_close(c);
          mdb_txn_abort(x);
          return ok;
        },
        [&](MDB_val& k) {
          MDB_txn* x = nullptr;
          if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &x) != 0) die("raw LMDB: no transaction");
          MDB_val v;
          const bool ok = mdb_get(x, dbi, &k, &v) == 0;
          std::vector<uint8_t> value;
          if (ok) value.assign(static_cast<uint8_t*>(v.mv_data), static_cast<uint8_t*>(v.mv_data) + v.mv_size);
          mdb_txn_abort(x);
          return ok && !value.empty();
        });
  }
  const double per_op = std::chrono::duration<double, std::micro>(Clock::now() - t).count() / static_cast<double>(requests.size());
  // (b) one transaction, a cursor per seek, copies.
  MDB_txn* x = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &x); rc != 0) die(std::string("raw LMDB: ") + mdb_strerror(rc));
  uint64_t found_kept = 0;
  t = Clock::now();
  for (const Request& r : requests) {
    found_kept += decide_reads(
        r.access,
        [&](MDB_val& k) {
          MDB_cursor* cur = nullptr;
          if (mdb_cursor_open(x, dbi, &cur) != 0) die("raw LMDB: no cursor");
          MDB_val v;
          const bool ok = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0;
          static thread_local std::vector<uint8_t> key_copy, value_copy;
          if (ok) {
            key_copy.assign(static_cast<uint8_t*>(k.mv_data), static_cast<uint8_t*>(k.mv_data) + k.mv_size);
            value_copy.assign(static_cast<uint8_t*>(v.mv_data), static_cast<uint8_t*>(v.mv_data) + v.mv_size);
            k = MDB_val{key_copy.size(), key_copy.data()};
          }
          mdb_cursor_close(cur);
          return ok;
        },
        [&](MDB_val& k) {
          MDB_val v;
          const bool ok = mdb_get(x, dbi, &k, &v) == 0;
          std::vector<uint8_t> value;
          if (ok) value.assign(static_cast<uint8_t*>(v.mv_data), static_cast<uint8_t*>(v.mv_data) + v.mv_size);
          return ok && !value.empty();
        });
  }
  const double per_kept = std::chrono::duration<double, std::micro>(Clock::now() - t).count() / static_cast<double>(requests.size());
  mdb_txn_abort(x);
  x = nullptr;
  // (c) one transaction and one cursor per decision, read in place.
  MDB_cursor* c = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &x); rc != 0) die(std::string("raw LMDB: ") + mdb_strerror(rc));
  if (int rc = mdb_cursor_open(x, dbi, &c); rc != 0) die(std::string("raw LMDB: ") + mdb_strerror(rc));
  mdb_txn_reset(x);
  t = Clock::now();
  for (const Request& r : requests) {
    if (mdb_txn_renew(x) != 0 || mdb_cursor_renew(x, c) != 0) die("raw LMDB: cannot renew");
    found_b += decide_reads(
        r.access,
        [&](MDB_val& k) {
          MDB_val v;
          return mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) == 0;
        },
        [&](MDB_val& k) {
          MDB_val v;
          return mdb_cursor_get(c, &k, &v, MDB_SET_KEY) == 0 && v.mv_size > 0;
        });
    mdb_txn_reset(x);
  }
  const double per_decision = std::chrono::duration<double, std::micro>(Clock::now() - t).count() / static_cast<double>(requests.size());
  // (d) one scan per patient.
  uint64_t found_c = 0;
  t = Clock::now();
  for (const Request& r : requests) {
    if (mdb_txn_renew(x) != 0 || mdb_cursor_renew(x, c) != 0) die("raw LMDB: cannot renew");
    const consent::AccessRequest& a = r.access;
    std::vector<uint64_t> ids;
    bool other = false;
    for (const Pseudonym* p : {&a.patient, &consent::kAny}) {
      const std::vector<uint8_t> prefix = consent::index_prefix(*p);
      MDB_val k{prefix.size(), const_cast<uint8_t*>(prefix.data())}, v;
      for (int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 && starts_with(k, prefix);
           rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const auto* key = static_cast<const uint8_t*>(k.mv_data);
        const uint8_t* grantee = key + prefix.size();
        const uint8_t* data_class = grantee + 32;
        auto is = [](const uint8_t* at, const std::array<uint8_t, 32>& want) { return std::memcmp(at, want.data(), 32) == 0; };
        bool g = is(grantee, a.grantee) || is(grantee, consent::kAny);
        for (const Pseudonym& group : a.groups) g = g || is(grantee, group);
        if (!g) continue;
        other = true;
        if (is(data_class, a.data_class) || is(data_class, consent::kAny)) ids.push_back(consent::id_of_index_key({key, k.mv_size}));
      }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (uint64_t id : ids) {
      std::vector<uint8_t> key = consent::instance_key(id);
      MDB_val k{key.size(), key.data()}, v;
      found_c += mdb_cursor_get(c, &k, &v, MDB_SET_KEY) == 0 && v.mv_size > 0;
    }
    sink += other;
    mdb_txn_reset(x);
  }
  const double per_scan = std::chrono::duration<double, std::micro>(Clock::now() - t).count() / static_cast<double>(requests.size());
  mdb_cursor_close(c);
  mdb_txn_abort(x);
  mdb_env_close(env);
  uint64_t expected = 0;
  for (const Request& r : requests) expected += runs_template(r.kind);
  if (found_a != expected || found_kept != expected || found_b != expected || found_c != expected)
    die("raw LMDB found " + std::to_string(found_a) + ", " + std::to_string(found_kept) + ", " + std::to_string(found_b) +
        " and " + std::to_string(found_c) + " consents, not " + std::to_string(expected));
  if (sink == 1) std::puts("");
  return {per_op, per_kept, per_decision, per_scan};
}

// ---- measuring --------------------------------------------------------------------------------

struct Latency {
  double median_ns = 0, p99_ns = 0;
};

Latency percentiles(std::vector<uint32_t>& ns) {
  if (ns.empty()) return {};
  std::sort(ns.begin(), ns.end());
  return {static_cast<double>(ns[ns.size() / 2]), static_cast<double>(ns[std::min(ns.size() - 1, ns.size() * 99 / 100)])};
}

uint32_t ns_between(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint32_t>(std::min<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count(), UINT32_MAX));
}

struct Row {
  std::string what;
  double per_second = 0;  // wall clock
  Latency latency;
  bool has_latency = false;
  double per_cpu_second = 0;  // decisions per CPU-second of the threads doing them
};

void check(bool ok, const std::string& what) {
  if (!ok) die("mismatch: " + what);
}


// The node's state as the Decider reads it, counting and timing every read (the
// instrumented pass of (3)).
class CountingReader : public ledger::StateReader {
 public:
  explicit CountingReader(const ledger::StateReader& base) : base_(base) {}
  Expected<std::optional<std::vector<uint8_t>>, ledger::StorageError> get(std::span<const uint8_t> key) const override {
    const auto t = Clock::now();
    auto out = base_.get(key);
    ns += ns_between(t, Clock::now());
    ++gets;
    return out;
  }
  Expected<std::optional<ledger::StatePair>, ledger::StorageError> seek(std::span<const uint8_t> key) const override {
    const auto t = Clock::now();
    auto out = base_.seek(key);
    ns += ns_between(t, Clock::now());
    ++seeks;
    return out;
  }
  mutable uint64_t gets = 0, seeks = 0, ns = 0;

 private:
  const ledger::StateReader& base_;
};

// What one pair of steady_clock reads costs, to take out of instrumented timings.
double clock_pair_ns() {
  const int n = 1'000'000;
  uint64_t sum = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto a = Clock::now();
    sum += ns_between(a, Clock::now());
  }
  const double total = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  if (sum == 1) std::puts("");
  return total / n;
}

// Where the time of one decision goes, in microseconds per decision (mean over `requests`).
struct Breakdown {
  double total = 0, reads = 0, gets = 0, seeks = 0, vm = 0, vm_calls = 0, hashes = 0, decode = 0;
};

Breakdown break_down(const World& w, const std::vector<Request>& requests, node::ContractExecutor& contracts,
                     const ledger::StateReader& state, const node::Deployment& d, int64_t today, uint64_t height) {
  Breakdown b;
  const double clock_ns = clock_pair_ns();
  const double n = static_cast<double>(requests.size());
  // The Decider, its reads counted and timed.
  {
    CountingReader counting(state);
    node::BlockState block(counting);
    consent::Decider decider;
    uint64_t consulted = 0;
    const auto t0 = Clock::now();
    for (const Request& r : requests) consulted += decider.decide(contracts, block, r.access, today, height)->consulted;
    const double total_ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    const double ops = static_cast<double>(counting.gets + counting.seeks);
    b.reads = (static_cast<double>(counting.ns) - ops * clock_ns) / n / 1e3;
    b.total = (total_ns - ops * clock_ns) / n / 1e3;
    b.gets = static_cast<double>(counting.gets) / n;
    b.seeks = static_cast<double>(counting.seeks) / n;
    b.vm_calls = static_cast<double>(consulted) / n;
  }
  // The parts of a decision that do not read the state, each on its own over the same
  // requests: the template's `decide` on the VM, SHA-256 of the request, of each consulted
  // record and of the policy set, and decoding the record.
  node::BlockState block(state);
  auto contract = contracts.load(block, d.module_id);
  if (!contract) die(contract.error().describe());
  auto entries = consent::template_entries((*contract)->abi());
  runtime::MemoryState scratch;
  std::vector<std::vector<uint8_t>> inputs, records;
  for (const Request& r : requests) {
    if (!runs_template(r.kind)) continue;  // no VM call
    const consent::Instance i = w.instance(r.consent, r.consent + 1, d, ledger::PublicKey{}, 1);
    std::vector<uint8_t> input = i.terms;
    input.resize(i.terms.size() + consent::kAccessSize);
    consent::layout_access(r.access, std::span<uint8_t, consent::kAccessSize>(input.data() + i.terms.size(), consent::kAccessSize));
    inputs.push_back(std::move(input));
    records.push_back(consent::encode_instance(i));
  }
  uint64_t sink = 0;
  auto t = Clock::now();
  for (const auto& input : inputs) {
    runtime::CallContext context;
    context.state = &scratch;
    context.today = today;
    const uint64_t mark = scratch.checkpoint();
    auto out = runtime::call_entry(contracts.machine(), **contract, *entries->decide, input, consent::kDecideGas, context);
    scratch.rollback(mark);
    auto ruling = consent::read_ruling(out.output);
    sink += ruling ? static_cast<uint64_t>(ruling->reason) : 1;
  }
  const double per_call_ns = std::chrono::duration<double, std::nano>(Clock::now() - t).count() / std::max<size_t>(1, inputs.size());
  b.vm = per_call_ns * b.vm_calls / 1e3;
  ledger::Hasher& hasher = ledger::thread_hasher();
  t = Clock::now();
  for (const Request& r : requests) {
    std::vector<uint8_t> bytes;
    consent::put_request(bytes, r.access);
    sink += hasher.sha256(bytes)[0];
    std::vector<uint8_t> policy(40, static_cast<uint8_t>(sink));
    sink += hasher.sha256(policy)[0];
  }
  const double per_request_ns = std::chrono::duration<double, std::nano>(Clock::now() - t).count() / n;
  t = Clock::now();
  for (const auto& record : records) sink += hasher.sha256(record)[0];
  const double per_record_hash_ns = std::chrono::duration<double, std::nano>(Clock::now() - t).count() / std::max<size_t>(1, records.size());
  t = Clock::now();
  for (size_t i = 0; i < records.size(); ++i) sink += consent::decode_instance(i + 1, records[i])->terms.size();
  const double per_decode_ns = std::chrono::duration<double, std::nano>(Clock::now() - t).count() / std::max<size_t>(1, records.size());
  if (sink == 1) std::puts("");
  b.hashes = (per_request_ns + per_record_hash_ns * b.vm_calls) / 1e3;
  b.decode = per_decode_ns * b.vm_calls / 1e3;
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.template_path = source_dir() + "/contracts/consent/treatment.cvn";
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--keep") {
      o.keep = true;
      continue;
    }
    if (i + 1 >= argc) die("option " + k + " needs a value");
    const char* v = argv[++i];
    const uint64_t n = std::strtoull(v, nullptr, 10);
    if (k == "--consents") o.consents = n;
    else if (k == "--decisions") o.decisions = n;
    else if (k == "--audited") o.audited = n;
    else if (k == "--block") o.block = n;
    else if (k == "--bulk") o.bulk = n;
    else if (k == "--threads") o.threads = static_cast<unsigned>(n);
    else if (k == "--seed") o.seed = n;
    else if (k == "--scratch") o.scratch = v;
    else if (k == "--template") o.template_path = v;
    else
      die("unknown option " + k +
          " (--consents N, --decisions N, --audited N, --block N, --bulk N, --threads N, --seed N, --scratch DIR, "
          "--template FILE, --keep)");
  }
  if (o.consents < 2) die("--consents must be at least 2");
  if (o.consents > 2 * uint64_t{UINT32_MAX}) die("--consents is too large");
  if (o.block < 1 || o.block > ledger::kMaxSealedTransactions)
    die("--block must be 1 to " + std::to_string(ledger::kMaxSealedTransactions));
  if (o.bulk < 1) die("--bulk must be at least 1");

  // All blocks at noon of one day, which is `now()` for every decision.
  const int64_t today = runtime::days_from_civil(2026, 7, 1);
  const uint64_t time_ms = static_cast<uint64_t>(today) * 86'400'000 + 43'200'000;
  const World world(o.consents, o.seed, today);

  const std::vector<uint8_t> module = compile_template(o.template_path);
  auto loaded = runtime::LoadedContract::load(module);
  if (!loaded) die(loaded.error());
  auto entries = consent::template_entries(loaded->abi());
  if (!entries) die(o.template_path.string() + " is not a consent template: " + entries.error());
  if (entries->terms_size != kTermsSize)
    die("the template's terms are " + std::to_string(entries->terms_size) + " bytes; this benchmark writes " +
        std::to_string(kTermsSize));
  for (uint64_t k = 0; k < 64; ++k) {  // the bulk load's terms are the ABI's encoding
    auto encoded = runtime::encode_params(*entries->grant, world.terms_json(world.spec(k)));
    if (!encoded) die("terms JSON: " + encoded.error());
    check(*encoded == world.terms(world.spec(k)), "terms of consent " + std::to_string(k) + " against the ABI");
  }

  const fs::path dir = o.scratch / ("covenant-consent-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::printf("covenant-consent-bench: template %s, %s consents (%s patients with two each, %d%% expired), "
              "%s decisions, %s audited in blocks of %s\n",
              fs::relative(o.template_path, source_dir()).c_str(), with_commas(o.consents).c_str(),
              with_commas(world.patients()).c_str(), kExpiredPercent, with_commas(o.decisions).c_str(),
              with_commas(o.audited).c_str(), with_commas(o.block).c_str());
  std::fflush(stdout);

  const std::vector<Request> requests = make_requests(world, o.decisions, 1);
  uint64_t mix_count[kKinds] = {};
  for (const Request& r : requests) ++mix_count[static_cast<int>(r.kind)];
  std::vector<Row> rows;

  // (2) the native baseline, first: its maps are freed before the node's state is built, so
  // that the two never compete for memory (at 10 million consents the maps take about 7 GiB
  // and the LMDB file about as much page cache as it is large).
  double native_build = 0;
  {
    std::fprintf(stderr, "(2) building the native maps\n");
    const auto start = Clock::now();
    const Native native(world);
    native_build = seconds_since(start);
    for (const Request& r : requests) {
      NativeDecision d = native.decide(r.access, today);
      check(d.outcome == expected_outcome(r.kind) && d.reason == expected_reason(r.kind), "native baseline");
    }
    uint64_t sink = 0;
    auto t0 = Clock::now();
    const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (const Request& r : requests) sink += static_cast<uint64_t>(native.decide(r.access, today).reason);
    const double s = seconds_since(t0), cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
    std::vector<uint32_t> ns;
    ns.reserve(requests.size());
    for (const Request& r : requests) {
      auto a = Clock::now();
      sink += static_cast<uint64_t>(native.decide(r.access, today).reason);
      ns.push_back(ns_between(a, Clock::now()));
    }
    if (sink == 1) std::puts("");
    rows.push_back({"(2) unaudited: C++ hash map, rule in C++", static_cast<double>(requests.size()) / s, percentiles(ns), true,
                    static_cast<double>(requests.size()) / cpu});
  }

  // (1) the state
  std::fprintf(stderr, "(1) building the node's state\n");
  const fs::path node_dir = dir / "node";
  const Built built = build_state(world, o, module, node_dir, time_ms);
  const uint64_t mdb_bytes = fs::file_size(node_dir / "state" / "data.mdb");
  std::printf("(1) state: %s consents (%s instances, %s index keys) in a node's LMDB world state; built in %.1f s "
              "(%llu bulk-load blocks, each generated while the ledger appends the one before; waiting for them %.1f s, "
              "the rest is the ledger's append: state hash, LMDB commit, log); data.mdb %.2f GiB\n",
              with_commas(o.consents).c_str(), with_commas(o.consents).c_str(), with_commas(built.index_keys).c_str(),
              built.seconds, static_cast<unsigned long long>(built.bulk_blocks), built.bulk_execute,
              static_cast<double>(mdb_bytes) / (1u << 30));
  std::fflush(stdout);

  // (3) and (4) on the node, opened as a node opens it.
  BenchExecutor executor(world);
  auto opened = ledger::Node::open(node_dir, ledger::OpenMode::read_write, &executor);
  if (!opened) die(opened.error().describe());
  std::optional<ledger::Node> held(std::move(*opened));
  ledger::Node* node = &*held;
  if (node->ledger().recovery().replayed_blocks != 0) die("the node replayed blocks on opening");
  const uint64_t height = node->ledger().head().height + 1;

  // (3) the Decider on the VM, nothing recorded
  Breakdown breakdown;
  struct {
    double per_second = 0;
    Io io;
  } first_pass;
  Io timed_io, audited_io;
  {
    std::fprintf(stderr, "(3) the Decider\n");
    node::BlockState block(node->ledger().state());
    consent::Decider decider;
    node::ContractExecutor& contracts = executor.contracts();
    const Io io0 = io_now();
    const auto cold0 = Clock::now();
    for (const Request& r : requests) {  // checks every decision, and brings their pages in
      auto d = decider.decide(contracts, block, r.access, today, height);
      if (!d) die(d.error().describe());
      check(d->outcome == expected_outcome(r.kind) && d->reason == expected_reason(r.kind),
            std::string("Decider: ") + std::string(consent::reason_name(d->reason)));
    }
    first_pass = {static_cast<double>(requests.size()) / seconds_since(cold0), io_now() - io0};
    const Io io1 = io_now();
    uint64_t sink = 0;
    auto t0 = Clock::now();
    const double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (const Request& r : requests) sink += decider.decide(contracts, block, r.access, today, height)->consulted;
    const double s = seconds_since(t0), cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
    std::vector<uint32_t> ns;
    ns.reserve(requests.size());
    for (const Request& r : requests) {
      auto a = Clock::now();
      sink += decider.decide(contracts, block, r.access, today, height)->consulted;
      ns.push_back(ns_between(a, Clock::now()));
    }
    if (sink == 1) std::puts("");
    rows.push_back({"(3) unaudited: Decider on the VM, LMDB state", static_cast<double>(requests.size()) / s,
                    percentiles(ns), true, static_cast<double>(requests.size()) / cpu});
    timed_io = io_now() - io1;
    breakdown = break_down(world, requests, contracts, node->ledger().state(), built.deployment, today, height);
  }

  // (4) audited: Ask transactions in sealed blocks, appended to the node's ledger
  struct Phases {
    double prepare = 0, admit = 0, append = 0, cpu = 0;
  } ph;
  std::vector<uint32_t> block_ns;
  uint64_t audited_blocks = 0;
  if (o.audited > 0) {
    std::fprintf(stderr, "(4) audited decisions\n");
    // The same requests as (3) (the same generator and seed: its first --decisions).
    const std::vector<Request> asks = make_requests(world, o.audited, 1);
    const Io io0 = io_now();
    uint64_t nonce = node->ledger().next_nonce(node->key().public_key()).value();
    const std::string chain = node->ledger().chain_id();
    executor.execute_seconds = 0;
    for (size_t first = 0; first < asks.size(); first += o.block) {
      const size_t count = std::min<size_t>(o.block, asks.size() - first);
      const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
      const auto b0 = Clock::now();
      std::vector<ledger::Transaction> txs(count);
      for (size_t i = 0; i < count; ++i) {
        txs[i].kind = ledger::TxKind::consent;
        txs[i].payload = consent::encode_consent_op(consent::Ask{asks[first + i].access});
      }
      auto seal = ledger::seal_batch(txs, node->key(), nonce, chain);
      if (!seal) die("sealing: " + seal.error().reason);
      auto seal_bytes = ledger::encode(*seal);
      if (!seal_bytes) die(seal_bytes.error().reason);
      std::vector<std::vector<uint8_t>> covered;
      covered.reserve(count);
      for (const auto& tx : txs) covered.push_back(ledger::encode(tx).value());
      const auto b1 = Clock::now();
      auto admitted = ledger::admit_sealed_batch(*seal_bytes, covered, chain);
      if (!admitted) die("admitting: " + admitted.error().reason);
      const auto b2 = Clock::now();
      auto appended = append(*node, std::move(*admitted), time_ms);
      const auto b3 = Clock::now();
      ph.cpu += cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
      nonce += count + 1;
      ++audited_blocks;
      ph.prepare += std::chrono::duration<double>(b1 - b0).count();
      ph.admit += std::chrono::duration<double>(b2 - b1).count();
      ph.append += std::chrono::duration<double>(b3 - b2).count();
      block_ns.push_back(ns_between(b0, b3));
      // Every recorded decision is the expected one (outside the timed phases).
      for (size_t i = 0; i < count; ++i) {
        const ledger::Receipt& r = appended.receipts[1 + i];  // receipts[0] is the seal's
        if (r.status != ledger::ReceiptStatus::ok) die("ask refused: " + r.reason);
        auto d = consent::decode_decision(r.output);
        if (!d) die("a recorded decision does not decode");
        check(d->outcome == expected_outcome(asks[first + i].kind) && d->reason == expected_reason(asks[first + i].kind),
              "recorded decision");
      }
    }
    audited_io = io_now() - io0;
    const double audited_s = ph.prepare + ph.admit + ph.append;
    rows.push_back({"(4) audited: Ask txs in sealed blocks, on the ledger", static_cast<double>(o.audited) / audited_s,
                    percentiles(block_ns), true, static_cast<double>(o.audited) / ph.cpu});
  }

  held.reset();  // closed: opened read-only next, then its LMDB file is read directly

  // (3) on more threads. A writable state keeps one read transaction for all reads, which
  // is for one thread; a read-only node begins a read transaction per read, which any thread
  // may do. The Decider is measured there on one thread and on --threads.
  if (o.threads > 1) {
    std::fprintf(stderr, "(3) on %u threads, read-only node\n", o.threads);
    auto read_only = ledger::Node::open(node_dir, ledger::OpenMode::read_only);
    if (!read_only) die(read_only.error().describe());
    for (unsigned threads : {1u, o.threads}) {
      std::vector<std::thread> pool;
      const auto t1 = Clock::now();
      const double c1 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
      for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
          node::ContractExecutor own;
          node::BlockState view(read_only->ledger().state());
          consent::Decider d;
          uint64_t local = 0;
          for (size_t i = t; i < requests.size(); i += threads)
            local += d.decide(own, view, requests[i].access, today, height)->consulted;
          if (local == 1) std::puts("");
        });
      for (auto& th : pool) th.join();
      const double s2 = seconds_since(t1), cpu2 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c1;
      rows.push_back({"(3) read-only node, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads"),
                      static_cast<double>(requests.size()) / s2, {}, false, static_cast<double>(requests.size()) / cpu2});
    }
  }
  std::fprintf(stderr, "(3) the same reads in raw LMDB\n");
  const auto raw = raw_lmdb(node_dir / "state", requests);

  // The report
  const double baseline = rows[0].per_second;
  std::printf("requests: %s permitted, %s class not granted, %s no consent, %s expired, %s withheld class (explicitly "
              "denied); the outcome and reason of every decision agree between the generator, (2), (3) and (4)\n",
              with_commas(mix_count[0]).c_str(), with_commas(mix_count[1]).c_str(), with_commas(mix_count[2]).c_str(),
              with_commas(mix_count[3]).c_str(), with_commas(mix_count[4]).c_str());
  std::printf("(2) maps built in %.1f s: %s (patient, grantee, class) keys, %s (patient, grantee) pairs\n\n", native_build,
              with_commas(built.index_keys).c_str(), with_commas(o.consents).c_str());
  std::printf("%-54s %13s %10s %10s %11s %12s %13s\n", "decisions", "per second", "median", "p99", "x baseline",
              "of 500,000/s", "per CPU-s");
  auto fmt = [](double ns) {
    char b[32];
    if (ns >= 1e6) std::snprintf(b, sizeof b, "%.1f ms", ns / 1e6);
    else if (ns >= 1e4) std::snprintf(b, sizeof b, "%.1f us", ns / 1e3);
    else std::snprintf(b, sizeof b, "%.0f ns", ns);
    return std::string(b);
  };
  for (const Row& r : rows)
    std::printf("%-54s %13s %10s %10s %10.1fx %11.0f%% %13s\n", r.what.c_str(),
                with_commas(static_cast<uint64_t>(r.per_second)).c_str(), r.has_latency ? fmt(r.latency.median_ns).c_str() : "-",
                r.has_latency ? fmt(r.latency.p99_ns).c_str() : "-", baseline / r.per_second, 100.0 * r.per_second / 500'000.0,
                with_commas(static_cast<uint64_t>(r.per_cpu_second)).c_str());
  std::printf("targets: >= 500,000 audited decisions/s%s; median of one decision <= 2 us: (3) %.2f us, %.1fx the target\n",
              o.audited > 0 ? (" (" + std::to_string(static_cast<int>(100.0 * rows.back().per_second / 500'000.0)) + "% reached)").c_str() : "",
              rows[1].latency.median_ns / 1e3, rows[1].latency.median_ns / 2000.0);
  const Breakdown& b = breakdown;
  std::printf("(3) one decision, mean of an instrumented pass (%.2f us): state reads %.2f us (%.1f seeks + %.1f gets through "
              "WorldState), template decide on the VM %.2f us (%.2f calls), SHA-256 of request, "
              "records and policy set %.2f us, decoding records %.2f us, the rest (index prefixes, copies, "
              "allocation, combining) %.2f us\n",
              b.total, b.reads, b.seeks, b.gets, b.vm, b.vm_calls, b.hashes, b.decode,
              b.total - b.reads - b.vm - b.hashes - b.decode);
  if (o.audited > 0) {
    const double us = 1e6 / static_cast<double>(o.audited);
    std::printf("(4) median and p99 are of a whole block of %s (a decision is durable when its block is); %llu blocks. "
                "Per decision: building Ask txs and the seal %.2f us, admission %.2f us, append %.2f us = execution "
                "%.2f us + the ledger's own work (nonces, receipts, leaves, Merkle, fsync, LMDB commit) %.2f us\n",
                with_commas(o.block).c_str(), static_cast<unsigned long long>(audited_blocks), ph.prepare * us,
                ph.admit * us, ph.append * us, executor.execute_seconds * us, (ph.append - executor.execute_seconds) * us);
  }
  std::printf("disk: (3)'s first pass over the requests (checking each decision) ran at %s decisions/s, reading %.0f MiB "
              "(%ld major page faults); the timed passes of (3) read %.0f MiB, (4) %.0f MiB\n",
              with_commas(static_cast<uint64_t>(first_pass.per_second)).c_str(), first_pass.io.mib, first_pass.io.faults,
              timed_io.mib, audited_io.mib);
  std::printf("(3) the Decider's reads replayed in raw LMDB on the same file, per decision: %.2f us with a read "
              "transaction per read (a read-only node's way), %.2f us in one transaction with a cursor opened per read "
              "and key and value copied (WorldState's way), %.2f us with one transaction and one cursor reading in "
              "place, %.2f us with that and one range scan per patient instead of a seek per (patient, grantee, class) "
              "prefix\n",
              raw[0], raw[1], raw[2], raw[3]);
  if (!o.keep) fs::remove_all(dir);
  else std::printf("kept %s\n", dir.c_str());
  return 0;
}
