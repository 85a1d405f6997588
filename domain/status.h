// Status and Result: how every module reports an ordinary failure.
//
// Errors cross module boundaries as values, never as exceptions; the HTTP
// edge (api/) is the only place that turns them into problem+json.
#pragma once

#include <cassert>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <variant>

namespace aftercare {

enum class Errc {
  ok,
  invalid_argument,  // the caller sent something malformed
  not_found,
  conflict,             // illegal state transition or duplicate
  precondition_failed,  // optimistic concurrency: version mismatch
  unprocessable,        // well-formed but semantically invalid
  corruption,           // stored bytes do not decode or do not verify
  io_error,
  forbidden,    // the caller may not do this to this object (role, region, engineer)
  unavailable,  // the event log cannot take writes right now
  timeout,
  // A write whose outcome is unknown: it may still land (a Kafka record
  // that timed out on the client). Retrying with the same Idempotency-Key
  // settles it; retrying without one may do it twice.
  outcome_unknown,
};

const char* errc_name(Errc code);
std::optional<Errc> errc_from_name(std::string_view name);

class Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  bool is_ok() const { return code_ == Errc::ok; }
  explicit operator bool() const { return is_ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
};

// A value or the Status saying why there is none.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace aftercare
