#![doc = include_str!("../README.md")]

mod command;
mod config;

use clap::Parser;

/// mimalloc instead of the system allocator: a Graph response allocates many small strings on
/// whichever runtime thread serves it, which glibc's allocator pays for in locking and
/// consolidation (measured in docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = command::Cli::parse();
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(command::exit_code(&e))
        }
    }
}
