//! How long a reply can still be sent, where the marketplace's contract sets a limit:
//! Ozon accepts a chat message only within 48 hours of the buyer's last message (FBO).
//! Pure: given the buyer's last message time and now.

use chrono::{DateTime, Duration, Utc};

use crate::domain::{Channel, Marketplace};

/// Ozon refuses a seller's chat message this long after the buyer's last one (FBO;
/// 72 hours after delivery for FBS, which the chat list does not tell apart, so the
/// shorter limit is the one the client can promise).
pub const OZON_CHAT_REPLY_HOURS: i64 = 48;

/// Whether, and until when, a reply can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyWindow {
    /// The contract sets no time limit on this channel.
    Unlimited,
    /// Open until `closes_at`.
    Open { closes_at: DateTime<Utc> },
    /// Closed: the buyer's last message is too old, or there is none to answer.
    Closed { closed_at: Option<DateTime<Utc>> },
}

impl ReplyWindow {
    /// The window for an item on `marketplace`/`channel` whose buyer last wrote at
    /// `last_buyer_message`, as it stands at `now`.
    pub fn at(
        marketplace: Marketplace,
        channel: Channel,
        last_buyer_message: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> ReplyWindow {
        if (marketplace, channel) != (Marketplace::Ozon, Channel::Chat) {
            return ReplyWindow::Unlimited;
        }
        let Some(last) = last_buyer_message else {
            return ReplyWindow::Closed { closed_at: None };
        };
        ReplyWindow::Open {
            closes_at: last + Duration::hours(OZON_CHAT_REPLY_HOURS),
        }
        .as_of(now)
    }

    /// The same window seen at `now`: an open one whose time has passed is closed.
    pub fn as_of(self, now: DateTime<Utc>) -> ReplyWindow {
        match self {
            ReplyWindow::Open { closes_at } if closes_at <= now => ReplyWindow::Closed {
                closed_at: Some(closes_at),
            },
            other => other,
        }
    }

    pub fn is_closed(self, now: DateTime<Utc>) -> bool {
        matches!(self.as_of(now), ReplyWindow::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn an_ozon_chat_is_open_for_48_hours_after_the_buyers_last_message() {
        let open = ReplyWindow::at(Marketplace::Ozon, Channel::Chat, Some(at(0)), at(47));
        assert_eq!(open, ReplyWindow::Open { closes_at: at(48) });
        assert!(!open.is_closed(at(47)));
        assert!(open.is_closed(at(48)), "closes while the editor is open");
        let closed = ReplyWindow::at(Marketplace::Ozon, Channel::Chat, Some(at(0)), at(49));
        assert_eq!(
            closed,
            ReplyWindow::Closed {
                closed_at: Some(at(48))
            }
        );
        let nothing = ReplyWindow::at(Marketplace::Ozon, Channel::Chat, None, at(0));
        assert_eq!(nothing, ReplyWindow::Closed { closed_at: None });
    }

    #[test]
    fn other_channels_have_no_window() {
        for (m, c) in [
            (Marketplace::Ozon, Channel::Review),
            (Marketplace::Ozon, Channel::Question),
            (Marketplace::Wb, Channel::Chat),
            (Marketplace::Wb, Channel::Review),
        ] {
            assert_eq!(
                ReplyWindow::at(m, c, Some(at(0)), at(1000)),
                ReplyWindow::Unlimited
            );
        }
    }
}
