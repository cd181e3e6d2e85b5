//! The `wisp` command.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

// A batch allocates and frees frame-sized buffers (tens of MB) per file;
// mimalloc reuses them where the system allocator returns them to the OS
// and faults them in again (measured: 8% of a batch's wall time on two
// cores).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
