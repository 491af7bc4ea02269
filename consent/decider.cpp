#include "consent/decider.hpp"

#include <algorithm>
#include <array>

#include "consent/store.hpp"
#include "ledger/codec.hpp"
#include "runtime/contract_call.hpp"

namespace covenant::consent {

namespace {

using ledger::StorageError;

StorageError corrupt(std::string reason) {
  return StorageError::of(StorageError::Code::corrupt, std::move(reason));
}

// How close an abstaining instance came to permitting: reasons a template finds after
// checking more of the request rank first (a look-back miss means the grantee, purpose,
// class and period all held).
// A revocation, the patient's own act on a consent that covered the request, ranks above
// a consent that lapsed or had not begun.
int specificity(Reason r) {
  switch (r) {
    case Reason::outside_lookback: return 11;
    case Reason::label_not_covered: return 10;
    case Reason::action_not_covered: return 9;
    case Reason::wrong_study: return 8;
    case Reason::wrong_purpose: return 7;
    case Reason::revoked: return 6;
    case Reason::expired: return 5;
    case Reason::not_yet_valid: return 4;
    case Reason::class_not_granted: return 3;
    case Reason::grantee_not_covered: return 2;
    case Reason::template_failed: return 1;
    default: return 0;
  }
}

}  // namespace

Expected<const TemplateEntries*, StorageError> Decider::entries_of(const runtime::LoadedContract& c,
                                                                   const ledger::Hash& module_id) {
  if (auto it = entries_.find(module_id); it != entries_.end()) return &it->second;
  auto e = template_entries(c.abi());
  // A grant checked the template; a stored instance whose module is not one is damage.
  if (!e) return unexpected(corrupt("consent template module: " + e.error()));
  return &entries_.emplace(module_id, *e).first->second;
}

Expected<Decision, StorageError> Decider::decide(node::ContractExecutor& contracts,
                                                 node::BlockState& block,
                                                 const AccessRequest& request, int64_t today,
                                                 uint64_t height) {
  ledger::Hasher& hasher = ledger::thread_hasher();
  Decision d;
  {
    std::vector<uint8_t> bytes;
    put_request(bytes, request);
    d.request_hash = hasher.sha256(bytes);
  }

  // Candidates through the index: one scan of the patient's keys (and of the every-patient
  // policies'), keeping those for the grantee, one of its groups or any grantee, and for the
  // class or any class. A scan costs the keys of this patient, which also tells whether the
  // grantee holds consents for other classes (the explanation when nothing covers the class).
  ids_.clear();
  bool grantee_elsewhere = false;
  auto grantee_matches = [&](std::span<const uint8_t> g) {
    auto is = [&](const Pseudonym& p) { return std::equal(p.begin(), p.end(), g.begin()); };
    if (is(request.grantee) || is(kAny)) return true;
    for (const Pseudonym& group : request.groups)
      if (is(group)) return true;
    return false;
  };
  auto scan = [&](const Pseudonym& patient) {
    const std::vector<uint8_t> prefix = index_prefix(patient);
    const size_t at = prefix.size();  // then grantee (32), class (32), id (8)
    std::vector<uint8_t> from = prefix;
    while (auto pair = block.seek(from, prefix)) {
      const std::vector<uint8_t>& key = pair->key;
      if (key.size() == at + 72 && grantee_matches(std::span(key).subspan(at, 32))) {
        const auto c = std::span(key).subspan(at + 32, 32);
        if (std::equal(c.begin(), c.end(), request.data_class.begin()) ||
            std::equal(c.begin(), c.end(), kAny.begin()))
          ids_.push_back(id_of_index_key(key));
        else
          grantee_elsewhere = true;
      }
      from = std::move(pair->key);
      from.push_back(0);
    }
  };
  scan(request.patient);
  if (request.patient != kAny) scan(kAny);
  if (block.error()) return unexpected(*block.error());
  std::sort(ids_.begin(), ids_.end());
  ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());

