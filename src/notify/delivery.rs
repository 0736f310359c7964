//! Showing notifications. The desktop call (`notify-rust`, D-Bus on Linux) can block, so a
//! dedicated thread makes it; callers hand notifications over a channel and never wait.
//! Without a notification daemon the text reaches the app instead (logged once per
//! outage); the terminal bell, when on, rings through the same in-app path.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use super::model::{InAppNotice, Notification};

/// Something that can show a notification on the desktop.
pub trait Backend: Send + 'static {
    fn show(&mut self, n: &Notification) -> Result<(), String>;
}

/// The desktop's notification service through `notify-rust` (D-Bus on Linux and BSD,
/// Notification Center on macOS, toasts on Windows). On D-Bus a notification with the tag
/// of one shown before replaces it (`replaces_id`) instead of stacking.
#[derive(Debug, Default, Clone)]
pub struct DesktopBackend {
    /// The server's id of the last notification shown per tag.
    #[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
    shown: std::collections::HashMap<String, u32>,
}

/// Escapes what notification servers read as markup in a body.
fn markup_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

impl Backend for DesktopBackend {
    fn show(&mut self, n: &Notification) -> Result<(), String> {
        let mut desktop = notify_rust::Notification::new();
        desktop
            .appname("AgentIQ")
            .summary(&n.summary)
            .body(&markup_escape(&n.body))
            .icon(if n.urgent {
                "dialog-warning"
            } else {
                "dialog-information"
            });
        #[cfg(all(unix, not(target_os = "macos")))]
        desktop.urgency(if n.urgent {
            notify_rust::Urgency::Critical
        } else {
            notify_rust::Urgency::Normal
        });
        #[cfg(all(unix, not(target_os = "macos")))]
        if let Some(id) = n.tag.as_ref().and_then(|t| self.shown.get(t)) {
            desktop.id(*id);
        }
        let handle = desktop.show().map_err(|e| e.to_string())?;
        #[cfg(all(unix, not(target_os = "macos")))]
        if let Some(tag) = &n.tag {
            self.shown.insert(tag.clone(), handle.id());
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        drop(handle);
        Ok(())
    }
}

/// What a [`RecordingBackend`] saw; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    shown: Arc<Mutex<Vec<Notification>>>,
    failing: Arc<AtomicBool>,
}

impl Recording {
    /// Everything shown so far, oldest first.
    pub fn shown(&self) -> Vec<Notification> {
        self.shown.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes everything shown so far.
    pub fn take(&self) -> Vec<Notification> {
        std::mem::take(&mut *self.shown.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Makes the backend behave as a desktop without a notification daemon.
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }
}

/// A backend for tests: records instead of showing, or fails on demand.
#[derive(Debug, Clone, Default)]
pub struct RecordingBackend {
    recording: Recording,
}

impl RecordingBackend {
    pub fn new() -> (RecordingBackend, Recording) {
        let recording = Recording::default();
        (
            RecordingBackend {
                recording: recording.clone(),
            },
            recording,
        )
    }
}

impl Backend for RecordingBackend {
    fn show(&mut self, n: &Notification) -> Result<(), String> {
        if self.recording.failing.load(Ordering::SeqCst) {
            return Err(
                "org.freedesktop.Notifications was not provided by any .service files".into(),
            );
        }
        self.recording
            .shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(n.clone());
        Ok(())
    }
}

/// Where in-app notices go: the services send them to the UI as an event, the daemon
/// prints them.
pub type Fallback = Box<dyn Fn(InAppNotice) + Send>;

enum Job {
    Show(Notification),
    Flush(mpsc::SyncSender<()>),
}

/// The handle of the delivery thread; dropping every clone stops the thread.
#[derive(Debug, Clone)]
pub struct Delivery {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Show(n) => write!(f, "Show({:?})", n.summary),
            Job::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl Delivery {
    /// Starts the delivery thread around `backend`; notices for the app go to `fallback`.
    pub fn spawn(backend: Box<dyn Backend>, fallback: Fallback) -> std::io::Result<Delivery> {
        let (jobs, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("notify-delivery".into())
            .spawn(move || deliver_loop(backend, fallback, rx))?;
        Ok(Delivery { jobs })
    }

    /// Hands a notification to the thread; never blocks.
    pub fn send(&self, n: Notification) {
        if self.jobs.send(Job::Show(n)).is_err() {
            tracing::warn!("the notification thread has stopped; a notification was dropped");
        }
    }

    /// Waits until everything sent before has been handled. Blocking: for tests and
    /// shutdown, not for the UI task.
    pub fn flush(&self) -> bool {
        let (ack, done) = mpsc::sync_channel(1);
        self.jobs.send(Job::Flush(ack)).is_ok() && done.recv().is_ok()
    }
}

fn deliver_loop(mut backend: Box<dyn Backend>, fallback: Fallback, rx: mpsc::Receiver<Job>) {
    let mut desktop_down = false;
    while let Ok(job) = rx.recv() {
        let n = match job {
            Job::Show(n) => n,
            Job::Flush(ack) => {
                let _ = ack.send(());
                continue;
            }
        };
        let shown = n.desktop
            && match catch_unwind(AssertUnwindSafe(|| backend.show(&n))) {
                Ok(Ok(())) => {
                    if desktop_down {
                        tracing::info!("desktop notifications work again");
                        desktop_down = false;
                    }
                    true
                }
                Ok(Err(err)) => {
                    if !desktop_down {
                        tracing::warn!(error = %err, "no desktop notification service; notifications go to the app");
                        desktop_down = true;
                    }
                    false
                }
                Err(_) => {
                    if !desktop_down {
                        tracing::warn!(
                            "the desktop notification call panicked; notifications go to the app"
                        );
                        desktop_down = true;
                    }
                    false
                }
            };
        if !shown || n.bell {
            fallback(InAppNotice {
                text: n.one_line(),
                bell: n.bell,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            markup_escape("<b>a & b</b>"),
            "&lt;b&gt;a &amp; b&lt;/b&gt;"
        );
    }
}
