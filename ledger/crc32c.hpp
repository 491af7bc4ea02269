#pragma once
/// \file
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the checksum of the
/// ledger's segment headers and record frames (docs/ledger.md, "Storage"). It detects torn
/// and damaged records cheaply before anything is decoded; it is not a security measure (the
/// Merkle root and the signatures are). Uses the SSE4.2 `crc32` instruction when the CPU has
/// it, a table otherwise; both give the same value (tested).

#include <cstdint>
#include <span>

namespace covenant::ledger {

/// CRC-32C of `bytes` (initial value and final XOR 0xFFFFFFFF, as in RFC 3720 §B.4 and
/// iSCSI): "123456789" gives 0xE3069283. Any length, including zero (gives 0).
uint32_t crc32c(std::span<const uint8_t> bytes);

/// Continues a CRC-32C over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a || b).
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> bytes);

/// The table-driven implementation, whatever the CPU supports (for tests that compare it with
/// the hardware path).
uint32_t crc32c_portable(uint32_t crc, std::span<const uint8_t> bytes);

}  // namespace covenant::ledger
