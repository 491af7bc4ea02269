#pragma once
/// \file
/// Verifies transaction signatures on worker threads while the caller goes on decoding and
/// hashing: Ed25519 verification costs about 50 us per transaction, far more than hashing
/// one, so the audit of a ledger spreads it over every core. Failures are reported in
/// submission order, so the first bad transaction in the log is the one named.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/tx.hpp"

namespace covenant::ledger {

/// Where a submitted transaction is, handed back with its failure.
struct SignatureTag {
  /// Height of its block.
  uint64_t block = 0;
  /// Its index in the block.
  uint64_t entry = 0;
  /// Byte offset of the entry in its segment file.
  uint64_t offset = 0;
  /// The segment file.
  std::string file;
};

/// A transaction whose signature did not verify.
struct SignatureFailure {
  /// Where it is.
  SignatureTag tag;
  /// Why it failed.
  TxError error;
};

/// A pool of threads that check `verify_signature` on submitted transactions. Only
/// transactions with a signature of their own belong here: one a seal covers (all-zero
/// signature) would fail, and is checked instead by the sealing rule (`SealCursor`) against
/// its seal, which is submitted like any other. Not copyable or movable; destroying it
/// waits for the queued work.
class SignatureChecker {
 public:
  /// `workers` threads; with 0, `submit` checks inline on the caller's thread.
  explicit SignatureChecker(unsigned workers);
  ~SignatureChecker();
  SignatureChecker(const SignatureChecker&) = delete;
  SignatureChecker& operator=(const SignatureChecker&) = delete;

  /// Queues a check. Blocks while more than a bounded amount of work (by count and bytes)
  /// is queued, so memory stays bounded on large ledgers.
  void submit(Transaction tx, SignatureTag tag);

  /// Waits until every submitted check has run; returns the failure submitted first, if any.
  /// Further submissions may follow.
  std::optional<SignatureFailure> wait();

 private:
  struct Job {
    uint64_t sequence;
    Transaction tx;
    SignatureTag tag;
  };
  void record(uint64_t sequence, Job& job, Expected<void, TxError> result);
  void work();

  std::mutex mutex_;
  std::condition_variable has_work_;
  std::condition_variable has_room_;
  std::deque<Job> queue_;
  size_t queued_bytes_ = 0;
  size_t running_ = 0;
  uint64_t next_sequence_ = 0;
  std::optional<std::pair<uint64_t, SignatureFailure>> first_failure_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace covenant::ledger
