#pragma once
/// \file
/// The module's interface as JSON, stored by the driver in the module metadata under "abi"
/// and read back by the runtime (runtime/abi.hpp) for `covenant call` and `covenant test`.
///
/// Form (compact, no spaces; members in this order; arrays in declaration order):
///   {"contract":NAME,"version":N,
///    "entries":[{"name":E,"params":[{"name":P,"type":T},...],"result":T or null},...],
///    "records":[{"name":R,"fields":[{"name":F,"type":T},...]},...],
///    "enums":[{"name":N,"variants":["a",...]},...],
///    "events":[{"name":E,"index":I,"fields":[{"name":F,"type":T},...]},...]}
/// where T is a type as `Type::name()` writes it ("Int", "Money<USD>", "List<Line, 50>",
/// "Option<Date>", "Key", a record or enum name). Only `entry` functions appear, not `fn`s or
/// tests. "events" is present only when the contract declares an event: I is the number
/// `emit` records (the event's position among the contract's events, from 0) and the data of
/// an event is a value of the record type E (an event type is a record type too, so it is
/// also listed in "records"). `Key` has the layout and JSON form of `Hash` (32 bytes; 64
/// lower-case hex digits).

#include <string>

#include "compiler/sema/checked.hpp"

namespace covenant::compiler {

/// The ABI JSON of `checked`. Deterministic: the same contract gives the same bytes.
std::string abi_json(const Checked& checked);

}  // namespace covenant::compiler
