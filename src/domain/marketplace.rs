use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A marketplace whose seller cabinet AgentIQ answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Marketplace {
    Wb,
    Ozon,
}

impl Marketplace {
    pub const ALL: [Marketplace; 2] = [Marketplace::Wb, Marketplace::Ozon];

    pub fn as_str(self) -> &'static str {
        match self {
            Marketplace::Wb => "wb",
            Marketplace::Ozon => "ozon",
        }
    }

    /// Short mark shown in the queue.
    pub fn mark(self) -> &'static str {
        match self {
            Marketplace::Wb => "WB",
            Marketplace::Ozon => "OZ",
        }
    }
}

impl fmt::Display for Marketplace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Marketplace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "wb" | "wildberries" => Ok(Marketplace::Wb),
            "ozon" => Ok(Marketplace::Ozon),
            other => Err(format!(
                "unknown marketplace '{other}' (expected wb or ozon)"
            )),
        }
    }
}

/// Where a customer wrote: a public review, a public question, or a private chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Review,
    Question,
    Chat,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Review, Channel::Question, Channel::Chat];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Review => "review",
            Channel::Question => "question",
            Channel::Chat => "chat",
        }
    }

    /// Reviews and questions are visible to every buyer; chats are private.
    pub fn is_public(self) -> bool {
        !matches!(self, Channel::Chat)
    }

    /// Allowed reply length in characters (inclusive) for this marketplace and channel.
    pub fn reply_length(self, marketplace: Marketplace) -> (usize, usize) {
        match (marketplace, self) {
            (Marketplace::Wb, Channel::Review | Channel::Question) => (2, 5000),
            (Marketplace::Wb, Channel::Chat) => (1, 1000),
            (Marketplace::Ozon, Channel::Question) => (2, 3000),
            (Marketplace::Ozon, Channel::Review) => (2, 3000),
            (Marketplace::Ozon, Channel::Chat) => (1, 1000),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "review" | "reviews" | "feedback" => Ok(Channel::Review),
            "question" | "questions" => Ok(Channel::Question),
            "chat" | "chats" => Ok(Channel::Chat),
            other => Err(format!(
                "unknown channel '{other}' (expected review, question or chat)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Marketplace::ALL {
            assert_eq!(m.as_str().parse::<Marketplace>().unwrap(), m);
        }
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), c);
        }
        assert!("amazon".parse::<Marketplace>().is_err());
    }

    #[test]
    fn reply_limits_follow_the_contracts() {
        assert_eq!(Channel::Review.reply_length(Marketplace::Wb), (2, 5000));
        assert_eq!(Channel::Chat.reply_length(Marketplace::Wb).1, 1000);
        assert_eq!(Channel::Question.reply_length(Marketplace::Ozon), (2, 3000));
    }
}
