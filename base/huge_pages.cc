#include "base/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace aftercare {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t rounded(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

class HugePageResource final : public std::pmr::memory_resource {
  void* do_allocate(size_t bytes, size_t alignment) override {
    if (alignment > kHugePage) throw std::bad_alloc();
    // Over-map by one huge page so the block can start on a 2 MiB boundary
    // (only aligned 2 MiB ranges can become huge pages), then give back the rest.
    const size_t size = rounded(bytes);
    void* raw = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto* begin = static_cast<char*>(raw);
    auto* aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(begin) + kHugePage - 1) & ~(kHugePage - 1));
    if (aligned > begin) munmap(begin, static_cast<size_t>(aligned - begin));
    char* end = begin + size + kHugePage;
    if (aligned + size < end) munmap(aligned + size, static_cast<size_t>(end - (aligned + size)));
    madvise(aligned, size, MADV_HUGEPAGE);  // best effort
    return aligned;
  }
  void do_deallocate(void* p, size_t bytes, size_t) override { munmap(p, rounded(bytes)); }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

}  // namespace

std::pmr::memory_resource* huge_page_resource() {
  static HugePageResource resource;
  return &resource;
}

}  // namespace aftercare
