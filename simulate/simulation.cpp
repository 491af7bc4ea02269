#include "simulate/simulation.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "ledger/hasher.hpp"
#include "runtime/memory_state.hpp"
#include "simulate/claim_encoder.hpp"
#include "simulate/plan_binding.hpp"
#include "simulate/spill.hpp"
#include "vm/machine.hpp"

namespace covenant::simulate {
namespace {

namespace fs = std::filesystem;

// Input bytes per partition: a partition's records and its members' states must fit in
// memory several times over (one partition per thread).
constexpr uint64_t kBytesPerPartition = 16ull << 20;
constexpr uint32_t kMaxPartitions = 1024;
// Partitions when the input's size is unknown (standard input).
constexpr uint32_t kUnknownSizePartitions = 256;

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// A call without a member: run in every member's state, at its place in the input.
struct SharedCall {
  uint64_t seq = 0;
  int64_t today = 0;
  claims::Call call;
};

// A record that could not be used, found while adjudicating.
struct LateProblem {
  uint64_t seq = 0;
  std::string text;
};

// A scratch directory, removed with everything in it when the run ends.
class ScratchDir {
 public:
  static Expected<ScratchDir, std::string> create(const fs::path& parent) {
    std::string pattern = (parent / "covenant-simulate-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      return unexpected(parent.string() + ": cannot create a scratch directory: " +
                        std::strerror(errno));
    return ScratchDir(pattern);
  }
  ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit ScratchDir(fs::path p) : path_(std::move(p)) {}
  fs::path path_;
};

fs::path partition_file(const fs::path& dir, uint32_t p) {
  char name[32];
  std::snprintf(name, sizeof name, "claims-%04u", p);
  return dir / name;
}
fs::path result_file(const fs::path& dir, uint32_t p) {
  char name[32];
  std::snprintf(name, sizeof name, "results-%04u", p);
  return dir / name;
}

// Reads a results file record by record: varint seq, varint length, the JSON line.
class ResultReader {
 public:
  explicit ResultReader(std::FILE* f) : file_(f) {}
  ResultReader(ResultReader&& o) noexcept : file_(o.file_), buf_(std::move(o.buf_)), pos_(o.pos_) {
    o.file_ = nullptr;
  }
  ResultReader(const ResultReader&) = delete;
  ~ResultReader() {
    if (file_) std::fclose(file_);
  }
  // Reads the next record; false at the end. Sets `damaged` on a truncated record.
  bool next(uint64_t& seq, std::string& line, bool& damaged) {
    if (!varint(seq)) return false;
    uint64_t len = 0;
    if (!varint(len) || !fill(len)) {
      damaged = true;
      return false;
    }
    line.assign(reinterpret_cast<const char*>(buf_.data() + pos_), len);
    pos_ += len;
    return true;
  }

 private:
  bool fill(size_t need) {
    if (buf_.size() - pos_ >= need) return true;
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
    size_t want = std::max<size_t>(need, 64 * 1024);
    size_t have = buf_.size();
    buf_.resize(have + want);
    size_t n = std::fread(buf_.data() + have, 1, want, file_);
    buf_.resize(have + n);
    return buf_.size() >= need;
  }
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!fill(1)) return false;
      uint8_t b = buf_[pos_++];
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  std::FILE* file_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;
};

void put_varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// One adjudicating thread: its machine, hasher and totals.
class Worker {
 public:
  Worker(const PlanBinding& b, const SimulationOptions& o, const std::vector<SharedCall>& shared,
         const fs::path& dir)
      : b_(b), o_(o), shared_(shared), dir_(dir), hasher_(ledger::Hasher::create_or_abort()) {}

  Summary summary;
  std::vector<LateProblem> problems;

