#include "ledger/signature_checker.hpp"

#include <algorithm>
#include <utility>

namespace covenant::ledger {

namespace {
// Bounds on queued work: enough to keep every worker busy between two blocks, little
// enough that the audit of a large ledger holds only a slice of it.
constexpr size_t kMaxQueuedJobs = 4096;
constexpr size_t kMaxQueuedBytes = size_t{64} << 20;
}  // namespace

SignatureChecker::SignatureChecker(unsigned workers) {
  workers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

SignatureChecker::~SignatureChecker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  has_work_.notify_all();
  for (auto& t : workers_) t.join();
}

void SignatureChecker::record(uint64_t sequence, Job& job, Expected<void, TxError> result) {
  if (result) return;
  if (!first_failure_ || sequence < first_failure_->first) {
    first_failure_ = std::make_pair(sequence, SignatureFailure{std::move(job.tag), result.error()});
  }
}

void SignatureChecker::submit(Transaction tx, SignatureTag tag) {
  const uint64_t sequence = next_sequence_++;
  if (workers_.empty()) {
    Job job{sequence, std::move(tx), std::move(tag)};
    record(sequence, job, verify_signature(job.tx));
    return;
  }
  const size_t bytes = tx.payload.size();
  std::unique_lock<std::mutex> lock(mutex_);
  has_room_.wait(lock, [&] {
    return queue_.empty() ||
           (queue_.size() < kMaxQueuedJobs && queued_bytes_ + bytes <= kMaxQueuedBytes);
  });
  queued_bytes_ += bytes;
  queue_.push_back(Job{sequence, std::move(tx), std::move(tag)});
  lock.unlock();
  has_work_.notify_one();
}

void SignatureChecker::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    has_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Job job = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= job.tx.payload.size();
    ++running_;
    lock.unlock();
    has_room_.notify_one();
    auto result = verify_signature(job.tx);
    lock.lock();
    record(job.sequence, job, std::move(result));
    --running_;
    if (queue_.empty() && running_ == 0) has_room_.notify_all();
  }
}

std::optional<SignatureFailure> SignatureChecker::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  has_room_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  if (!first_failure_) return std::nullopt;
  return first_failure_->second;
}

}  // namespace covenant::ledger
