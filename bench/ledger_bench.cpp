/// \file
/// covenant-ledger-bench: the ledger's storage speed, each figure beside the limit measured
/// in the same run (docs/BENCHMARKS.md, "Ledger").
///
/// - append/N: blocks of N transactions of 256 bytes (already admitted) appended to a fresh
///   ledger, one fdatasync of the log and one LMDB commit per block; after each block, the
///   raw limit: the very record the ledger wrote, written to a segment file prepared the same
///   way (header, zeros to 64 MiB) with one pwrite and one fdatasync, and nothing else.
/// - merkle_root vs sha256: leaf hashes and the RFC 9162 root over the leaf data of 65,536
///   entries, against plain SHA-256 of the same byte strings.
/// - verify/*: the full audit of a stored ledger (every checksum, hash, signature, link and
///   commitment) in MB of records per second, against plain SHA-256 of the same bytes.
/// - sealed/N vs signed/N: blocks of N invoke-sized transactions (1.5 KB payload, 1.4 KB
///   receipt output) made, admitted and appended by one thread to a ledger without an
///   executor: as one sealed batch per block (one signature, ledger/seal.hpp), against one
///   signature per transaction. Each block's time is split into the client's part (signing
///   or sealing, encoding), admission (decoding, signature checks, signing hashes) and the
///   append; within the append, the time plain SHA-256 of the record and one pwrite and
///   fdatasync of it take on their own.
///
/// Wall time throughout: the I/O benchmarks wait on the disk, which CPU time would hide.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/report.hpp"
#include "ledger/audit.hpp"
#include "ledger/file_io.hpp"
#include "ledger/ledger.hpp"
#include "ledger/merkle.hpp"
#include "ledger/seal.hpp"
#include "ledger/segment_log.hpp"

namespace covenant::bench {
namespace {

using namespace covenant::ledger;
namespace fs = std::filesystem;

constexpr const char* kChain = "covenant-bench";
constexpr size_t kTxSize = 256;  // encoded transaction, signature included
constexpr size_t kSigners = 16;
constexpr uint64_t kTime = 1'700'000'000'000;
constexpr double kAppendTarget = 0.70;  // of raw, at 1,000 entries per block
constexpr double kVerifyTarget = 0.70;  // of raw SHA-256

// Blocks per repetition for each block size: enough to average the disk's jitter, few enough
// that the transactions (signed once, up front) stay a few seconds of setup.
struct AppendCase {
  uint32_t entries;
  uint32_t blocks;
};
constexpr AppendCase kAppendCases[] = {{1, 2000}, {100, 200}, {1000, 40}, {10000, 4}};

KeyPair key(uint8_t tag) {
  Seed seed{};
  seed.fill(tag);
  return std::move(KeyPair::from_seed(seed)).value();
}

// A directory under $TMPDIR (or /tmp), removed with its contents.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "covenant-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("covenant-ledger-bench: mkdtemp");
      std::exit(1);
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "covenant-ledger-bench: %s\n", what.c_str());
  std::exit(1);
}

// `count` admitted 256-byte notes: transaction i is signer i % kSigners's nonce i / kSigners,
// so any prefix is a valid sequence for a fresh ledger. Signed on every core.
std::vector<BlockItem> make_transactions(size_t count) {
  std::vector<KeyPair> signers;
  for (size_t s = 0; s < kSigners; ++s) signers.push_back(key(static_cast<uint8_t>(10 + s)));
  std::vector<std::optional<BlockItem>> made(count);
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (size_t i = t; i < count; i += threads) {
        Transaction tx;
        tx.chain_id = kChain;
        tx.nonce = i / kSigners;
        tx.payload.assign(kTxSize - 116 - tx.chain_id.size(), static_cast<uint8_t>(i));
        if (!sign_transaction(tx, signers[i % kSigners])) die("signing failed");
        auto admitted = admit_transaction(encode(tx).value(), kChain);
        if (!admitted) die("admission failed: " + admitted.error().reason);
        made[i] = BlockItem{std::move(admitted).value(), Receipt{}};
      }
    });
  }
  for (auto& w : workers) w.join();
  std::vector<BlockItem> out;
  out.reserve(count);
  for (auto& m : made) out.push_back(std::move(*m));
  return out;
}