  // Adjudicates partition `p` and writes its results file. Fails on a scratch I/O error.
  Expected<void, std::string> run_partition(uint32_t p) {
    auto bytes = read_spill(partition_file(dir_, p));
    if (!bytes) return unexpected(bytes.error());
    auto records = split_records(*bytes);
    if (!records) return unexpected(records.error());
    // Records are in input order; grouping by member keeps each member's order.
    std::stable_sort(records->begin(), records->end(),
                     [](const SpilledRecord& a, const SpilledRecord& b) { return a.member < b.member; });
    results_.clear();
    size_t i = 0;
    while (i < records->size()) {
      size_t j = i;
      while (j < records->size() && (*records)[j].member == (*records)[i].member) ++j;
      if (auto ok = run_member(std::span(*records).subspan(i, j - i)); !ok) return ok;
      i = j;
    }
    std::error_code ec;
    fs::remove(partition_file(dir_, p), ec);
    if (!o_.out) return {};
    std::sort(results_.begin(), results_.end(),
              [](const auto& a, const auto& c) { return a.first < c.first; });
    auto out = SpillWriter::create(result_file(dir_, p));
    if (!out) return unexpected(out.error());
    for (const auto& [seq, line] : results_) {
      put_varint(seq, out->buffer());
      put_varint(line.size(), out->buffer());
      out->buffer() += line;
      if (auto ok = out->maybe_flush(); !ok) return ok;
    }
    results_.clear();
    return out->close();
  }

 private:
  // One member's records (and the shared calls among them) against a fresh state.
  Expected<void, std::string> run_member(std::span<const SpilledRecord> records) {
    runtime::MemoryState state;
    // The member's pseudonym, 64 hex digits (the reading phase replaced the source's id).
    std::string pseudonym(records.front().member);
    size_t s = 0;
    for (const auto& rec : records) {
      for (; s < shared_.size() && shared_[s].seq < rec.seq; ++s)
        run_call(shared_[s].call, shared_[s].seq, shared_[s].today, state);
      if (rec.kind == SpilledRecord::Kind::call) {
        if (auto ok = decode_call(rec.body, call_); !ok) return unexpected(ok.error());
        run_call(call_, rec.seq, rec.today, state);
      } else {
        claim_.member = pseudonym;
        if (auto ok = decode_claim(rec.body, claim_); !ok) return unexpected(ok.error());
        run_claim(rec.seq, pseudonym, state);
      }
      state.commit();
    }
    return {};
  }

  void problem(uint64_t seq, std::string text) {
    ++summary.malformed;
    problems.push_back(LateProblem{seq, std::move(text)});
  }

  void run_call(const claims::Call& call, uint64_t seq, int64_t today,
                runtime::MemoryState& state) {
    ++summary.calls;
    const runtime::AbiEntry* entry = b_.plan().abi().find(call.entry);
    if (!entry) {
      ++summary.calls_refused;
      return problem(seq, call.location + ": " + b_.plan().name() + " has no entry `" + call.entry + "`");
    }
    auto input = runtime::encode_params(*entry, call.args_json);
    if (!input) {
      ++summary.calls_refused;
      return problem(seq, call.location + ": " + call.entry + ": " + input.error());
    }
    runtime::CallContext ctx;
    ctx.state = &state;
    ctx.today = today;
    uint64_t mark = state.checkpoint();
    auto outcome = runtime::call_entry(machine_, b_.plan(), *entry, *input, o_.gas, ctx);
    if (outcome.status != runtime::CallStatus::ok) {
      state.rollback(mark);
      ++summary.calls_refused;
      problems.push_back(LateProblem{seq, call.location + ": " + call.entry + " refused: " +
                                              outcome.reason});
    }
  }

  void run_claim(uint64_t seq, const std::string& pseudonym, runtime::MemoryState& state) {
    const claims::Claim& c = claim_;
    size_t parts = b_.parts(c);
    // Every part is encoded before any runs, so a claim that cannot be used changes nothing.
    blocks_.resize(parts);
    for (size_t k = 0; k < parts; ++k)
      if (auto ok = b_.encode_part(c, k, blocks_[k], hasher_); !ok)
        return problem(seq, c.location + " (claim " + c.id + "): " + ok.error());
    ClaimResult r = b_.start(c, pseudonym);
    runtime::CallContext ctx;
    ctx.state = &state;
    ctx.today = c.received;
    for (size_t k = 0; k < parts; ++k) {
      uint64_t mark = state.checkpoint();
      ctx.events.clear();
      auto outcome = runtime::call_entry(machine_, b_.plan(), b_.entry(), blocks_[k], o_.gas, ctx);
      if (outcome.status != runtime::CallStatus::ok) state.rollback(mark);
      b_.add_outcome(c, k, outcome, r);
    }
    summary.add(r);
    if (o_.out) {
      std::string line;
      append_result_json(r, line);
      results_.emplace_back(seq, std::move(line));
    }
  }

