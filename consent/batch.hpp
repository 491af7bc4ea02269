#pragma once
/// \file
/// Group commit of decisions: many access requests recorded as Ask transactions in sealed
/// blocks (one signature and one fsync per block), each decision read back from its receipt.
/// What `covenant consent check --requests` and a gateway in front of a node use.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "consent/access.hpp"
#include "consent/decision.hpp"
#include "ledger/node.hpp"

namespace covenant::consent {

/// Most Ask transactions in one block (under one seal).
inline constexpr size_t kDecisionsPerBlock = 4096;

/// One recorded decision and where it is in the log.
struct RecordedDecision {
  Decision decision;
  uint64_t block = 0;
  uint64_t entry = 0;  ///< index in the log, for inclusion proofs
};

/// Records a decision on each of `requests` (each must pass `check_request`) on `node`,
/// signed (sealed) by `key`, in blocks of at most kDecisionsPerBlock at time `time_ms` (Unix
/// ms; never before the head's). Returns the decisions in request order. Fails with the
/// reason when sealing or appending fails (what was appended before stays appended).
Expected<std::vector<RecordedDecision>, std::string> record_decisions(ledger::Node& node,
                                                                      const ledger::KeyPair& key,
                                                                      std::span<const AccessRequest> requests,
                                                                      uint64_t time_ms);

}  // namespace covenant::consent