// Appends `blocks` blocks of `per_block` of `items` to a new ledger in `dir`.
Ledger fill(const fs::path& dir, const std::vector<BlockItem>& items, uint32_t per_block,
            uint32_t blocks, const KeyPair& node) {
  auto ledger = Ledger::create(dir, kChain, node, kTime);
  if (!ledger) die(ledger.error().describe());
  for (uint32_t b = 0; b < blocks; ++b) {
    auto header = ledger->append_block(std::span(items).subspan(size_t{b} * per_block, per_block),
                                       kTime + 1 + b, node);
    if (!header) die(header.error().describe());
  }
  return std::move(ledger).value();
}

// One iteration is one block, measured twice in turn: appended to the ledger (the time the
// benchmark reports), then the very record the ledger wrote, read back untimed, written to
// a raw segment file prepared the same way (header, zeros to 64 MiB, synced) with one pwrite
// and one fdatasync. Alternating the two keeps both under the same disk conditions, which
// on a shared machine drift within seconds.
void bench_append(benchmark::State& state, const std::vector<BlockItem>& items, uint32_t n) {
  using clock = std::chrono::steady_clock;
  ScratchDir dir;
  KeyPair node = key(1);
  auto ledger = Ledger::create(dir.path() / "l", kChain, node, kTime);
  if (!ledger) die(ledger.error().describe());
  auto raw_log = SegmentLog::create(dir.path() / "raw", kChain, kDefaultSegmentCapacity);
  if (!raw_log) die(raw_log.error().describe());
  auto raw = File::open(raw_log->segment_path(0), O_RDWR);
  if (!raw) die(raw.error().describe());
  uint64_t raw_offset = kSegmentHeaderSize;
  double raw_seconds = 0;
  uint64_t b = 0;
  for (auto _ : state) {
    const auto start = clock::now();
    auto header = ledger->append_block(std::span(items).subspan(b * n, n), kTime + 1 + b, node);
    state.SetIterationTime(std::chrono::duration<double>(clock::now() - start).count());
    if (!header) {
      state.SkipWithError(header.error().describe().c_str());
      break;
    }
    ++b;
    const SegmentLog& log = ledger->segments();
    auto body = log.read_body(b);
    if (!body) die(body.error().describe());
    const auto frame = encode_frame_header(log.record(b).frame);
    const auto raw_start = clock::now();
    if (!raw->write_at(raw_offset, frame, *body) || !raw->sync_data()) die("raw write failed");
    raw_seconds += std::chrono::duration<double>(clock::now() - raw_start).count();
    raw_offset += frame.size() + body->size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(b * n));
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(b), benchmark::Counter::kIsRate);
  state.counters["raw_entries/s"] = static_cast<double>(b * n) / raw_seconds;
  state.counters["raw_blocks/s"] = static_cast<double>(b) / raw_seconds;
}

// Invoke-sized transactions: what `covenant simulate` records per claim adjudication.
constexpr size_t kInvokePayload = 1500;
constexpr size_t kInvokeOutput = 1400;
constexpr uint32_t kSealedBlock = 4096;  // transactions per block
constexpr uint32_t kSealedBlocks = 12;
constexpr uint32_t kSignedBlocks = 3;    // each takes about a second of Ed25519 work

