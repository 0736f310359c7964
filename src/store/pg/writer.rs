use std::thread;

use anyhow::{anyhow, Result};
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce(&mut postgres::Client) + Send>;

/// A PostgreSQL connection on its own thread, as [`crate::store::Writer`] is for SQLite:
/// the blocking client cannot run on the async runtime's threads, so async code sends it
/// closures.
#[derive(Clone)]
pub struct PgWriter {
    jobs: mpsc::UnboundedSender<Job>,
}

impl PgWriter {
    pub(super) fn spawn(mut client: postgres::Client) -> PgWriter {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        thread::Builder::new()
            .name("pg-writer".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    job(&mut client);
                }
            })
            .expect("spawning the PostgreSQL writer thread");
        PgWriter { jobs }
    }

    /// Runs `f` on the connection and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut postgres::Client) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |client| {
                let _ = tx.send(f(client));
            }))
            .map_err(|_| anyhow!("the PostgreSQL writer has stopped"))?;
        rx.await
            .map_err(|_| anyhow!("the PostgreSQL writer dropped a job"))?
    }
}
