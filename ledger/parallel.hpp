#pragma once
/// \file
/// The one way the ledger spreads work over cores: split an index range into contiguous
/// chunks, run them on short-lived threads and the caller's own, and wait. Used where a block
/// has enough entries to pay for starting threads (hashing leaves and subtrees); the result
/// never depends on the number of threads.

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace covenant::ledger {

/// The threads worth using for `count` items of which each thread should get at least
/// `min_per_thread`: one per CPU (at most 8), fewer for small counts, at least 1.
inline unsigned parallel_threads(size_t count, size_t min_per_thread) {
  const size_t cpus = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  return static_cast<unsigned>(std::clamp<size_t>(count / std::max<size_t>(min_per_thread, 1), 1, cpus));
}

/// Calls `fn(begin, end)` for contiguous chunks covering [0, count), on `threads` threads
/// (the caller runs the first chunk), and returns when all are done. `fn` must be safe to run
/// concurrently on disjoint chunks and must not throw.
template <class Fn>
void parallel_for(size_t count, unsigned threads, const Fn& fn) {
  if (threads <= 1 || count < 2) {
    fn(size_t{0}, count);
    return;
  }
  threads = static_cast<unsigned>(std::min<size_t>(threads, count));
  std::vector<std::thread> workers;
  workers.reserve(threads - 1);
  const size_t chunk = (count + threads - 1) / threads;
  for (unsigned t = 1; t < threads; ++t) {
    const size_t begin = std::min(count, t * chunk), end = std::min(count, begin + chunk);
    if (begin < end) workers.emplace_back([&fn, begin, end] { fn(begin, end); });
  }
  fn(size_t{0}, std::min(count, chunk));
  for (auto& w : workers) w.join();
}

}  // namespace covenant::ledger
