#include "ledger/world_state.hpp"

#include <lmdb.h>
#include <sys/stat.h>

#include <cstring>
#include <string_view>
#include <utility>

#include "ledger/codec.hpp"
#include "ledger/file_io.hpp"

namespace covenant::ledger {

namespace {

namespace fs = std::filesystem;

// The format of the meta records below; a state written by another version is refused.
constexpr uint32_t kStateFormat = 1;
// The first memory map: virtual address space only (the file grows as pages are used). It
// doubles when a commit fills it.
constexpr uint64_t kInitialMapSize = uint64_t{1} << 30;

// Meta keys (in the "meta" database, outside the state and its hash).
constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kChainKey = "chain_id";
constexpr std::string_view kHeightKey = "height";
constexpr std::string_view kHeadKey = "head_hash";
constexpr std::string_view kStateHashKey = "state_hash";
constexpr std::string_view kLogKey = "log";

MDB_val val(std::span<const uint8_t> bytes) {
  return MDB_val{bytes.size(), const_cast<uint8_t*>(bytes.data())};
}
MDB_val val(std::string_view text) { return MDB_val{text.size(), const_cast<char*>(text.data())}; }
std::span<const uint8_t> span_of(const MDB_val& v) {
  return {static_cast<const uint8_t*>(v.mv_data), v.mv_size};
}

bool is_damage(int rc) {
  return rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
         rc == MDB_VERSION_MISMATCH;
}

// Aborts a transaction unless it was committed (or handed over).
struct TxnGuard {
  MDB_txn* txn = nullptr;
  ~TxnGuard() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
};

}  // namespace

StorageError WorldState::error(const char* what, int rc) const {
  return StorageError::of(is_damage(rc) ? StorageError::Code::corrupt : StorageError::Code::state,
                          std::string(what) + ": " + mdb_strerror(rc))
      .in(data_file().string());
}

Expected<MDB_txn*, StorageError> WorldState::begin(bool write) const {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, write ? 0 : MDB_RDONLY, &txn); rc != 0) {
    return unexpected(error("mdb_txn_begin", rc));
  }
  return txn;
}

Expected<MDB_txn*, StorageError> WorldState::kept_reader() const {
  if (reader_ == nullptr) {
    auto begun = begin(false);
    if (!begun) return unexpected(std::move(begun).error());
    reader_ = *begun;
  } else if (!reader_live_) {
    if (int rc = mdb_txn_renew(reader_); rc != 0) return unexpected(error("mdb_txn_renew", rc));
  }
  reader_live_ = true;
  return reader_;
}

void WorldState::end_reads() const {
  if (reader_ != nullptr && reader_live_) mdb_txn_reset(reader_);
  reader_live_ = false;
}

WorldState::WorldState(WorldState&& other) noexcept
    : dir_(std::move(other.dir_)),
      env_(std::exchange(other.env_, nullptr)),
      reader_(std::exchange(other.reader_, nullptr)),
      reader_live_(std::exchange(other.reader_live_, false)),
      state_dbi_(other.state_dbi_),
      meta_dbi_(other.meta_dbi_),
      writable_(other.writable_),
      map_size_(other.map_size_),
      meta_(std::move(other.meta_)) {}

WorldState& WorldState::operator=(WorldState&& other) noexcept {
  if (this != &other) {
    if (reader_ != nullptr) mdb_txn_abort(reader_);
    if (env_ != nullptr) mdb_env_close(env_);
    dir_ = std::move(other.dir_);
    env_ = std::exchange(other.env_, nullptr);
    reader_ = std::exchange(other.reader_, nullptr);
    reader_live_ = std::exchange(other.reader_live_, false);
    state_dbi_ = other.state_dbi_;
    meta_dbi_ = other.meta_dbi_;
    writable_ = other.writable_;
    map_size_ = other.map_size_;
    meta_ = std::move(other.meta_);
  }
  return *this;
}

