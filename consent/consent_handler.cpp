#include "consent/consent_handler.hpp"

#include <algorithm>

#include "consent/consent_tx.hpp"
#include "consent/store.hpp"
#include "ledger/codec.hpp"
#include "node/call_receipt.hpp"
#include "runtime/contract_call.hpp"
#include "vm/hex.hpp"

namespace covenant::consent {

namespace {

using ledger::Receipt;
using ledger::StorageError;

Receipt rejected(const std::string& reason) { return node::rejected_receipt(reason); }

Receipt written(node::BlockState& block, uint64_t mark, std::vector<uint8_t> output = {}) {
  Receipt r;
  r.write_set_hash = node::write_set_hash(block.written_since(mark));
  r.output = std::move(output);
  return r;
}

std::string short_hex(const std::array<uint8_t, 32>& bytes) { return to_hex(bytes).substr(0, 16); }

// The keys bound to `patient`, or nullopt when not enrolled.
Expected<std::optional<std::vector<ledger::PublicKey>>, StorageError> keys_of(node::BlockState& block,
                                                                           const Pseudonym& patient) {
  auto bytes = block.get(enrolment_key(patient));
  if (block.error()) return unexpected(*block.error());
  if (!bytes) return std::optional<std::vector<ledger::PublicKey>>{};
  auto keys = decode_keys(*bytes);
  if (!keys) return unexpected(StorageError::of(StorageError::Code::corrupt, "a patient's enrolment is malformed"));
  return std::optional<std::vector<ledger::PublicKey>>(std::move(*keys));
}

bool contains(const std::vector<ledger::PublicKey>& keys, const ledger::PublicKey& k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

// A hospital: a key that deployed a consent template on this node.
Expected<bool, StorageError> is_registrar(node::ContractExecutor& contracts, node::BlockState& block,
                                          const ledger::PublicKey& signer) {
  static constexpr std::string_view kPrefix = "deploy/";
  const std::vector<uint8_t> prefix(kPrefix.begin(), kPrefix.end());
  std::vector<uint8_t> from = prefix;
  while (auto pair = block.seek(from, prefix)) {
    const std::vector<uint8_t>& key = pair->key;
    if (key.size() > prefix.size() + 5) {
      std::string name(key.begin() + static_cast<ptrdiff_t>(prefix.size()), key.end() - 5);
      uint32_t version = 0;
      for (size_t i = key.size() - 4; i < key.size(); ++i) version = (version << 8) | key[i];
      auto d = node::decode_deployment(name, version, pair->value);
      if (d && d->deployer == signer) {
        auto contract = contracts.load(block, d->module_id);
        if (!contract) return unexpected(std::move(contract).error());
        if (template_entries((*contract)->abi())) return true;
      }
    }
    from = key;
    from.push_back(0);
  }
  if (block.error()) return unexpected(*block.error());
  return false;
}

}  // namespace

int64_t day_of(uint64_t time_ms) { return static_cast<int64_t>(time_ms / 86'400'000); }

void install(node::ContractExecutor& executor) {
  executor.handle(ledger::TxKind::consent, std::make_shared<ConsentHandler>());
}

Expected<Receipt, StorageError> ConsentHandler::execute(node::ContractExecutor& contracts,
                                                       node::BlockState& block,
                                                       const ledger::BlockEnv& env,
                                                       const ledger::ExecutedTx& tx) {
  auto decoded = decode_consent_op(tx.payload);
  if (!decoded) {
    return rejected("consent payload, byte " + std::to_string(decoded.error().offset) + ": " +
                    decoded.error().reason);
  }
  const uint64_t mark = block.mark();
  ConsentOp& op = *decoded;

  if (auto* e = std::get_if<Enrol>(&op)) {
    if (e->patient == kAny) return rejected("the all-zero pseudonym means every patient and cannot be enrolled");
    auto existing = keys_of(block, e->patient);
    if (!existing) return unexpected(std::move(existing).error());
    bool allowed = *existing && contains(**existing, tx.signer);
    if (!allowed) {
      auto registrar = is_registrar(contracts, block, tx.signer);
      if (!registrar) return unexpected(std::move(registrar).error());
      allowed = *registrar;
    }
    if (!allowed)
      return rejected(*existing ? "only the patient's keys or a hospital that deployed a consent template may change an enrolment"
                                : "only a hospital that deployed a consent template may enrol a patient");
    const auto value = encode_keys(e->keys);
    block.set(enrolment_key(e->patient), std::span<const uint8_t>(value));
    return written(block, mark);
  }

  if (auto* g = std::get_if<Grant>(&op)) {
    auto resolved = contracts.resolve_in(block, g->template_name, g->version);
    if (!resolved) {
      if (resolved.error().code == StorageError::Code::not_found) return rejected(resolved.error().reason);
      return unexpected(std::move(resolved).error());
    }
    const runtime::LoadedContract& contract = *resolved->contract;
    auto entries = template_entries(contract.abi());
    if (!entries) return rejected(entries.error());
    if (g->terms.size() != entries->terms_size)
      return rejected("terms of " + std::to_string(g->terms.size()) + " bytes; " + g->template_name +
                      " takes " + std::to_string(entries->terms_size));
    runtime::CallContext context;
    context.state = &scratch_;
    context.today = day_of(env.time_ms);
    context.caller = tx.signer;
    const uint64_t scratch_mark = scratch_.checkpoint();
    runtime::CallOutcome outcome =
        runtime::call_entry(contracts.machine(), contract, *entries->grant, g->terms, kGrantGas, context);
    scratch_.rollback(scratch_mark);
    if (outcome.status != runtime::CallStatus::ok) return node::call_receipt(outcome, {}, {}, {});
    auto scope = read_scope(outcome.output);
    if (!scope) return rejected(g->template_name + "'s grant returned a bad Scope: " + scope.error());
    if (scope->patient == kAny) {
      if (tx.signer != resolved->deployment.deployer)
        return rejected("only the template's deployer may grant a policy for every patient");
    } else {
      auto keys = keys_of(block, scope->patient);
      if (!keys) return unexpected(std::move(keys).error());
      if (!*keys) return rejected("the patient " + short_hex(scope->patient) + "... is not enrolled");
      if (!contains(**keys, tx.signer))
        return rejected("the signer is not one of the patient's keys (the patient or a delegate)");
    }
    const std::vector<uint8_t> next_key = next_id_key();
    uint64_t id = 1;  // ids start at 1; 0 means "no consent" in a decision
    if (auto next = block.get(next_key); next && next->size() == 8) {
      ledger::ByteReader in(*next);
      id = in.take_le(8, "next id").value();
    }
    if (block.error()) return unexpected(*block.error());
    Instance instance;
    instance.id = id;
    instance.template_name = g->template_name;
    instance.version = g->version;
    instance.module_id = resolved->deployment.module_id;
    instance.granter = tx.signer;
    instance.patient = scope->patient;
    instance.grantees = scope->grantees;
    instance.classes = scope->classes;
    instance.granted_height = env.height;
    instance.terms = std::move(g->terms);
    const auto record = encode_instance(instance);
    block.set(instance_key(id), std::span<const uint8_t>(record));
    const std::vector<Pseudonym> grantees = scope->grantees.empty() ? std::vector<Pseudonym>{kAny} : scope->grantees;
    const std::vector<ledger::Hash> classes = scope->classes.empty() ? std::vector<ledger::Hash>{kAny} : scope->classes;
    const std::vector<uint8_t> empty;
    for (const Pseudonym& grantee : grantees)
      for (const ledger::Hash& c : classes)
        block.set(index_key(scope->patient, grantee, c, id), std::span<const uint8_t>(empty));
    std::vector<uint8_t> next;
    ledger::put_u64(next, id + 1);
    block.set(next_key, std::span<const uint8_t>(next));
    std::vector<uint8_t> output;
    ledger::put_u64(output, id);
    Receipt r = written(block, mark, std::move(output));
    r.gas_used = outcome.gas_used;
    return r;
  }

  if (auto* rv = std::get_if<Revoke>(&op)) {
    auto bytes = block.get(instance_key(rv->id));
    if (block.error()) return unexpected(*block.error());
    if (!bytes) return rejected("no consent " + std::to_string(rv->id));
    auto instance = decode_instance(rv->id, *bytes);
    if (!instance) return unexpected(StorageError::of(StorageError::Code::corrupt,
                                                      "the record of consent " + std::to_string(rv->id) + " is malformed"));
    if (instance->revoked_height != 0)
      return rejected("consent " + std::to_string(rv->id) + " was revoked in block " +
                      std::to_string(instance->revoked_height));
    bool allowed = tx.signer == instance->granter;
    if (!allowed && instance->patient != kAny) {
      auto keys = keys_of(block, instance->patient);
      if (!keys) return unexpected(std::move(keys).error());
      allowed = *keys && contains(**keys, tx.signer);
    }
    if (!allowed) return rejected("only the patient's keys or the key that granted it may revoke consent " +
                                  std::to_string(rv->id));
    instance->revoked_height = env.height;
    const auto record = encode_instance(*instance);
    block.set(instance_key(rv->id), std::span<const uint8_t>(record));
    return written(block, mark);
  }

  if (auto* a = std::get_if<Ask>(&op)) {
    auto d = decider_.decide(contracts, block, a->request, day_of(env.time_ms), env.height);
    if (!d) return unexpected(std::move(d).error());
    return written(block, mark, encode_decision(*d));
  }

  if (auto* rr = std::get_if<RegisterRecord>(&op)) {
    const auto key = record_key(rr->document);
    if (block.get(key)) return rejected("the document " + short_hex(rr->document) + "... is registered already");
    if (block.error()) return unexpected(*block.error());
    RecordEntry entry{rr->document, rr->patient, rr->data_class, rr->date, tx.signer, rr->location, env.height};
    const auto value = encode_record(entry);
    block.set(key, std::span<const uint8_t>(value));
    return written(block, mark);
  }

  auto& f = std::get<Fetch>(op);
  auto bytes = block.get(record_key(f.document));
  if (block.error()) return unexpected(*block.error());
  if (!bytes) return rejected("no record is registered for the document " + short_hex(f.document) + "...");
  auto entry = decode_record(f.document, *bytes);
  if (!entry) return unexpected(StorageError::of(StorageError::Code::corrupt, "a registered record is malformed"));
  if (f.request.patient != entry->patient || f.request.data_class != entry->data_class ||
      f.request.record_date != std::optional<int64_t>(entry->date))
    return rejected("the request's patient, class and record date must be the registered record's");
  auto d = decider_.decide(contracts, block, f.request, day_of(env.time_ms), env.height);
  if (!d) return unexpected(std::move(d).error());
  if (d->outcome == Outcome::permitted) d->record = RecordLocation{entry->document, entry->location};
  return written(block, mark, encode_decision(*d));
}

}  // namespace covenant::consent
