//! Commands that run the emulator in this process.

pub mod migrate;
pub mod serve;