WorldState::~WorldState() {
  if (reader_ != nullptr) mdb_txn_abort(reader_);
  if (env_ != nullptr) mdb_env_close(env_);
}

Expected<void, StorageError> WorldState::open_env(bool writable) {
  writable_ = writable;
  if (int rc = mdb_env_create(&env_); rc != 0) return unexpected(error("mdb_env_create", rc));
  if (int rc = mdb_env_set_maxdbs(env_, 2); rc != 0) {
    return unexpected(error("mdb_env_set_maxdbs", rc));
  }
  map_size_ = kInitialMapSize;
  if (int rc = mdb_env_set_mapsize(env_, map_size_); rc != 0) {
    return unexpected(error("mdb_env_set_mapsize", rc));
  }
  // Read-write: MDB_NOMETASYNC, one fdatasync per commit instead of two; a system crash can
  // then undo the last commit, which recovery replays from the log (docs/ledger.md).
  // Read-only: no LMDB lock table; the ledger's own directory lock keeps writers out.
  // MDB_NOTLS: the kept read transaction is not tied to a thread's lock slot.
  // MDB_NORDAHEAD: lookups are random (pseudonymous keys); the kernel's readahead would read
  // pages around every miss, and a state larger than memory would thrash (measured with 10
  // million consents, docs/BENCHMARKS.md "Consent decisions").
  unsigned flags = writable ? (MDB_NOMETASYNC | MDB_NOTLS | MDB_NORDAHEAD)
                            : (MDB_RDONLY | MDB_NOLOCK | MDB_NORDAHEAD);
  if (int rc = mdb_env_open(env_, dir_.c_str(), flags, 0644); rc != 0) {
    return unexpected(error("cannot open the LMDB environment", rc));
  }
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == 0) map_size_ = info.me_mapsize;

  auto begun = begin(writable);
  if (!begun) return unexpected(std::move(begun).error());
  MDB_txn* txn = *begun;
  TxnGuard guard{txn};
  unsigned create = writable ? MDB_CREATE : 0;
  MDB_dbi dbi;
  if (int rc = mdb_dbi_open(txn, "state", create, &dbi); rc != 0) {
    return unexpected(error("cannot open the state database", rc));
  }
  state_dbi_ = dbi;
  if (int rc = mdb_dbi_open(txn, "meta", create, &dbi); rc != 0) {
    return unexpected(error("cannot open the meta database", rc));
  }
  meta_dbi_ = dbi;
  guard.txn = nullptr;
  if (int rc = mdb_txn_commit(txn); rc != 0) return unexpected(error("mdb_txn_commit", rc));
  return {};
}

Expected<WorldState, StorageError> WorldState::create(const fs::path& dir,
                                                      const std::string& chain_id) {
  if (::mkdir(dir.c_str(), 0755) != 0) {
    return unexpected(StorageError::of(StorageError::Code::io,
                                       std::string("cannot create the state directory: ") +
                                           std::strerror(errno))
                          .in(dir.string()));
  }
  WorldState state;
  state.dir_ = dir;
  if (auto ok = state.open_env(true); !ok) return unexpected(ok.error());
  StateMeta meta;
  meta.chain_id = chain_id;
  if (auto ok = state.commit({}, meta); !ok) return unexpected(ok.error());
  if (auto ok = sync_directory(dir); !ok) return unexpected(ok.error());
  return state;
}

Expected<WorldState, StorageError> WorldState::open(const fs::path& dir, bool writable) {
  std::error_code ec;
  if (!fs::exists(dir / "data.mdb", ec)) {
    return unexpected(StorageError::of(StorageError::Code::not_found, "no world state")
                          .in((dir / "data.mdb").string()));
  }
  WorldState state;
  state.dir_ = dir;
  if (auto ok = state.open_env(writable); !ok) return unexpected(ok.error());
  if (auto ok = state.read_meta(); !ok) return unexpected(ok.error());
  return state;
}