// One iteration is one block of `n` transactions by one signer, made from scratch: the
// client signs each (or seals them all), the node admits them and appends the block. Wall
// time of all three is what the benchmark reports; counters give each part per entry in us.
void bench_invokes(benchmark::State& state, uint32_t n, bool sealed) {
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
  };
  ScratchDir dir;
  KeyPair node = key(1);
  KeyPair client = key(20);
  auto ledger = Ledger::create(dir.path() / "l", kChain, node, kTime);
  if (!ledger) die(ledger.error().describe());
  auto raw_log = SegmentLog::create(dir.path() / "raw", kChain, kDefaultSegmentCapacity);
  if (!raw_log) die(raw_log.error().describe());
  auto raw = File::open(raw_log->segment_path(0), O_RDWR);
  if (!raw) die(raw.error().describe());
  uint64_t raw_offset = kSegmentHeaderSize;
  Receipt invoke_receipt;
  invoke_receipt.output.assign(kInvokeOutput, 0x42);
  double client_s = 0, admit_s = 0, append_s = 0, write_s = 0, hash_s = 0;
  uint64_t nonce = 0, entries = 0, b = 0;
  for (auto _ : state) {
    const auto start = clock::now();
    std::vector<Transaction> txs(n);
    for (uint32_t i = 0; i < n; ++i) {
      txs[i].kind = TxKind::invoke;
      txs[i].payload.assign(kInvokePayload, static_cast<uint8_t>(nonce + i));
    }
    std::vector<uint8_t> seal_bytes;
    std::vector<std::vector<uint8_t>> tx_bytes(n);
    if (sealed) {
      auto seal = seal_batch(txs, client, nonce, kChain);
      if (!seal) die(seal.error().reason);
      seal_bytes = encode(*seal).value();
    } else {
      for (uint32_t i = 0; i < n; ++i) {
        txs[i].chain_id = kChain;
        txs[i].nonce = nonce + i;
        if (!sign_transaction(txs[i], client)) die("signing failed");
      }
    }
    for (uint32_t i = 0; i < n; ++i) tx_bytes[i] = encode(txs[i]).value();
    client_s += since(start);

    const auto admit_start = clock::now();
    std::vector<BlockItem> items;
    items.reserve(n + 1);
    if (sealed) {
      auto admitted = admit_sealed_batch(seal_bytes, tx_bytes, kChain);
      if (!admitted) die(admitted.error().reason);
      for (AdmittedTx& tx : *admitted) {
        Receipt r = tx.kind() == TxKind::seal ? seal_receipt(tx.nonce(), n) : invoke_receipt;
        items.push_back(BlockItem{std::move(tx), std::move(r)});
      }
    } else {
      for (uint32_t i = 0; i < n; ++i) {
        auto admitted = admit_transaction(tx_bytes[i], kChain);
        if (!admitted) die(admitted.error().reason);
        items.push_back(BlockItem{std::move(admitted).value(), invoke_receipt});
      }
    }
    admit_s += since(admit_start);

    const auto append_start = clock::now();
    auto header = ledger->append_block(items, kTime + 1 + b, node);
    append_s += since(append_start);
    state.SetIterationTime(since(start));
    if (!header) {
      state.SkipWithError(header.error().describe().c_str());
      break;
    }
    ++b;
    nonce += items.size();
    entries += items.size();
    // Untimed: the append's two floors, measured on the very record it wrote.
    const SegmentLog& log = ledger->segments();
    auto body = log.read_body(b);
    if (!body) die(body.error().describe());
    const auto hash_start = clock::now();
    benchmark::DoNotOptimize(thread_hasher().sha256(*body));
    hash_s += since(hash_start);
    const auto frame = encode_frame_header(log.record(b).frame);
    if (raw_offset + frame.size() + body->size() > kDefaultSegmentCapacity) {
      raw_offset = kSegmentHeaderSize;  // the raw file is only a timing device: wrap around
    }
    const auto write_start = clock::now();
    if (!raw->write_at(raw_offset, frame, *body) || !raw->sync_data()) die("raw write failed");
    write_s += since(write_start);
    raw_offset += frame.size() + body->size();
  }
  const double per_entry = entries == 0 ? 0 : 1e6 / static_cast<double>(entries);
  state.SetItemsProcessed(static_cast<int64_t>(entries));
  state.counters["client_us"] = client_s * per_entry;
  state.counters["admit_us"] = admit_s * per_entry;
  state.counters["append_us"] = append_s * per_entry;
  state.counters["sha256_us"] = hash_s * per_entry;
  state.counters["write_us"] = write_s * per_entry;
}

// The leaf data of `count` entries (each a 256-byte transaction and an ok receipt).
std::vector<std::vector<uint8_t>> leaf_data(const std::vector<BlockItem>& items, size_t count) {
  std::vector<std::vector<uint8_t>> out;
  auto receipt = encode_receipt(Receipt{}).value();
  for (size_t i = 0; i < count; ++i) {
    out.push_back(encode_entry(Entry{items[i % items.size()].tx.bytes(), receipt}).value());
  }
  return out;
}

uint64_t total_bytes(const std::vector<std::vector<uint8_t>>& data) {
  uint64_t n = 0;
  for (const auto& d : data) n += d.size();
  return n;
}

