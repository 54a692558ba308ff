//! The two places the CLI talks to glibc's allocator directly.
//!
//! Hiding a 12 MP photo allocates and frees buffers of 10–60 MB per tile. By default
//! glibc maps each of those afresh and unmaps it when freed, so every tile pays for
//! page faults, zeroing and, with two threads, TLB shootdowns: a third of a 12 MP
//! hide's time (10.9 s against 6.6 s, docs/performance.md).

/// Keeps large freed buffers in the heap for the next tile: blocks up to 32 MB
/// (glibc's ceiling for this setting) come from the heap instead of fresh
/// mappings, and freed memory is not handed back until 1 GB of it is idle. Peak
/// memory does not grow: the next tile reuses what the last one freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_large_buffers() {
    use std::os::raw::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // glibc's malloc.h: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3.
    const M_TRIM_THRESHOLD: c_int = -1;
    const M_MMAP_THRESHOLD: c_int = -3;
    // SAFETY: mallopt takes plain integers and only changes glibc's own tuning;
    // it runs at start-up, before any other thread exists.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_large_buffers() {}

/// Hands the memory a finished job freed back to the system. glibc keeps freed
/// memory in per-thread arenas, so without this a server's resident size creeps
/// up to the sum of every thread's own peak (the blocking threads' and rayon's),
/// which the memory budget above does not see: with four workers and 1 MP hides,
/// 780–830 MB of peak RSS against 480–520 MB with the trim (tests/web_load.rs).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: malloc_trim takes no pointers; it locks and walks glibc's own
    // arenas and may be called from any thread at any time.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed_memory() {}
