//! Implementations of the headless commands; `main.rs` only parses arguments.

pub mod autoreply_cmd;
pub mod doctor_cmd;
pub mod draft_cmd;
pub mod exit;
pub mod experiment_cmd;
pub mod gen_cmd;
pub mod generate_cmd;
pub mod inbox_cmd;
pub mod intent_cmd;
pub mod kb_cmd;
pub mod keys_cmd;
pub mod labels;
pub mod learnt_cmd;
pub mod list_cmd;
pub mod out;
pub mod probe;
pub mod reply_cmd;
pub mod script;
pub mod settings_cmd;
pub mod setup_cmd;
pub mod show_cmd;
pub mod simulator_cmd;
pub mod sync_cmd;
pub mod team_cmd;
pub mod team_script;
pub mod templates_cmd;
