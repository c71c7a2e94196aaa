#![doc = include_str!("../README.md")]

mod command;
mod config;

use clap::Parser;

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