void bench_merkle_root(benchmark::State& state, const std::vector<std::vector<uint8_t>>& leaves) {
  Hasher& hasher = thread_hasher();
  for (auto _ : state) {
    CompactRange range;
    for (const auto& leaf : leaves) range.append(hasher, hasher.hash_leaf(leaf));
    benchmark::DoNotOptimize(range.root(hasher));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(leaves)));
}

void bench_sha256(benchmark::State& state, const std::vector<std::vector<uint8_t>>& data) {
  Hasher& hasher = thread_hasher();
  for (auto _ : state) {
    for (const auto& d : data) benchmark::DoNotOptimize(hasher.sha256(d));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(data)));
}

void bench_verify(benchmark::State& state, const fs::path& dir) {
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto report = audit_ledger(dir);
    if (!report) {
      state.SkipWithError(report.error().describe().c_str());
      break;
    }
    bytes += report->record_bytes;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// The console table, then the ratios the issue sets targets for (medians when repeated).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (!summary_run(r)) continue;
      Result& out = results_[r.run_name.function_name];  // without "/iterations:..." and so on
      if (auto it = r.counters.find("items_per_second"); it != r.counters.end()) out.items = it->second;
      if (auto it = r.counters.find("bytes_per_second"); it != r.counters.end()) out.bytes = it->second;
      if (auto it = r.counters.find("blocks/s"); it != r.counters.end()) out.blocks = it->second;
      if (auto it = r.counters.find("raw_entries/s"); it != r.counters.end()) out.raw_items = it->second;
      if (auto it = r.counters.find("raw_blocks/s"); it != r.counters.end()) out.raw_blocks = it->second;
      for (const char* part : {"client_us", "admit_us", "append_us", "sha256_us", "write_us"}) {
        if (auto it = r.counters.find(part); it != r.counters.end()) out.parts[part] = it->second;
      }
    }
  }

  void Finalize() override {
    std::FILE* f = stdout;
    std::fprintf(f, "\nAppend, 256-byte transactions, one fdatasync per block (wall time):\n");
    std::fprintf(f, "%8s %14s %12s %14s %12s %8s %s\n", "entries", "ledger ent/s", "blocks/s",
                 "raw ent/s", "blocks/s", "ledger/raw", "");
    for (const AppendCase& c : kAppendCases) {
      auto ledger = find("append/" + std::to_string(c.entries));
      if (!ledger) continue;
      double ratio = ledger->items / ledger->raw_items;
      std::string verdict = c.entries == 1000 ? (ratio >= kAppendTarget ? "target 70%: met"
                                                                         : "target 70%: MISSED")
                                              : "";
      std::fprintf(f, "%8u %14.0f %12.0f %14.0f %12.0f %9.0f%% %s\n", c.entries, ledger->items,
                   ledger->blocks, ledger->raw_items, ledger->raw_blocks, 100 * ratio,
                   verdict.c_str());
    }
    auto root = find("merkle_root");
    auto sha = find("sha256");
    if (root && sha) {
      std::fprintf(f, "\nMerkle root %.0f MB/s, raw SHA-256 of the same leaves %.0f MB/s: %.0f%%\n",
                   root->bytes / 1e6, sha->bytes / 1e6, 100 * root->bytes / sha->bytes);
    }
    auto big = find("verify/64KiB-notes");
    auto small = find("verify/256B-transactions");
    if (sha && (big || small)) {
      std::fprintf(f, "verify (raw SHA-256 %.0f MB/s):\n", sha->bytes / 1e6);
      if (big) {
        double ratio = big->bytes / sha->bytes;
        std::fprintf(f, "  64 KiB notes        %8.1f MB/s  %3.0f%%  target 70%%: %s\n",
                     big->bytes / 1e6, 100 * ratio, ratio >= kVerifyTarget ? "met" : "MISSED");
      }
      if (small) {
        std::fprintf(f, "  256-byte transactions %6.1f MB/s  %3.0f%%  (bound by Ed25519, one "
                        "check per 326 bytes)\n",
                     small->bytes / 1e6, 100 * small->bytes / sha->bytes);
      }
    }
    auto sealed = find("sealed/" + std::to_string(kSealedBlock));
    auto signed_each = find("signed/" + std::to_string(kSealedBlock));
    if (sealed || signed_each) {
      std::fprintf(f, "\nInvoke-sized transactions (1.5 KB payload, 1.4 KB output), %u per block, "
                      "one thread, no executor;\nus per entry: client (sign or seal, encode), "
                      "admission, append (of which SHA-256 of the record alone, pwrite+fdatasync "
                      "alone)\n",
                   kSealedBlock);
      std::fprintf(f, "%-8s %12s %8s %8s %8s %8s %8s\n", "", "entries/s", "client", "admit",
                   "append", "sha256", "write");
      for (auto [name, res] : {std::pair{"sealed", sealed}, std::pair{"signed", signed_each}}) {
        if (!res) continue;
        auto part = [&](const char* p) {
          auto it = res->parts.find(p);
          return it == res->parts.end() ? 0.0 : it->second;
        };
        std::fprintf(f, "%-8s %12.0f %8.2f %8.2f %8.2f %8.2f %8.2f\n", name, res->items,
                     part("client_us"), part("admit_us"), part("append_us"), part("sha256_us"),
                     part("write_us"));
      }
    }
    std::fflush(f);
  }

 private:
  struct Result {
    double items = 0, bytes = 0, blocks = 0, raw_items = 0, raw_blocks = 0;
    std::map<std::string, double> parts;
  };
  const Result* find(const std::string& name) const {
    auto it = results_.find(name);
    return it == results_.end() ? nullptr : &it->second;
  }
  std::map<std::string, Result> results_;
};

}  // namespace
}  // namespace covenant::bench

