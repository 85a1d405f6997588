// Background work yields the CPU to the command path.
//
// On a machine with few cores the command path (the HTTP I/O threads, the
// log's appender) and the consumers that follow the log (the read side's
// projection runner, the write side's state tailer) compete for the same
// cores. The consumers batch: a late wake-up costs them nothing but a
// larger batch, while every millisecond the command path waits for a core
// is added to a client's latency, and in a closed loop takes throughput
// away. On 2 cores (bench/README.md) one alternating series measured intake
// at 6.5–8.0k req/s with every thread equal and 8.7–9.9k with the consumers
// at nice 10; a same-run comparison minutes later showed no difference, in
// a phase where the VM's noise swamped everything. Kept because the
// reasoning holds; the figures are not conclusive.
#pragma once

namespace aftercare {

// Lowers the calling thread's scheduling priority (Linux: its nice value,
// which is per thread). Best effort: a failure changes nothing else.
void run_as_background_thread();

}  // namespace aftercare