Expected<void, StorageError> WorldState::read_meta() {
  auto begun = begin(false);
  if (!begun) return unexpected(std::move(begun).error());
  MDB_txn* txn = *begun;
  TxnGuard guard{txn};
  auto malformed = [this](std::string reason) {
    return unexpected(StorageError::of(StorageError::Code::corrupt, "state meta: " + reason)
                          .in(data_file().string()));
  };
  // Reads a meta record; nullopt if absent.
  auto read = [&](std::string_view key) -> Expected<std::optional<std::vector<uint8_t>>, StorageError> {
    MDB_val k = val(key), v;
    int rc = mdb_get(txn, meta_dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::vector<uint8_t>>();
    if (rc != 0) return unexpected(error("cannot read the state meta", rc));
    auto bytes = span_of(v);
    return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(bytes.begin(), bytes.end()));
  };

  StateMeta meta;
  auto format = read(kFormatKey);
  if (!format) return unexpected(std::move(format).error());
  if (!*format || (*format)->size() != 4) return malformed("no format record");
  uint64_t version = ByteReader(**format).take_le(4, "format").value();
  if (version != kStateFormat) {
    return malformed("format " + std::to_string(version) + ", expected " +
                     std::to_string(kStateFormat));
  }
  auto chain = read(kChainKey);
  if (!chain) return unexpected(std::move(chain).error());
  if (!*chain) return malformed("no chain id");
  meta.chain_id.assign((*chain)->begin(), (*chain)->end());

  auto height = read(kHeightKey);
  if (!height) return unexpected(std::move(height).error());
  if (*height) {
    if ((*height)->size() != 8) return malformed("height is not 8 bytes");
    meta.height = ByteReader(**height).take_le(8, "height").value();
    auto head = read(kHeadKey);
    if (!head) return unexpected(std::move(head).error());
    if (!*head || (*head)->size() != 32) return malformed("no 32-byte head hash");
    std::copy((*head)->begin(), (*head)->end(), meta.head_hash.begin());
    auto hash = read(kStateHashKey);
    if (!hash) return unexpected(std::move(hash).error());
    if (!*hash) return malformed("no state hash");
    auto lanes = StateHash::from_bytes(**hash);
    if (!lanes) return malformed(lanes.error());
    meta.hash = *lanes;
    auto log = read(kLogKey);
    if (!log) return unexpected(std::move(log).error());
    if (!*log || (*log)->size() < 8 || ((*log)->size() - 8) % 32 != 0) {
      return malformed("no log record");
    }
    ByteReader r(**log);
    uint64_t size = r.take_le(8, "log size").value();
    std::vector<Hash> hashes;
    while (r.remaining() > 0) hashes.push_back(r.take_array<32>("hash").value());
    auto range = CompactRange::from_hashes(size, std::move(hashes));
    if (!range) return malformed("log record has the wrong number of hashes for its size");
    meta.log = std::move(*range);
  }
  meta_ = std::move(meta);
  return {};
}

Expected<std::optional<std::vector<uint8_t>>, StorageError> WorldState::get(
    std::span<const uint8_t> key) const {
  auto begun = writable_ ? kept_reader() : begin(false);
  if (!begun) return unexpected(std::move(begun).error());
  MDB_txn* txn = *begun;
  TxnGuard guard{writable_ ? nullptr : txn};
  MDB_val k = val(key), v;
  int rc = mdb_get(txn, state_dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::vector<uint8_t>>();
  if (rc != 0) return unexpected(error("cannot read the state", rc));
  auto bytes = span_of(v);
  return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

Expected<void, StorageError> WorldState::read_with_cursor(
    const std::function<int(MDB_cursor*)>& use) const {
  auto begun = writable_ ? kept_reader() : begin(false);
  if (!begun) return unexpected(std::move(begun).error());
  MDB_txn* txn = *begun;
  TxnGuard guard{writable_ ? nullptr : txn};
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, state_dbi_, &cursor); rc != 0) {
    return unexpected(error("cannot read the state", rc));
  }
  const int rc = use(cursor);
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return unexpected(error("cannot read the state", rc));
  return {};
}