  const PlanBinding& b_;
  const SimulationOptions& o_;
  const std::vector<SharedCall>& shared_;
  fs::path dir_;
  ledger::Hasher hasher_;
  vm::Machine machine_;
  std::vector<std::vector<uint8_t>> blocks_;
  claims::Claim claim_;
  claims::Call call_;
  std::vector<std::pair<uint64_t, std::string>> results_;
};

}  // namespace

Expected<std::vector<std::unique_ptr<claims::Source>>, std::string> open_sources(
    const SimulationOptions& o) {
  std::vector<std::unique_ptr<claims::Source>> sources;
  if (o.setup) {
    auto setup = claims::open_source(*o.setup, claims::Format::ndjson);
    if (!setup) return unexpected(setup.error());
    sources.push_back(std::move(*setup));
  }
  auto source = claims::open_source(o.claims, o.format);
  if (!source) return unexpected(source.error());
  sources.push_back(std::move(*source));
  return sources;
}

Expected<Summary, std::string> simulate(const runtime::LoadedContract& plan,
                                        const SimulationOptions& o) {
  auto started = std::chrono::steady_clock::now();
  auto binding = PlanBinding::bind(plan, o.entry);
  if (!binding) return unexpected(binding.error());
  auto sources = open_sources(o);
  if (!sources) return unexpected(sources.error());
  fs::path scratch_parent = o.scratch.empty() ? fs::temp_directory_path() : o.scratch;
  auto dir = ScratchDir::create(scratch_parent);
  if (!dir) return unexpected(dir.error());

  unsigned threads = std::max(1u, o.threads);
  // Any source of unknown size (standard input) makes the whole input's size unknown.
  uint64_t total = 0;
  bool size_known = true;
  for (const auto& source : *sources) {
    total += source->bytes_total();
    size_known = size_known && source->bytes_total() > 0;
  }
  uint32_t partitions =
      !size_known ? kUnknownSizePartitions
                 : static_cast<uint32_t>(std::clamp<uint64_t>(total / kBytesPerPartition,
                                                              uint64_t{threads} * 8, kMaxPartitions));
  std::vector<SpillWriter> writers;
  writers.reserve(partitions);
  for (uint32_t p = 0; p < partitions; ++p) {
    auto w = SpillWriter::create(partition_file(dir->path(), p));
    if (!w) return unexpected(w.error());
    writers.push_back(std::move(*w));
  }

  // Reading: every record to its member's partition, in input order.
  Summary read_totals;
  std::vector<SharedCall> shared;
  claims::Record record;
  uint64_t seq = 0, claims_read = 0;
  int64_t latest = 0;
  Progress progress;
  progress.total = total;
  auto hasher = ledger::Hasher::create_or_abort();
  uint64_t bytes_before = 0;
  for (auto& source : *sources) {
    while (source->next(record)) {
      ++seq;
      if (auto* problem = std::get_if<claims::Problem>(&record)) {
        std::string text = problem->location + ": " + problem->reason;
        if (o.strict) return unexpected(text);
        ++read_totals.malformed;
        if (o.problem) o.problem(text);
        continue;
      }
      // Records go by the member's pseudonym, which is what the plan's state is keyed by: a
      // call naming the pseudonym and a claim naming the source's member id meet.
      SpillWriter* w = nullptr;
      if (auto* claim = std::get_if<claims::Claim>(&record)) {
        ++claims_read;
        latest = std::max(latest, claim->received);
        claim->member = pseudonym_hex(member_pseudonym(claim->member, hasher));
        w = &writers[fnv1a(claim->member) % partitions];
        append_claim(seq, *claim, w->buffer());
      } else {
        auto& call = std::get<claims::Call>(record);
        if (call.member.empty()) {
          shared.push_back(SharedCall{seq, latest, call});
          continue;
        }
        call.member = pseudonym_hex(member_pseudonym(call.member, hasher));
        w = &writers[fnv1a(call.member) % partitions];
        append_call(seq, latest, call, w->buffer());
      }
      if (auto ok = w->maybe_flush(); !ok) return unexpected(ok.error());
      if (o.progress && (seq & 4095) == 0) {
        progress.done = bytes_before + source->bytes_read();
        progress.records = claims_read;
        o.progress(progress);
      }
    }
    bytes_before += source->bytes_total();
    source.reset();
  }
  for (auto& w : writers)
    if (auto ok = w.close(); !ok) return unexpected(ok.error());
  writers.clear();

  // Adjudicating: partitions on `threads` threads.
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>(*binding, o, shared, dir->path()));
  std::atomic<uint32_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::string error;
  auto work = [&](Worker& worker) {
    for (uint32_t p; !stop && (p = next++) < partitions;) {
      if (auto ok = worker.run_partition(p); !ok) {
        std::lock_guard lock(error_mutex);
        if (error.empty()) error = ok.error();
        stop = true;
      }
      if (o.strict && !worker.problems.empty()) stop = true;
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(*workers[t]));
  std::thread main_share([&] { work(*workers[0]); });
  progress.phase = Progress::Phase::adjudicating;
  progress.total = partitions;
  progress.records = claims_read;
  while (done < partitions && !stop) {
    if (o.progress) {
      progress.done = done;
      o.progress(progress);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  main_share.join();
  for (auto& t : pool) t.join();
  if (!error.empty()) return unexpected(error);

  Summary summary = read_totals;
  std::vector<LateProblem> late;
  for (auto& w : workers) {
    summary.merge(w->summary);
    late.insert(late.end(), std::make_move_iterator(w->problems.begin()),
                std::make_move_iterator(w->problems.end()));
  }
  std::sort(late.begin(), late.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  if (o.strict && !late.empty()) return unexpected(late.front().text);
  if (o.problem)
    for (const auto& p : late) o.problem(p.text);

  // Writing: the partitions' results merged back into input order.
  if (o.out) {
    std::FILE* out = o.out->string() == "-" ? stdout : std::fopen(o.out->c_str(), "wb");
    if (!out) return unexpected(o.out->string() + ": cannot create: " + std::strerror(errno));
    std::vector<ResultReader> readers;
    using Head = std::pair<uint64_t, uint32_t>;
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    std::vector<std::string> lines(partitions);
    bool damaged = false;
    for (uint32_t p = 0; p < partitions; ++p) {
      std::FILE* f = std::fopen(result_file(dir->path(), p).c_str(), "rb");
      if (!f) return unexpected(result_file(dir->path(), p).string() + ": cannot open");
      readers.emplace_back(f);
      uint64_t s;
      if (readers[p].next(s, lines[p], damaged)) heads.emplace(s, p);
    }
    std::string buffer;
    progress.phase = Progress::Phase::writing;
    progress.total = summary.claims;
    progress.done = 0;
    bool write_failed = false;
    while (!heads.empty()) {
      auto [s, p] = heads.top();
      heads.pop();
      buffer += lines[p];
      if (buffer.size() > (1 << 20)) {
        write_failed |= std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size();
        buffer.clear();
      }
      if (o.progress && (++progress.done & 65535) == 0) o.progress(progress);
      uint64_t next_seq;
      if (readers[p].next(next_seq, lines[p], damaged)) heads.emplace(next_seq, p);
    }
    write_failed |= std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size();
    write_failed |= std::fflush(out) != 0;
    if (out != stdout) write_failed |= std::fclose(out) != 0;
    if (damaged) return unexpected(std::string("a scratch results file is damaged"));
    if (write_failed) return unexpected(o.out->string() + ": cannot write: " + std::strerror(errno));
  }
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace covenant::simulate
