#pragma once
/// \file
/// A minimal `Expected<T, E>`: a value or a typed error, used wherever an error crosses a
/// component boundary (C++20 has no std::expected). Errors are values, never exceptions.

#include <cassert>
#include <utility>
#include <variant>

namespace covenant {

/// Wraps an error so that `Expected<T, E>` can be built from it unambiguously.
template <class E>
struct Unexpected {
  E error;
};

/// Makes an `Unexpected<E>` from an error value.
template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

/// Either a `T` (success) or an `E` (failure). Accessing the wrong alternative is a bug and
/// asserts in debug builds.
template <class T, class E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <class U>
  Expected(Unexpected<U> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}

  /// True when a value is held.
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

/// `Expected<void, E>`: success carries no value.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  template <class U>
  Expected(Unexpected<U> e) : error_(E(std::move(e.error))), failed_(true) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const E& error() const& { assert(failed_); return error_; }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace covenant