int main(int argc, char** argv) {
  using namespace covenant::bench;
  size_t most = 0;
  for (const AppendCase& c : kAppendCases) most = std::max<size_t>(most, size_t{c.entries} * c.blocks);
  std::fprintf(stderr, "signing and admitting %zu transactions...\n", most);
  const std::vector<BlockItem> items = make_transactions(most);

  // The ledgers verify/* audits.
  ScratchDir verify_dir;
  std::fprintf(stderr, "preparing the ledgers to verify...\n");
  fill(verify_dir.path() / "small", items, 1000, 20, key(1));
  {
    KeyPair node = key(1);
    std::vector<BlockItem> notes;
    for (uint64_t i = 0; i < 128; ++i) {
      Transaction tx;
      tx.chain_id = kChain;
      tx.nonce = i;
      tx.payload.assign(64 * 1024, static_cast<uint8_t>(i));
      if (!sign_transaction(tx, node)) die("signing failed");
      notes.push_back(BlockItem{admit_transaction(encode(tx).value(), kChain).value(), Receipt{}});
    }
    fill(verify_dir.path() / "big", notes, 4, 32, node);
  }
  const auto leaves = leaf_data(items, 65536);
  // The setup dirtied hundreds of MB (zero-filled segments): flush them now, or their
  // writeback would slow the first benchmark's fdatasyncs.
  ::sync();

  for (const AppendCase& c : kAppendCases) {
    benchmark::RegisterBenchmark(("append/" + std::to_string(c.entries)).c_str(),
                                 [&items, c](benchmark::State& s) { bench_append(s, items, c.entries); })
        ->Iterations(c.blocks)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("merkle_root", [&leaves](benchmark::State& s) { bench_merkle_root(s, leaves); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sha256", [&leaves](benchmark::State& s) { bench_sha256(s, leaves); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  const fs::path small = verify_dir.path() / "small", big = verify_dir.path() / "big";
  benchmark::RegisterBenchmark("verify/256B-transactions", [small](benchmark::State& s) { bench_verify(s, small); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("verify/64KiB-notes", [big](benchmark::State& s) { bench_verify(s, big); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);

  for (bool sealed : {true, false}) {
    const std::string name = (sealed ? "sealed/" : "signed/") + std::to_string(kSealedBlock);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [sealed](benchmark::State& s) { bench_invokes(s, kSealedBlock, sealed); })
        ->Iterations(sealed ? kSealedBlocks : kSignedBlocks)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }

  if (!initialize_benchmarks(argc, argv,
                             {"--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"})) {
    return 1;
  }
  RatioReporter reporter(isatty(STDOUT_FILENO) ? RatioReporter::OO_ColorTabular
                                               : RatioReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
