//! The `wisp` command.

mod cli;

fn main() -> std::process::ExitCode {
    no_transparent_huge_pages();
    software_gpu_threads();
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

/// On a CPU device (lavapipe), split each dispatch into four shares per
/// core rather than one. lavapipe hands every thread its equal share of a
/// dispatch's workgroups up front; while a decode or encode thread takes a
/// core from one share, the other core runs out of work and idles until
/// that share ends. Smaller shares even out between the cores (six 12 MP
/// DNGs on two cores: busy 87-88 % of the time with one share per core,
/// 92-93 % with four). At most 16 threads: with more cores, one share
/// each is already small. Only lavapipe and llvmpipe read
/// `LP_NUM_THREADS`; a value the user set is kept.
fn software_gpu_threads() {
    const VAR: &str = "LP_NUM_THREADS";
    if std::env::var_os(VAR).is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Set before any thread starts, so nothing reads the environment
        // meanwhile.
        std::env::set_var(VAR, (4 * cores).min(16).to_string());
    }
}
