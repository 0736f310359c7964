//! A process's heartbeat: while it runs, its leases and outbox claims stay alive; when it
//! stops (killed, hung), they expire and another process may take them over.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::task::JoinHandle;

use super::Writer;

/// Renews every lease and claim of one holder until dropped.
pub struct Heartbeat {
    task: JoinHandle<()>,
}

impl Heartbeat {
    /// Renews `holder`'s leases and claims to `now + ttl` every quarter of `ttl`. Only
    /// those about to run out are written, so an idle process writes nothing.
    pub fn start(
        writer: Writer,
        holder: String,
        clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
        ttl: Duration,
    ) -> Heartbeat {
        let every = (ttl / 4)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(5));
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let (holder, now) = (holder.clone(), clock());
                let renewed = writer
                    .call(move |conn| super::renew_held(conn, &holder, now, ttl))
                    .await;
                if let Err(err) = renewed {
                    tracing::warn!(error = %format!("{err:#}"), "heartbeat");
                }
            }
        });
        Heartbeat { task }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}
