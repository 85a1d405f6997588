// The console's and the portal's static files (web/), embedded in the binary
// at build time by cmake/embed_web.cmake: served by ApiService at /, /portal
// and /assets/<name>, with no file system and no front-end build step.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace aftercare {

struct WebAsset {
  std::string_view name;  // its path under web/: "index.html", "app.js", "vendor/chart.umd.min.js"
  const unsigned char* data;
  size_t size;
};

const std::vector<WebAsset>& web_assets();

}  // namespace aftercare
