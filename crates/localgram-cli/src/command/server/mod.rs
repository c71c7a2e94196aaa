//! Commands that run the emulator in this process.

mod log_format;
pub mod migrate;
pub mod serve;
