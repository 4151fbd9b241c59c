#ifndef TESTS_SUPPORT_PROCESS_MEMORY_H_
#define TESTS_SUPPORT_PROCESS_MEMORY_H_

#include <cstdint>

namespace dbs::testing {

// Resident memory of process `pid` in KiB, from /proc/<pid>/status: now (VmRSS)
// and the peak since it started or since the last ResetPeakRss (VmHWM). 0 when
// unreadable.
int64_t CurrentRssKib(int pid);
int64_t PeakRssKib(int pid);

// Makes the peak start again from the current RSS (Linux >= 4.0; needs the right to
// write /proc/<pid>/clear_refs, as the process's owner or root).
void ResetPeakRss(int pid);

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_PROCESS_MEMORY_H_
