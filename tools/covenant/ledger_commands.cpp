#include "tools/covenant/ledger_commands.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consent/consent_handler.hpp"
#include "ledger/audit.hpp"
#include "ledger/checkpoint.hpp"
#include "ledger/log_proofs.hpp"
#include "ledger/node.hpp"
#include "ledger/transition.hpp"
#include "node/contract_executor.hpp"
#include "tools/covenant/cli_util.hpp"
#include "tools/covenant/json.hpp"
#include "tools/covenant/program_file.hpp"
#include "vm/hex.hpp"

namespace covenant::cli {
namespace {

using namespace covenant::ledger;

// Exit codes (see ledger_commands.hpp).
constexpr int kRefused = 1;
constexpr int kUnusable = 2;

int fail(const std::string& command, const std::string& message, int code) {
  std::fprintf(stderr, "covenant ledger %s: %s\n", command.c_str(), message.c_str());
  return code;
}

int fail(const std::string& command, const StorageError& e) {
  return fail(command, e.describe(), storage_exit_code(e));
}

std::string hex(std::span<const uint8_t> bytes) { return to_hex(bytes); }

std::vector<std::string> hex_list(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.push_back(to_hex(h));
  return out;
}

// The header fields every command that shows a block prints.
JsonObject header_json(const BlockHeader& h) {
  JsonObject o;
  o.num("height", h.height)
      .str("hash", hex(header_hash(h)))
      .str("previous_hash", hex(h.previous_hash))
      .num("time_ms", h.time_ms)
      .str("time", iso_time(h.time_ms))
      .num("entry_count", h.entry_count)
      .num("log_size", h.log_size)
      .str("log_root", hex(h.log_root))
      .str("state_commitment", hex(h.state_commitment))
      .str("proposer", hex(h.proposer))
      .str("signature", hex(h.signature));
  return o;
}

void print_header(const BlockHeader& h) {
  std::printf("block        %" PRIu64 "\n", h.height);
  std::printf("hash         %s\n", hex(header_hash(h)).c_str());
  std::printf("previous     %s\n", hex(h.previous_hash).c_str());
  std::printf("time         %s (%" PRIu64 " ms)\n", iso_time(h.time_ms).c_str(), h.time_ms);
  std::printf("entries      %u (log size after: %" PRIu64 ")\n", h.entry_count, h.log_size);
  std::printf("log root     %s\n", hex(h.log_root).c_str());
  std::printf("state        %s\n", hex(h.state_commitment).c_str());
  std::printf("proposer     %s\n", hex(h.proposer).c_str());
  std::printf("signature    %s\n", hex(h.signature).c_str());
}

// ---- init ----------------------------------------------------------------------------

struct InitOptions {
  std::string dir, chain_id = "covenant-local", key_file;
  std::optional<uint64_t> time_ms;
  uint64_t segment_size = kDefaultSegmentCapacity;
  bool json = false;
};

int run_init(const InitOptions& o) {
  std::optional<Seed> seed;
  if (!o.key_file.empty()) {
    auto read = read_seed_file(o.key_file);
    if (!read) return fail("init", read.error(), kUnusable);
    seed = *read;
  }
  auto node = Node::init(o.dir, o.chain_id, o.time_ms.value_or(now_ms()), seed, o.segment_size);
  if (!node) return fail("init", node.error());
  const BlockHeader& genesis = node->ledger().head();
  if (o.json) {
    std::printf("%s\n", JsonObject()
                            .str("dir", o.dir)
                            .str("chain_id", node->ledger().chain_id())
                            .str("node_key", hex(node->key().public_key()))
                            .str("verifier_key", node->verifier_key())
                            .raw("genesis", header_json(genesis).text())
                            .text()
                            .c_str());
  } else {
    std::printf("created node %s for chain %s\n", o.dir.c_str(), node->ledger().chain_id().c_str());
    std::printf("node key     %s\n", hex(node->key().public_key()).c_str());
    std::printf("verifier key %s\n", node->verifier_key().c_str());
    std::printf("genesis      %s at %s\n", hex(header_hash(genesis)).c_str(),
                iso_time(genesis.time_ms).c_str());
  }
  return 0;
}

// ---- append --------------------------------------------------------------------------

struct AppendOptions {
  std::string dir;
  std::vector<std::string> files;
  std::optional<uint64_t> time_ms;
  bool seal = false;
  bool json = false;
};

int run_append(const AppendOptions& o) {
  // Every file is read and checked before the ledger is touched: a bad file changes nothing.
  std::vector<std::vector<uint8_t>> payloads;
  for (const std::string& file : o.files) {
    auto bytes = read_file(file);
    if (!bytes) return fail("append", bytes.error(), kUnusable);
    if (bytes->size() > kMaxPayloadSize) {
      return fail("append", file + ": " + std::to_string(bytes->size()) +
                                " bytes; a note holds at most " + std::to_string(kMaxPayloadSize) +
                                " (record the file's hash instead)",
                  kUnusable);
    }
    payloads.push_back(std::move(bytes).value());
  }
  node::ContractExecutor executor;
  consent::install(executor);
  auto node = Node::open(o.dir, OpenMode::read_write, &executor);
  if (!node) return fail("append", node.error());
  const uint64_t head_time = node->ledger().head().time_ms;
  // The clock may be behind the last block (another machine, a clock step): block time never
  // goes backwards, so it then stays at the head's. An explicit --time is taken as given.
  const uint64_t time_ms = o.time_ms.value_or(std::max(now_ms(), head_time));
  auto header = node->append_notes(payloads, time_ms, o.seal);
  if (!header) return fail("append", header.error());
  // Under a seal, the seal is the block's first entry and the files follow it.
  const uint64_t first = header->log_size - header->entry_count + (o.seal ? 1 : 0);
  Hasher& hasher = thread_hasher();
  if (o.json) {
    std::string entries = "[";
    for (size_t i = 0; i < o.files.size(); ++i) {
      entries += (i ? "," : "") + JsonObject()
                                      .num("entry", first + i)
                                      .str("file", o.files[i])
                                      .num("bytes", payloads[i].size())
                                      .str("sha256", hex(hasher.sha256(payloads[i])))
                                      .text();
    }
    std::printf("%s\n", header_json(*header).raw("entries", entries + "]").text().c_str());
  } else {
    std::printf("block %" PRIu64 ": %u entries at %s, log size %" PRIu64 "\n", header->height,
                header->entry_count, iso_time(header->time_ms).c_str(), header->log_size);
    for (size_t i = 0; i < o.files.size(); ++i) {
      std::printf("  entry %" PRIu64 "  %s  %zu bytes  sha256 %s\n", first + i,
                  o.files[i].c_str(), payloads[i].size(),
                  hex(hasher.sha256(payloads[i])).c_str());
    }
    std::printf("log root     %s\n", hex(header->log_root).c_str());
    std::printf("state        %s\n", hex(header->state_commitment).c_str());
  }
  return 0;
}

// ---- show ----------------------------------------------------------------------------

struct ShowOptions {
  std::string dir;
  std::optional<uint64_t> block;
  bool json = false;
};

int show_block(const Ledger& ledger, uint64_t height, bool json) {
  auto block = ledger.read_block(height);
  if (!block) return fail("show", block.error());
  const BlockHeader& h = block->record.header;
  const uint64_t first = h.log_size - h.entry_count;
  Hasher& hasher = thread_hasher();
  std::string entries = "[";
  if (!json) print_header(h);
  for (size_t i = 0; i < block->record.leaves.size(); ++i) {
    auto parts = decode_entry_parts(block->record.leaves[i]);
    if (!parts) {
      return fail("show", StorageError::of(StorageError::Code::corrupt, parts.error().reason)
                              .at(height, i));
    }
    auto receipt = decode_receipt(parts->receipt);
    const Transaction& tx = parts->transaction;
    const std::string status(receipt ? status_name(receipt->status) : "unknown");
    const std::string payload_hash = hex(hasher.sha256(tx.payload));
    // Where a failed call stopped, as the receipt records it ("12:7"; "" when unknown).
    const std::string at = receipt && receipt->fail_line != 0
                               ? std::to_string(receipt->fail_line) + ":" +
                                     std::to_string(receipt->fail_column)
                               : "";
    if (json) {
      JsonObject entry;
      entry.num("entry", first + i)
          .str("kind", kind_name(tx.kind))
          .str("signer", hex(tx.signer))
          .num("nonce", tx.nonce)
          .num("payload_bytes", tx.payload.size())
          .str("payload_sha256", payload_hash)
          .str("status", status);
      if (receipt) {
        entry.num("gas_used", receipt->gas_used)
            .str("write_set_hash", hex(receipt->write_set_hash))
            .str("read_set_hash", hex(receipt->read_set_hash))
            .num("events", receipt->events.size())
            .str("output", hex(receipt->output));
        if (!receipt->reason.empty()) entry.str("reason", receipt->reason);
        if (!at.empty()) entry.str("at", at);
      }
      entries += (i ? "," : "") +
                 entry.str("leaf_hash", hex(hasher.hash_leaf(block->record.leaves[i]))).text();
    } else {
      std::printf("  entry %" PRIu64 "  %s  signer %s  nonce %" PRIu64 "  %zu bytes  sha256 %s  %s",
                  first + i, std::string(kind_name(tx.kind)).c_str(),
                  hex(tx.signer).substr(0, 16).c_str(), tx.nonce, tx.payload.size(),
                  payload_hash.c_str(), status.c_str());
      if (receipt && !receipt->reason.empty())
        std::printf(" (%s%s%s)", receipt->reason.c_str(), at.empty() ? "" : " at line:col ", at.c_str());
      std::printf("\n");
    }
  }
  if (json) std::printf("%s\n", header_json(h).raw("entries", entries + "]").text().c_str());
  return 0;
}

int run_show(const ShowOptions& o) {
  auto ledger = Ledger::open(o.dir, OpenMode::read_only);
  if (!ledger) return fail("show", ledger.error());
  if (o.block) return show_block(*ledger, *o.block, o.json);
  const BlockHeader& head = ledger->head();
  const SegmentLog& segments = ledger->segments();
  const uint64_t ignored = ledger->recovery().ignored_records;
  if (o.json) {
    std::printf("%s\n", JsonObject()
                            .str("chain_id", ledger->chain_id())
                            .num("blocks", ledger->block_count())
                            .num("entries", head.log_size)
                            .str("log_root", hex(head.log_root))
                            .str("state_commitment", hex(head.state_commitment))
                            .str("proposer", hex(ledger->proposer()))
                            .num("segments", segments.segment_count())
                            .num("segment_capacity", segments.capacity())
                            .num("unrecovered_records", ignored)
                            .raw("head", header_json(head).text())
                            .text()
                            .c_str());
    return 0;
  }
  std::printf("chain        %s\n", ledger->chain_id().c_str());
  std::printf("blocks       %" PRIu64 " (head %" PRIu64 ")\n", ledger->block_count(), head.height);
  std::printf("entries      %" PRIu64 "\n", head.log_size);
  std::printf("log root     %s\n", hex(head.log_root).c_str());
  std::printf("state        %s\n", hex(head.state_commitment).c_str());
  std::printf("head hash    %s\n", hex(header_hash(head)).c_str());
  std::printf("head time    %s (%" PRIu64 " ms)\n", iso_time(head.time_ms).c_str(), head.time_ms);
  std::printf("proposer     %s\n", hex(ledger->proposer()).c_str());
  std::printf("segments     %" PRIu64 " of %" PRIu64 " bytes\n", segments.segment_count(),
              segments.capacity());
  if (ignored > 0) {
    std::printf("note         %" PRIu64 " record(s) after the head were never acknowledged; "
                "the next append recovers them\n", ignored);
  }
  return 0;
}

// ---- verify --------------------------------------------------------------------------

struct VerifyOptions {
  std::string dir;
  unsigned threads = 0;
  bool json = false;
};

int run_verify(const VerifyOptions& o) {
  node::ContractExecutor executor;
  consent::install(executor);
  auto report = audit_ledger(o.dir, o.threads, &executor);
  if (!report) {
    const StorageError& e = report.error();
    if (o.json) {
      JsonObject j;
      j.boolean("ok", false).str("code", storage_error_name(e.code)).str("file", e.file);
      if (e.offset != StorageError::kNone) j.num("offset", e.offset);
      if (e.block != StorageError::kNone) j.num("block", e.block);
      if (e.entry != StorageError::kNone) j.num("entry", e.entry);
      std::printf("%s\n", j.str("reason", e.reason).text().c_str());
    }
    return fail("verify", (storage_exit_code(e) == kRefused ? "FAILED: " : "") + e.describe(),
                storage_exit_code(e));
  }
  const AuditReport& r = *report;
  if (o.json) {
    std::printf("%s\n", JsonObject()
                            .boolean("ok", true)
                            .str("chain_id", r.chain_id)
                            .num("blocks", r.blocks)
                            .num("entries", r.entries)
                            .num("signatures", r.signatures)
                            .num("sealed", r.sealed)
                            .num("segments", r.segments)
                            .num("record_bytes", r.record_bytes)
                            .num("state_keys", r.state_keys)
                            .str("log_root", hex(r.log_root))
                            .str("state_commitment", hex(r.state_commitment))
                            .str("head_hash", hex(r.head_hash))
                            .text()
                            .c_str());
  } else {
    // Entries a seal authorises have no signature of their own; they are counted apart.
    const std::string sealed =
        r.sealed == 0 ? "" : " and " + std::to_string(r.sealed) + " sealed entries";
    std::printf("ok: %" PRIu64 " blocks, %" PRIu64 " entries, %" PRIu64
                " signatures%s, %" PRIu64 " segment(s), %" PRIu64 " record bytes\n",
                r.blocks, r.entries, r.signatures, sealed.c_str(), r.segments, r.record_bytes);
    std::printf("log root     %s (size %" PRIu64 ")\n", hex(r.log_root).c_str(), r.entries);
    std::printf("state        %s (%" PRIu64 " key%s)\n", hex(r.state_commitment).c_str(),
                r.state_keys, r.state_keys == 1 ? "" : "s");
    std::printf("head hash    %s\n", hex(r.head_hash).c_str());
  }
  return 0;
}

// ---- proof, consistency --------------------------------------------------------------

struct ProofOptions {
  std::string dir;
  uint64_t entry = 0;
  std::optional<uint64_t> size;
  bool json = false;
};

int run_proof(const ProofOptions& o) {
  auto ledger = Ledger::open(o.dir, OpenMode::read_only);
  if (!ledger) return fail("proof", ledger.error());
  const uint64_t size = o.size.value_or(ledger->head().log_size);
  auto proof = prove_inclusion(*ledger, o.entry, size);
  if (!proof) return fail("proof", proof.error());
  if (o.json) {
    std::printf("%s\n", JsonObject()
                            .num("entry", proof->leaf_index)
                            .num("block", proof->block)
                            .num("entry_in_block", proof->entry_in_block)
                            .num("tree_size", proof->tree_size)
                            .str("root", hex(proof->root))
                            .str("leaf_hash", hex(proof->leaf_hash))
                            .str("entry_bytes", hex(proof->leaf_data))
                            .raw("audit_path", json_string_array(hex_list(proof->path)))
                            .text()
                            .c_str());
    return 0;
  }
  std::printf("entry        %" PRIu64 " (block %" PRIu64 ", entry %" PRIu64 " there)\n",
              proof->leaf_index, proof->block, proof->entry_in_block);
  std::printf("tree size    %" PRIu64 "\n", proof->tree_size);
  std::printf("root         %s\n", hex(proof->root).c_str());
  std::printf("leaf hash    %s\n", hex(proof->leaf_hash).c_str());
  std::printf("entry bytes  %s\n", hex(proof->leaf_data).c_str());
  std::printf("audit path   %zu hashes\n", proof->path.size());
  for (const Hash& h : proof->path) std::printf("  %s\n", hex(h).c_str());
  return 0;
}

struct ConsistencyOptions {
  std::string dir;
  uint64_t from = 0;
  std::optional<uint64_t> to;
  bool json = false;
};

int run_consistency(const ConsistencyOptions& o) {
  auto ledger = Ledger::open(o.dir, OpenMode::read_only);
  if (!ledger) return fail("consistency", ledger.error());
  auto proof = prove_consistency(*ledger, o.from, o.to.value_or(ledger->head().log_size));
  if (!proof) return fail("consistency", proof.error());
  if (o.json) {
    std::printf("%s\n", JsonObject()
                            .num("from", proof->size1)
                            .num("to", proof->size2)
                            .str("from_root", hex(proof->root1))
                            .str("to_root", hex(proof->root2))
                            .raw("path", json_string_array(hex_list(proof->path)))
                            .text()
                            .c_str());
    return 0;
  }
  std::printf("from         %" PRIu64 "  root %s\n", proof->size1, hex(proof->root1).c_str());
  std::printf("to           %" PRIu64 "  root %s\n", proof->size2, hex(proof->root2).c_str());
  std::printf("path         %zu hashes\n", proof->path.size());
  for (const Hash& h : proof->path) std::printf("  %s\n", hex(h).c_str());
  return 0;
}

// ---- checkpoint ----------------------------------------------------------------------

int run_checkpoint(const std::string& dir, bool json) {
  auto node = Node::open(dir, OpenMode::read_only);
  if (!node) return fail("checkpoint", node.error());
  auto note = node->checkpoint();
  if (!note) return fail("checkpoint", note.error());
  const BlockHeader& head = node->ledger().head();
  if (json) {
    std::printf("%s\n", JsonObject()
                            .str("origin", node->ledger().chain_id())
                            .num("size", head.log_size)
                            .str("root", hex(head.log_root))
                            .str("verifier_key", node->verifier_key())
                            .str("note", *note)
                            .text()
                            .c_str());
  } else {
    std::fputs(note->c_str(), stdout);
  }
  return 0;
}

// The ledger directory, the first argument of every subcommand.
void add_dir(CLI::App* cmd, std::string& dir) {
  cmd->add_option("dir", dir, "Ledger directory")->required();
}

}  // namespace

void add_ledger_commands(CLI::App& app, int& exit_code) {
  CLI::App* ledger = app.add_subcommand("ledger", "The append-only ledger: a node directory's log, state and key");
  ledger->require_subcommand(1);

  // `covenant init [DIR]` and `covenant ledger init DIR` are the same command: a node
  // directory is a ledger directory.
  auto add_init = [&exit_code](CLI::App* parent, bool dir_optional) {
    auto init = std::make_shared<InitOptions>();
    CLI::App* init_cmd = parent->add_subcommand("init", "Create a node directory: key, log, state, genesis block");
    if (dir_optional) {
      init->dir = ".";
      init_cmd->add_option("dir", init->dir, "Node directory (new or empty)")->capture_default_str();
    } else {
      add_dir(init_cmd, init->dir);
    }
    init_cmd->add_option("--chain-id", init->chain_id, "Chain id (printable ASCII, no spaces or '+')")
        ->capture_default_str();
    init_cmd->add_option("--time", init->time_ms, "Genesis time, Unix milliseconds (default: now)");
    init_cmd->add_option("--key-file", init->key_file, "Use this 32-byte Ed25519 seed as the node key");
    init_cmd->add_option("--segment-size", init->segment_size, "Bytes per segment file")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{kMinSegmentCapacity}, uint64_t{1} << 40));
    init_cmd->add_flag("--json", init->json, "Print one JSON object");
    init_cmd->callback([init, &exit_code] { exit_code = run_init(*init); });
  };
  add_init(&app, true);
  add_init(ledger, false);

  auto append = std::make_shared<AppendOptions>();
  CLI::App* append_cmd = ledger->add_subcommand("append", "Record each file as a signed note, all in one new block");
  add_dir(append_cmd, append->dir);
  append_cmd->add_option("--data", append->files, "Files to record (at most 1 MiB each)")->required();
  append_cmd->add_option("--time", append->time_ms, "Block time, Unix milliseconds (default: now)");
  append_cmd->add_flag("--seal", append->seal,
                       "Sign one seal covering every note instead of each note (the seal is "
                       "the block's first entry)");
  append_cmd->add_flag("--json", append->json, "Print one JSON object");
  append_cmd->callback([append, &exit_code] { exit_code = run_append(*append); });

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = ledger->add_subcommand("show", "Summarise the ledger, or show one block and its entries");
  add_dir(show_cmd, show->dir);
  show_cmd->add_option("--block", show->block, "Height of the block to show");
  show_cmd->add_flag("--json", show->json, "Print one JSON object");
  show_cmd->callback([show, &exit_code] { exit_code = run_show(*show); });

  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* verify_cmd = ledger->add_subcommand(
      "verify", "Re-check every byte, hash, signature, link and state commitment; name the first problem");
  add_dir(verify_cmd, verify->dir);
  verify_cmd->add_option("--threads", verify->threads, "Threads, the signature checkers included (default: one per CPU)");
  verify_cmd->add_flag("--json", verify->json, "Print one JSON object");
  verify_cmd->callback([verify, &exit_code] { exit_code = run_verify(*verify); });

  auto proof = std::make_shared<ProofOptions>();
  CLI::App* proof_cmd = ledger->add_subcommand("proof", "RFC 9162 inclusion proof of one entry");
  add_dir(proof_cmd, proof->dir);
  proof_cmd->add_option("--entry", proof->entry, "Entry (leaf) index, from 0")->required();
  proof_cmd->add_option("--size", proof->size, "Tree size (default: the whole log)");
  proof_cmd->add_flag("--json", proof->json, "Print one JSON object");
  proof_cmd->callback([proof, &exit_code] { exit_code = run_proof(*proof); });

  auto consistency = std::make_shared<ConsistencyOptions>();
  CLI::App* consistency_cmd = ledger->add_subcommand("consistency", "RFC 9162 consistency proof between two log sizes");
  add_dir(consistency_cmd, consistency->dir);
  consistency_cmd->add_option("--from", consistency->from, "The older tree size")->required();
  consistency_cmd->add_option("--to", consistency->to, "The newer tree size (default: the whole log)");
  consistency_cmd->add_flag("--json", consistency->json, "Print one JSON object");
  consistency_cmd->callback([consistency, &exit_code] { exit_code = run_consistency(*consistency); });

  auto checkpoint_dir = std::make_shared<std::string>();
  auto checkpoint_json = std::make_shared<bool>(false);
  CLI::App* checkpoint_cmd = ledger->add_subcommand("checkpoint", "The log's C2SP checkpoint, signed by the node key");
  add_dir(checkpoint_cmd, *checkpoint_dir);
  checkpoint_cmd->add_flag("--json", *checkpoint_json, "Print one JSON object");
  checkpoint_cmd->callback([checkpoint_dir, checkpoint_json, &exit_code] {
    exit_code = run_checkpoint(*checkpoint_dir, *checkpoint_json);
  });
}

}  // namespace covenant::cli
