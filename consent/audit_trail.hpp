#pragma once
/// \file
/// The audit trail of a patient's data (docs/consent.md, "Audit"): every decision the ledger
/// recorded on a request for that patient's data (asks and fetches), with its grounds, read
/// back from the log. What `covenant audit --patient` lists.

#include <cstdint>
#include <optional>
#include <vector>

#include "consent/access.hpp"
#include "consent/decision.hpp"
#include "ledger/ledger.hpp"

namespace covenant::consent {

/// One recorded decision.
struct AccessEntry {
  /// The entry's index in the log (for `ledger proof`), its block and the block's time.
  uint64_t entry = 0;
  uint64_t block = 0;
  uint64_t time_ms = 0;
  /// Who submitted the request (the transaction's signer).
  ledger::PublicKey submitter{};
  /// The request and, for a fetch, the document asked for.
  AccessRequest request;
  std::optional<ledger::Hash> document;
  /// The decision as recorded.
  Decision decision;
};

/// Every recorded decision on `patient`'s data whose block time is within [from_ms, to_ms],
/// in log order. Reads every block; a stored entry that does not decode, or a recorded
/// decision that does not, is `corrupt` (naming the block and entry).
Expected<std::vector<AccessEntry>, ledger::StorageError> accesses_of(const ledger::Ledger& ledger,
                                                                     const Pseudonym& patient,
                                                                     uint64_t from_ms, uint64_t to_ms);

}  // namespace covenant::consent
