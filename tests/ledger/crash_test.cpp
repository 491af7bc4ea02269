// The crash test: a child process appends blocks and is killed with SIGKILL at random
// moments, 50 times. After each kill the ledger must open (recovering whatever the kill
// interrupted) and every block the child acknowledged before the kill must be there, with
// exactly the contents the child appended; every tenth round the full audit must pass too.
// Every fourth block is about 1.2 MB, whose write takes long enough for kills to tear it;
// the others are a few small entries. Kills land in every phase: the child's own recovery,
// building a block, writing it, fdatasync, the state commit.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "ledger/audit.hpp"
#include "ledger/ledger.hpp"
#include "tests/ledger/storage_helpers.hpp"

namespace covenant::ledger {
namespace {

using testing::note_item;
using testing::TempDir;
using testing::test_key;

using testing::kTime;
constexpr int kKills = 50;

// What block `height` holds, as a function of the height alone: the child appends these,
// the parent checks them.
size_t entries_in(uint64_t height) { return height % 4 == 3 ? 3 : 1 + (height * 7) % 5; }
size_t payload_size(uint64_t height, size_t entry) {
  return height % 4 == 3 ? 400'000 + entry * 1000 : 40 + (height + entry) % 200;
}
std::vector<uint8_t> payload(uint64_t height, size_t entry) {
  std::vector<uint8_t> p(payload_size(height, entry));
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>(height * 131 + entry * 17 + i);
  return p;
}

// The child: open (recovering), then append blocks forever, writing each acknowledged
// height to `ack_fd`. Never returns.
[[noreturn]] void append_forever(const std::filesystem::path& dir, int ack_fd) {
  KeyPair node = test_key(1);
  auto ledger = Ledger::open(dir, OpenMode::read_write);
  if (!ledger) {
    std::fprintf(stderr, "child: %s\n", ledger.error().describe().c_str());
    _exit(2);
  }
  for (;;) {
    uint64_t height = ledger->block_count();
    auto nonce = ledger->next_nonce(node.public_key());
    if (!nonce) _exit(3);
    std::vector<BlockItem> items;
    for (size_t e = 0; e < entries_in(height); ++e) {
      items.push_back(note_item(node, *nonce + e, payload(height, e)));
    }
    auto header = ledger->append_block(items, kTime + height, node);
    if (!header) {
      std::fprintf(stderr, "child: %s\n", header.error().describe().c_str());
      _exit(4);
    }
    if (::write(ack_fd, &height, sizeof height) != sizeof height) _exit(5);
  }
}

// The highest height acknowledged through `fd` (non-blocking) so far, or `known`.
uint64_t drain_acks(int fd, uint64_t known) {
  uint64_t height;
  while (::read(fd, &height, sizeof height) == sizeof height) known = std::max(known, height);
  return known;
}

void check_contents(const Ledger& ledger, uint64_t from) {
  for (uint64_t h = from; h < ledger.block_count(); ++h) {
    auto block = ledger.read_block(h);
    REQUIRE_MESSAGE(block.has_value(), testing::why(block));
    const BlockHeader& header = block->record.header;
    CHECK(header.time_ms == kTime + h);
    size_t expected = h == 0 ? 0 : entries_in(h);
    REQUIRE(block->record.leaves.size() == expected);
    for (size_t e = 0; e < expected; ++e) {
      auto entry = decode_entry_parts(block->record.leaves[e]);
      REQUIRE(entry.has_value());
      CHECK(entry->transaction.payload == payload(h, e));
    }
  }
}

}  // namespace

TEST_CASE("crash: 50 SIGKILLs during appends lose no acknowledged block") {
  TempDir dir;
  {
    auto ledger = Ledger::create(dir.path(), testing::kTestChain, test_key(1), kTime, 512 * 1024);
    REQUIRE(ledger.has_value());
  }
  std::mt19937_64 rng(20261124);
  uint64_t acknowledged = 0;
  uint64_t checked = 1;  // blocks below this were checked in an earlier round
  uint64_t torn_rounds = 0, replayed_rounds = 0;
  for (int round = 0; round < kKills; ++round) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(fds[0]);
      append_forever(dir.path(), fds[1]);
    }
    ::close(fds[1]);
    // Odd rounds kill at a random moment after the fork, often during the child's own
    // recovery; even rounds wait for an acknowledgement first, then kill at a random moment
    // of the appends that follow.
    if (round % 2 == 0) {
      uint64_t height;
      REQUIRE(::read(fds[0], &height, sizeof height) == sizeof height);
      acknowledged = std::max(acknowledged, height);
    }
    REQUIRE(::fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 20000));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    // Killed, not exited: an exit means the child failed (its message is on stderr).
    REQUIRE_MESSAGE(WIFSIGNALED(status), "child exited with status ", WEXITSTATUS(status));
    acknowledged = drain_acks(fds[0], acknowledged);
    ::close(fds[0]);

    {
      auto ledger = Ledger::open(dir.path(), OpenMode::read_write);
      REQUIRE_MESSAGE(ledger.has_value(), testing::why(ledger));
      torn_rounds += ledger->recovery().discarded_bytes > 0;
      replayed_rounds += ledger->recovery().replayed_blocks > 0;
      REQUIRE(ledger->block_count() > acknowledged);
      check_contents(*ledger, checked);
      checked = ledger->block_count();
    }
    if (round % 10 == 9) {
      auto report = audit_ledger(dir.path(), 2);
      REQUIRE_MESSAGE(report.has_value(), testing::why(report));
    }
  }
  MESSAGE("blocks: ", checked, ", acknowledged before the last kill: ", acknowledged,
          ", rounds with a torn record discarded: ", torn_rounds,
          ", rounds with an unacknowledged block replayed: ", replayed_rounds);
  // Every even round waited for an acknowledgement.
  CHECK(acknowledged >= kKills / 2);
}

}  // namespace covenant::ledger
