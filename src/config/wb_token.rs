//! WB API tokens are JWTs: the payload can be read locally (base64url JSON), the signature
//! cannot be checked without WB. `doctor` reads expiry and the category bits from it as
//! advice; the first real 401/403 decides. The simulator serves tokens minted here.
//!
//! `s` is a bitmask: category `n` (1-based, as WB's token documentation numbers them) is
//! granted when `s & (1 << n) != 0`; bit 30 marks a read-only token.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The token categories AgentIQ cares about, with their bit numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Контент: the seller's product cards.
    Content = 1,
    /// Вопросы и отзывы.
    FeedbacksQuestions = 7,
    /// Чат с покупателями.
    BuyerChat = 9,
}

impl Category {
    /// The name the seller sees in the portal when creating a token.
    pub fn portal_name(self) -> &'static str {
        match self {
            Category::Content => "Контент",
            Category::FeedbacksQuestions => "Вопросы и отзывы",
            Category::BuyerChat => "Чат с покупателями",
        }
    }

    pub fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

/// Bit 30: writes are refused.
pub const READ_ONLY_BIT: u64 = 1 << 30;

/// What a token's payload says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub expires: Option<DateTime<Utc>>,
    pub scope: u64,
    /// A sandbox (test environment) token.
    pub sandbox: bool,
}

impl TokenInfo {
    pub fn grants(&self, category: Category) -> bool {
        self.scope & category.bit() != 0
    }

    pub fn read_only(&self) -> bool {
        self.scope & READ_ONLY_BIT != 0
    }

    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(default)]
    s: Option<u64>,
    #[serde(default)]
    t: Option<bool>,
    /// Old-style tokens carry this and are no longer accepted by WB.
    #[serde(default, rename = "acsessID", skip_serializing_if = "Option::is_none")]
    access_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

/// Why a token's payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a JWT (expected three dot-separated parts)")]
    NotJwt,
    #[error("the payload is not base64url JSON")]
    BadPayload,
    #[error("an old-style token (acsessID); WB no longer accepts these, create a new one")]
    OldStyle,
    #[error("the payload has no category bits (s)")]
    NoScope,
}

/// Reads a token's payload; never checks the signature, never touches the network.
pub fn decode(token: &str) -> Result<TokenInfo, TokenError> {
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::NotJwt);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(payload))
        .map_err(|_| TokenError::BadPayload)?;
    let payload: Payload = serde_json::from_slice(&bytes).map_err(|_| TokenError::BadPayload)?;
    if payload.access_id.is_some() {
        return Err(TokenError::OldStyle);
    }
    let scope = payload.s.ok_or(TokenError::NoScope)?;
    Ok(TokenInfo {
        expires: payload
            .exp
            .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, 0)),
        scope,
        sandbox: payload.t.unwrap_or(false),
    })
}

/// A token shaped like WB's (header, payload with `exp`, `s`, `sid`, `t`, and a random
/// signature), for the simulator and tests.
pub fn mint(categories: &[Category], read_only: bool, expires: DateTime<Utc>) -> String {
    let scope =
        categories.iter().fold(0, |s, c| s | c.bit()) | if read_only { READ_ONLY_BIT } else { 0 };
    mint_raw(scope, expires)
}

/// [`mint`] with the bitmask given.
pub fn mint_raw(scope: u64, expires: DateTime<Utc>) -> String {
    let header = r#"{"alg":"ES256","kid":"20250101v1","typ":"JWT"}"#;
    let payload = Payload {
        exp: Some(expires.timestamp()),
        s: Some(scope),
        t: Some(false),
        access_id: None,
        sid: Some(uuid_like(rand::random())),
        id: Some(uuid_like(rand::random())),
    };
    let payload = serde_json::to_vec(&payload).unwrap_or_default();
    let signature: [u8; 64] = std::array::from_fn(|_| rand::random());
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// The categories an inbox token needs, for a token valid 180 days (as WB issues them).
pub fn mint_inbox_token(now: DateTime<Utc>) -> String {
    mint(
        &[
            Category::Content,
            Category::FeedbacksQuestions,
            Category::BuyerChat,
        ],
        false,
        now + chrono::Duration::days(180),
    )
}

fn uuid_like(n: u128) -> String {
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_reads_back() {
        let now = Utc::now();
        let token = mint_inbox_token(now);
        let info = decode(&token).unwrap();
        assert!(info.grants(Category::FeedbacksQuestions));
        assert!(info.grants(Category::BuyerChat));
        assert!(info.grants(Category::Content));
        assert!(!info.read_only() && !info.expired(now));
        let bearer = format!("Bearer {token}");
        assert_eq!(decode(&bearer).unwrap().scope, info.scope);
    }

    #[test]
    fn bits_are_read_as_wb_numbers_them() {
        // s = 128: only category 7, Вопросы и отзывы.
        let info = decode(&mint_raw(128, Utc::now())).unwrap();
        assert!(info.grants(Category::FeedbacksQuestions));
        assert!(!info.grants(Category::BuyerChat) && !info.grants(Category::Content));
        let ro = decode(&mint(&[Category::BuyerChat], true, Utc::now())).unwrap();
        assert!(ro.read_only() && ro.grants(Category::BuyerChat));
    }

    #[test]
    fn expiry_and_bad_tokens() {
        let now = Utc::now();
        let old = decode(&mint(&[], false, now - chrono::Duration::days(1))).unwrap();
        assert!(old.expired(now));
        assert_eq!(decode("sim-wb-token"), Err(TokenError::NotJwt));
        assert_eq!(decode("a.!!!.c"), Err(TokenError::BadPayload));
        let legacy = format!(
            "x.{}.y",
            URL_SAFE_NO_PAD.encode(r#"{"acsessID":"abc","exp":1}"#)
        );
        assert_eq!(decode(&legacy), Err(TokenError::OldStyle));
    }
}
