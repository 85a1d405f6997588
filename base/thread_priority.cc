#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

namespace aftercare {

void run_as_background_thread() {
  // Nice 10: about a tenth of a contended core's share against nice 0, and
  // all of an idle one. Raising one's own nice value needs no privilege.
  constexpr int kBackgroundNice = 10;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
}

}  // namespace aftercare
