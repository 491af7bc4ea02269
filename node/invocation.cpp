#include "node/invocation.hpp"

#include "ledger/tx.hpp"

namespace covenant::node {

namespace {

bool valid_name(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max) return false;
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  return true;
}

constexpr size_t kFixedSize = 4 + 1 + 1 + 4 + 1 + 8 + 4;

}  // namespace

Expected<std::vector<uint8_t>, std::string> encode_invocation(const Invocation& call) {
  if (!valid_name(call.contract, 255)) return unexpected(std::string("contract name must be 1 to 255 printable bytes"));
  if (!valid_name(call.entry, kMaxEntryName))
    return unexpected("entry name must be 1 to " + std::to_string(kMaxEntryName) + " printable bytes");
  const size_t size = kFixedSize + call.contract.size() + call.entry.size() + call.args.size();
  if (size > ledger::kMaxPayloadSize)
    return unexpected("arguments of " + std::to_string(call.args.size()) +
                      " bytes do not fit a transaction (" + std::to_string(ledger::kMaxPayloadSize) +
                      " bytes)");
  std::vector<uint8_t> out;
  out.reserve(size);
  out.insert(out.end(), std::begin(kInvocationMagic), std::end(kInvocationMagic));
  out.push_back(kInvocationVersion);
  out.push_back(static_cast<uint8_t>(call.contract.size()));
  out.insert(out.end(), call.contract.begin(), call.contract.end());
  ledger::put_u32(out, call.version);
  out.push_back(static_cast<uint8_t>(call.entry.size()));
  out.insert(out.end(), call.entry.begin(), call.entry.end());
  ledger::put_u64(out, call.gas_limit);
  ledger::put_u32(out, static_cast<uint32_t>(call.args.size()));
  out.insert(out.end(), call.args.begin(), call.args.end());
  return out;
}

Expected<Invocation, ledger::DecodeError> decode_invocation(std::span<const uint8_t> bytes) {
  using ledger::DecodeError;
  ledger::ByteReader r(bytes);
  if (auto ok = r.magic(kInvocationMagic, kInvocationVersion, "CVIN"); !ok)
    return unexpected(ok.error());
  Invocation call;
  auto text = [&](size_t max, const char* field, std::string& out) -> Expected<void, DecodeError> {
    const size_t at = r.offset();
    auto length = r.take_le(1, field);
    if (!length) return unexpected(length.error());
    auto b = r.take(static_cast<size_t>(*length), field);
    if (!b) return unexpected(b.error());
    out.assign(b->begin(), b->end());
    if (!valid_name(out, max))
      return unexpected(DecodeError{at, std::string(field) + " must be 1 to " + std::to_string(max) +
                                            " printable bytes"});
    return {};
  };
  if (auto ok = text(255, "contract name", call.contract); !ok) return unexpected(ok.error());
  auto version = r.take_le(4, "version");
  if (!version) return unexpected(version.error());
  call.version = static_cast<uint32_t>(*version);
  if (auto ok = text(kMaxEntryName, "entry name", call.entry); !ok) return unexpected(ok.error());
  auto gas = r.take_le(8, "gas limit");
  if (!gas) return unexpected(gas.error());
  call.gas_limit = *gas;
  const size_t args_at = r.offset();
  auto length = r.take_le(4, "argument length");
  if (!length) return unexpected(length.error());
  if (*length > r.remaining())
    return unexpected(DecodeError{args_at, "argument length " + std::to_string(*length) + " exceeds the " +
                                               std::to_string(r.remaining()) + " bytes that remain"});
  auto args = r.take(static_cast<size_t>(*length), "arguments");
  if (!args) return unexpected(args.error());
  call.args.assign(args->begin(), args->end());
  if (auto ok = r.finish("arguments"); !ok) return unexpected(ok.error());
  return call;
}

}  // namespace covenant::node
