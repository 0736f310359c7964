//! The simulator enforces the published limits itself, per account and limit group, so a
//! client that would trip the real marketplace trips the simulator too.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A published limit: one request per `period`, at most `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub period: Duration,
    pub burst: u32,
}

/// WB "Вопросы и отзывы": 3 requests/s (one per 333 ms), burst 6.
pub const WB_FEEDBACKS: Limit = Limit {
    period: Duration::from_millis(333),
    burst: 6,
};

/// WB buyer chats: 10 requests per 10 s (one a second), burst 10.
pub const WB_CHATS: Limit = Limit {
    period: Duration::from_secs(1),
    burst: 10,
};

pub struct Limiter {
    limit: Limit,
    inner: DefaultKeyedRateLimiter<usize>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(limit: Limit) -> Limiter {
        let burst = NonZeroU32::new(limit.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(limit.period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Limiter {
            limit,
            inner: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Admits one request of `account`, or says how long it must wait.
    pub fn check(&self, account: usize) -> Result<(), Duration> {
        self.inner
            .check_key(&account)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    pub fn burst(&self) -> u32 {
        self.limit.burst
    }

    /// Time for an empty bucket to refill completely.
    pub fn full_reset(&self) -> Duration {
        self.limit.period * self.limit.burst
    }
}
