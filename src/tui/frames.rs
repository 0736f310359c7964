//! When to draw: only after something visible changed, and at most [`MAX_FPS`] frames a
//! second. The event loop marks the screen dirty after input, background events and job
//! answers; the 1 s tick marks it only when a clock text on screen (an SLA countdown, a
//! reply window, an undo countdown) reads differently, or the tick changed something else
//! (a notice expired, a re-read came back).

use std::time::{Duration, Instant};

/// Frames a second, at most: a burst of events is drawn once per frame.
pub const MAX_FPS: u32 = 60;

/// The shortest time between two frames.
pub fn frame_gap() -> Duration {
    Duration::from_secs(1) / MAX_FPS
}

/// Whether the screen needs drawing, and when it may be drawn next.
#[derive(Debug)]
pub struct Frames {
    dirty: bool,
    last: Option<Instant>,
    gap: Duration,
    drawn: u64,
}

impl Default for Frames {
    fn default() -> Self {
        Frames::new(frame_gap())
    }
}

impl Frames {
    /// Dirty at first: the first frame is always drawn.
    pub fn new(gap: Duration) -> Frames {
        Frames {
            dirty: true,
            last: None,
            gap,
            drawn: 0,
        }
    }

    /// Something visible changed.
    pub fn mark(&mut self) {
        self.dirty = true;
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Frames drawn so far.
    pub fn drawn(&self) -> u64 {
        self.drawn
    }

    /// When the pending frame may be drawn: `None` when nothing needs drawing.
    pub fn due_at(&self) -> Option<Instant> {
        if !self.dirty {
            return None;
        }
        Some(self.last.map_or_else(Instant::now, |last| last + self.gap))
    }

    /// Whether to draw now: the screen is dirty and the frame gap has passed since the
    /// last frame. Saying yes counts the frame and makes the screen clean.
    pub fn take_due(&mut self, now: Instant) -> bool {
        if !self.dirty || self.last.is_some_and(|last| now < last + self.gap) {
            return false;
        }
        self.dirty = false;
        self.last = Some(now);
        self.drawn += 1;
        true
    }
}
