//! The `wisp` command.

mod cli;

fn main() -> std::process::ExitCode {
    no_transparent_huge_pages();
    cli::run()
}

// A batch allocates and frees frame-sized buffers (tens of MB) per file;
// mimalloc reuses them where the system allocator returns them to the OS
// and faults them in again (measured: 8% of a batch's wall time on two
// cores).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages, which mimalloc asks for, cost a batch more than
/// they save: each first touch of a 2 MB page clears all of it, in the
/// kernel, on the cores the batch needs (six 12 MP DNGs on two cores:
/// 1.40–1.60 s with them, 1.11–1.39 s without).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
