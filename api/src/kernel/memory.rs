//! Giving memory back. glibc's allocator keeps what a burst freed on its arenas' free lists
//! (the dynamic mmap threshold moves medium allocations onto the heap, and freed chunks below a
//! live one are never trimmed), so a process that peaked while building the formulary's
//! snapshot would stay resident near that peak. `malloc_trim(0)` returns every arena's free
//! pages; live allocations are untouched.

/// Return the allocator's free pages to the system; whether anything came back. Call after a
/// burst of allocation (it walks and briefly locks every arena). Elsewhere than glibc it does
/// nothing: other allocators return memory themselves or have no such call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[expect(
    unsafe_code,
    reason = "an FFI call into glibc; the crate forbids unsafe code elsewhere"
)]
pub fn release_free_memory() -> bool {
    // SAFETY: malloc_trim takes no pointer and has no caller-side invariant; glibc serialises it
    // with every other allocator call (MT-Safe).
    unsafe { libc::malloc_trim(0) == 1 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() -> bool {
    false
}
