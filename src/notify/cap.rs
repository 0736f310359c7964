//! At most [`PER_MINUTE`] notifications in any minute: a burst (a sync bringing in many
//! items at once, a long outage ending) shows its first ones and one summary ("и ещё 7")
//! for the rest, never a stack of dozens.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::model::{Lang, Notification};
use super::text;

/// Notifications shown in any rolling minute, the summary included.
pub const PER_MINUTE: usize = 5;

/// The notifications shown in the last minute, and those held back since.
#[derive(Debug, Clone, Default)]
pub struct RateCap {
    shown: VecDeque<DateTime<Utc>>,
    held: Vec<Notification>,
}

impl RateCap {
    /// What to show of `wanted` at `now`: as many as the minute allows, and when some
    /// must wait, the last free place goes to a summary of them. Those that found no
    /// place are summed up as soon as a place frees (the next call, even with nothing
    /// new). A notification that replaces one (same tag) takes a place like any other.
    pub fn admit(
        &mut self,
        wanted: Vec<Notification>,
        now: DateTime<Utc>,
        lang: Lang,
    ) -> Vec<Notification> {
        while self
            .shown
            .front()
            .is_some_and(|t| now - *t >= Duration::minutes(1))
        {
            self.shown.pop_front();
        }
        let free = PER_MINUTE.saturating_sub(self.shown.len());
        let mut queue: Vec<Notification> = std::mem::take(&mut self.held);
        let waiting_before = !queue.is_empty();
        queue.extend(wanted);
        let out = if free == 0 {
            self.held = queue;
            Vec::new()
        } else if queue.len() <= free && !waiting_before {
            queue
        } else if waiting_before {
            // What waited is summed up first, with anything new that does not fit.
            let bell = queue.iter().any(|n| n.bell);
            vec![text::more(lang, &queue, bell)]
        } else {
            let rest = queue.split_off(free - 1);
            let bell = rest.iter().any(|n| n.bell);
            queue.push(text::more(lang, &rest, bell));
            queue
        };
        self.shown.extend(std::iter::repeat_n(now, out.len()));
        out
    }

    /// Notifications held back, waiting for a free place.
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::InteractionId;
    use crate::notify::Level;
    use chrono::TimeZone;

    fn note(id: i64) -> Notification {
        Notification {
            level: Level::AtRisk,
            summary: format!("Скоро срок ответа: отзыв {id}"),
            body: String::new(),
            items: vec![InteractionId(id)],
            urgent: false,
            bell: false,
            desktop: true,
            tag: Some(format!("item-{id}")),
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap() + Duration::seconds(secs)
    }

    #[test]
    fn a_burst_shows_the_first_and_sums_up_the_rest() {
        let mut cap = RateCap::default();
        let shown = cap.admit((1..=12).map(note).collect(), at(0), Lang::Ru);
        assert_eq!(shown.len(), PER_MINUTE);
        assert_eq!(shown[0], note(1));
        let summary = &shown[PER_MINUTE - 1];
        assert_eq!(summary.summary, "и ещё 8 уведомлений");
        assert_eq!(summary.items.len(), 8);
        assert_eq!(summary.tag, None);
    }

    #[test]
    fn what_finds_no_place_comes_as_one_summary_when_the_minute_frees() {
        let mut cap = RateCap::default();
        assert_eq!(
            cap.admit((1..=5).map(note).collect(), at(0), Lang::En)
                .len(),
            5
        );
        assert!(cap
            .admit(vec![note(6), note(7)], at(20), Lang::En)
            .is_empty());
        assert_eq!(cap.held(), 2);
        assert!(cap.admit(Vec::new(), at(59), Lang::En).is_empty());
        let later = cap.admit(vec![note(8)], at(61), Lang::En);
        assert_eq!(later.len(), 1);
        assert_eq!(later[0].summary, "and 3 more notifications");
        assert_eq!(cap.held(), 0);
        // Under the cap, notifications pass as they are.
        assert_eq!(cap.admit(vec![note(9)], at(62), Lang::En), vec![note(9)]);
    }
}
