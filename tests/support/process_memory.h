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

// ASan's shadow memory and quarantine inflate a process's RSS (a sanitized
// instance-service peaks near 100 MiB where the release build stays under 60):
// RSS bounds are scaled by this in sanitizer builds, and kept exact otherwise.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr int64_t kRssBoundScale = 3;
#else
inline constexpr int64_t kRssBoundScale = 1;
#endif

}  // namespace dbs::testing

#endif  // TESTS_SUPPORT_PROCESS_MEMORY_H_
