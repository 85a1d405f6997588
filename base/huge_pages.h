// Memory for large, short-lived, randomly accessed structures.
//
// A rebuild holds millions of pending read-model rows in a hash map (about
// a gigabyte on 1M events) and touches it at random: with 4 KiB pages
// nearly every lookup also missed the TLB. This resource hands out memory
// in 2 MiB-aligned mappings marked for transparent huge pages (Linux
// `madvise(MADV_HUGEPAGE)`; where the kernel declines, they are ordinary
// pages and nothing else changes).
#pragma once

#include <memory_resource>

namespace aftercare {

// Thread-safe; lives for the program. Meant as the upstream of a
// std::pmr::monotonic_buffer_resource that asks for large blocks: each
// allocation is its own mapping, rounded up to 2 MiB.
std::pmr::memory_resource* huge_page_resource();

}  // namespace aftercare
