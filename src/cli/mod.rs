//! Implementations of the headless commands; `main.rs` only parses arguments.

pub mod autoreply_cmd;
pub mod exit;
pub mod simulator_cmd;
pub mod sync_cmd;
pub mod templates_cmd;
