use std::thread;

use anyhow::{anyhow, Result};
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The single owner of the writable connection. Work is sent to its thread as closures and
/// runs one at a time, so writes never contend with each other inside the process.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    pub(super) fn spawn(mut conn: Connection) -> Writer {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    job(&mut conn);
                }
            })
            .expect("spawning the store writer thread");
        Writer { jobs }
    }

    /// Runs `f` on the writer's connection and returns its result.
    pub async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = tx.send(f(conn));
            }))
            .map_err(|_| anyhow!("the store writer has stopped"))?;
        rx.await
            .map_err(|_| anyhow!("the store writer dropped a job"))?
    }

    /// Queues `f` without waiting for it; its failure is logged. For clean-up on the way
    /// out, where nobody can wait.
    pub fn submit<F>(&self, f: F)
    where
        F: FnOnce(&mut Connection) -> Result<()> + Send + 'static,
    {
        let _ = self.jobs.send(Box::new(move |conn| {
            if let Err(err) = f(conn) {
                tracing::warn!(error = %format!("{err:#}"), "store job");
            }
        }));
    }

    /// Blocking variant for callers outside the async runtime (CLI, tests).
    pub fn call_blocking<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = tx.send(f(conn));
            }))
            .map_err(|_| anyhow!("the store writer has stopped"))?;
        rx.blocking_recv()
            .map_err(|_| anyhow!("the store writer dropped a job"))?
    }
}