Expected<std::optional<StatePair>, StorageError> WorldState::seek(
    std::span<const uint8_t> key) const {
  std::optional<StatePair> found;
  auto ok = read_with_cursor([&](MDB_cursor* cursor) {
    // An empty key cannot be handed to LMDB: start from the first pair instead.
    MDB_val k = key.empty() ? MDB_val{} : val(key), v;
    int rc = mdb_cursor_get(cursor, &k, &v, key.empty() ? MDB_FIRST : MDB_SET_RANGE);
    if (rc == 0) {
      auto kb = span_of(k), vb = span_of(v);
      found = StatePair{{kb.begin(), kb.end()}, {vb.begin(), vb.end()}};
    }
    return rc;
  });
  if (!ok) return unexpected(std::move(ok).error());
  return found;
}

Expected<void, StorageError> WorldState::commit(const StateDelta& delta, const StateMeta& meta) {
  if (!writable_) {
    return unexpected(StorageError::of(StorageError::Code::invalid_argument,
                                       "the world state is open read-only"));
  }
  std::vector<uint8_t> format, height, log;
  put_u32(format, kStateFormat);
  if (meta.height) put_u64(height, *meta.height);
  put_u64(log, meta.log.size());
  for (const Hash& h : meta.log.hashes()) put_bytes(log, h);
  const auto lanes = meta.hash.bytes();

  // Reads after the commit must see it; and the map can only grow with no transaction live.
  end_reads();
  // A full map is the one failure that a retry fixes: grow it (no transaction may be open
  // in this process then) and run the whole transaction again.
  for (;;) {
    auto begun = begin(true);
    if (!begun) return unexpected(std::move(begun).error());
    MDB_txn* txn = *begun;
    TxnGuard guard{txn};
    int rc = 0;
    for (const auto& [key, change] : delta) {
      MDB_val k = val(key);
      if (change.after) {
        MDB_val v = val(*change.after);
        rc = mdb_put(txn, state_dbi_, &k, &v, 0);
      } else {
        rc = mdb_del(txn, state_dbi_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc != 0) break;
    }
    auto put_meta = [&](std::string_view key, std::span<const uint8_t> value) {
      if (rc != 0) return;
      MDB_val k = val(key), v = val(value);
      rc = mdb_put(txn, meta_dbi_, &k, &v, 0);
    };
    put_meta(kFormatKey, format);
    put_meta(kChainKey, std::span(reinterpret_cast<const uint8_t*>(meta.chain_id.data()),
                                  meta.chain_id.size()));
    if (meta.height) {
      put_meta(kHeightKey, height);
      put_meta(kHeadKey, meta.head_hash);
      put_meta(kStateHashKey, lanes);
      put_meta(kLogKey, log);
    }
    if (rc == 0) {
      guard.txn = nullptr;
      rc = mdb_txn_commit(txn);
      if (rc == 0) {
        meta_ = meta;
        return {};
      }
    }
    if (rc != MDB_MAP_FULL) {
      StorageError e = error("cannot commit the state", rc);
      if (rc == MDB_BAD_VALSIZE) e.code = StorageError::Code::invalid_argument;
      return unexpected(std::move(e));
    }
    if (guard.txn != nullptr) {
      mdb_txn_abort(guard.txn);
      guard.txn = nullptr;
    }
    map_size_ *= 2;
    if (int grow = mdb_env_set_mapsize(env_, map_size_); grow != 0) {
      return unexpected(error("cannot grow the memory map", grow));
    }
  }
}

Expected<void, StorageError> WorldState::for_each(
    const std::function<void(std::span<const uint8_t>, std::span<const uint8_t>)>& visit) const {
  return read_with_cursor([&](MDB_cursor* cursor) {
    MDB_val k, v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    while (rc == 0) {
      visit(span_of(k), span_of(v));
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    return rc;
  });
}

}  // namespace covenant::ledger
