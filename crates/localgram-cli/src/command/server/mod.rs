//! Commands that run the emulator in this process.

pub mod ca;
mod log_format;
mod log_writer;
pub mod migrate;
pub mod serve;