  std::vector<uint8_t> policy;  // id (u64 BE) and SHA-256 of the record, per instance consulted
  struct Best {
    uint64_t id = 0;
    Ruling ruling;
  };
  std::optional<Best> forbid, permit, abstain;
  auto abstained = [&](uint64_t id, const Ruling& ruling) {
    if (!abstain || specificity(ruling.reason) > specificity(abstain->ruling.reason)) abstain = Best{id, ruling};
  };
  for (uint64_t id : ids_) {
    auto bytes = block.get(instance_key(id));
    if (block.error()) return unexpected(*block.error());
    if (!bytes) return unexpected(corrupt("consent " + std::to_string(id) + " is indexed but not stored"));
    auto instance = decode_instance(id, *bytes);
    if (!instance) return unexpected(corrupt("the record of consent " + std::to_string(id) + " is malformed"));
    for (int i = 7; i >= 0; --i) policy.push_back(static_cast<uint8_t>(id >> (8 * i)));
    const ledger::Hash record_hash = hasher.sha256(*bytes);
    policy.insert(policy.end(), record_hash.begin(), record_hash.end());
    ++d.consulted;
    if (instance->revoked_height != 0 && instance->revoked_height < height) {
      Ruling revoked;
      revoked.reason = Reason::revoked;
      abstained(id, revoked);
      continue;
    }
    auto contract = contracts.load(block, instance->module_id);
    if (!contract) return unexpected(std::move(contract).error());
    auto entries = entries_of(**contract, instance->module_id);
    if (!entries) return unexpected(std::move(entries).error());
    if (instance->terms.size() != (*entries)->terms_size)
      return unexpected(corrupt("consent " + std::to_string(id) + " has terms of the wrong size"));

    input_.assign(instance->terms.begin(), instance->terms.end());
    input_.resize(instance->terms.size() + kAccessSize);
    layout_access(request, std::span<uint8_t, kAccessSize>(input_.data() + instance->terms.size(), kAccessSize));
    runtime::CallContext context;
    context.state = &scratch_;
    context.today = today;
    const uint64_t mark = scratch_.checkpoint();
    runtime::CallOutcome outcome = runtime::call_entry(contracts.machine(), **contract, *(*entries)->decide,
                                                       input_, kDecideGas, context);
    scratch_.rollback(mark);
    Ruling ruling;
    if (outcome.status == runtime::CallStatus::ok) {
      auto read = read_ruling(outcome.output);
      if (read) ruling = std::move(*read);
      else ruling.reason = Reason::template_failed;
    } else {
      ruling.reason = Reason::template_failed;
    }
    const Best candidate{id, ruling};
    switch (ruling.effect) {
      case Ruling::Effect::forbid:
        if (!forbid) forbid = candidate;
        break;
      case Ruling::Effect::permit:
        if (!permit || (permit->ruling.flag && !ruling.flag)) permit = candidate;
        break;
      case Ruling::Effect::abstain: abstained(id, ruling); break;
    }
  }
  d.policy_hash = hasher.sha256(policy);

  if (forbid) {
    d.outcome = Outcome::explicitly_denied;
    d.reason = Reason::explicit_rule;
    d.consent = forbid->id;
    d.rule = forbid->ruling.rule;
    return d;
  }
  if (permit) {
    d.outcome = Outcome::permitted;
    d.reason = Reason::granted;
    d.consent = permit->id;
    d.rule = permit->ruling.rule;
    d.flag = permit->ruling.flag;
    return d;
  }
  d.outcome = Outcome::not_permitted;
  if (abstain) {
    d.reason = abstain->ruling.reason;
    d.consent = abstain->id;
    d.rule = abstain->ruling.rule;
    return d;
  }
  // Nothing covers this grantee and class: does the grantee hold consents for other classes?
  d.reason = grantee_elsewhere ? Reason::class_not_granted : Reason::no_consent;
  return d;
}

}  // namespace covenant::consent
