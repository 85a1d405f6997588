// Checks HTTP responses against the OpenAPI document the server serves, so
// the document cannot drift from what the server answers: the status must
// be declared for the operation, the media type listed, the body valid
// against the schema (the subset of JSON Schema the document uses: $ref,
// type, const, enum, properties, required, items, maxLength, minimum,
// maximum, format date-time), and every header declared required present.
// ServerProcess::call runs it on every response a test receives.
#pragma once

#include <simdjson.h>

#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

namespace aftercare::testing {

class OpenApiCheck {
 public:
  // nullptr when `document` is not a JSON object with paths.
  static std::unique_ptr<OpenApiCheck> parse(const std::string& document);

  // "" when the response conforms, or when the request matches no
  // documented operation (a method the path does not serve: 405; a path
  // nobody serves: 404). Otherwise what does not conform.
  std::string check(boost::beast::http::verb method, std::string_view target, int status,
                    const boost::beast::http::fields& headers, std::string_view body) const;

 private:
  OpenApiCheck() = default;
  // The schema `s` (resolving $ref) against `v`; "" when valid.
  std::string validate(simdjson::dom::element s, simdjson::dom::element v, const std::string& at, int depth) const;
  simdjson::dom::element resolve(simdjson::dom::element e) const;

  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace aftercare::testing
