//! AgentIQ: a keyboard-driven terminal inbox for Wildberries and Ozon sellers.
//!
//! Layers, each in its own module: `domain` (pure types), `store` (SQLite), `connectors`
//! (one per marketplace API), `sync` (background engine), `ai` (drafts), `outbox`
//! (exactly-once delivery), `sla` (clocks and priority), `simulator` (the stand-in
//! marketplace), `tui` (the inbox). See docs/architecture.md.

pub mod ai;
pub mod analytics;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod demo;
pub mod domain;
pub mod experiments;
pub mod kb;
pub mod learning;
pub mod notify;
pub mod outbox;
pub mod prepare;
pub mod protocol;
pub mod runtime;
pub mod settings;
pub mod simulator;
pub mod sla;
pub mod store;
pub mod sync;
pub mod synthetic;
pub mod team;
pub mod tui;
