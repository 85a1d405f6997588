// Small files that must survive kill -9 whole (checkpoints, the quarantine
// list): written beside, synced, renamed over, and the directory synced,
// so a crash leaves the old contents or the new, never a torn mix.
#pragma once

#include <string>

#include "domain/status.h"

namespace aftercare {

Status write_file_durably(const std::string& path, const std::string& contents);

}  // namespace aftercare
