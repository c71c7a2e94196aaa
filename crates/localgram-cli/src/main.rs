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
    let cli = match command::Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap writes them; a missing subcommand shows the help.
        Err(e)
            if !e.use_stderr()
                || e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            eprintln!("{}", command::usage_line(&e, &args));
            return std::process::ExitCode::from(2);
        }
    };
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(command::exit_code(&e))
        }
    }
}
