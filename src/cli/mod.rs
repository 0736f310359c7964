//! Implementations of the headless commands; `main.rs` only parses arguments.

pub mod autoreply_cmd;
pub mod doctor_cmd;
pub mod exit;
pub mod inbox_cmd;
pub mod probe;
pub mod setup_cmd;
pub mod simulator_cmd;
pub mod sync_cmd;
pub mod templates_cmd;
