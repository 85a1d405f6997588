// The OpenAPI 3.1 document served at /openapi.json: everything the server
// answers, kept next to the routes it describes.
#pragma once

#include <string_view>

namespace aftercare {

std::string_view openapi_document();

}  // namespace aftercare
