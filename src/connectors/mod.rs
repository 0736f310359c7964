//! Marketplace connectors: one trait, one module per marketplace API, one registry.
//!
//! A connector turns a marketplace's wire format into [`NewInteraction`]s and delivers
//! answers. Sync, store and UI only ever see the trait.

pub mod catalog;
mod error;
pub mod http;
pub mod lenient;
pub mod ozon;
mod registry;
pub mod wb;

use async_trait::async_trait;

use crate::domain::{Channel, Marketplace, ModerationState, NewInteraction};

pub use error::{is_network_text, ConnectorError};
pub use registry::{build_connectors, AccountConfig, ConnectorKind, Credentials};

/// The three names every connector answers with — its id (cursors and sync records use
/// it), marketplace and channel — written once per connector inside its `impl Connector`.
macro_rules! connector_identity {
    ($id:literal, $marketplace:ident, $channel:ident) => {
        fn id(&self) -> &'static str {
            $id
        }

        fn marketplace(&self) -> $crate::domain::Marketplace {
            $crate::domain::Marketplace::$marketplace
        }

        fn channel(&self) -> $crate::domain::Channel {
            $crate::domain::Channel::$channel
        }
    };
}
pub(crate) use connector_identity;

/// Reads a stored cursor; `None` or an empty text starts from the beginning.
pub(crate) fn read_cursor<C: serde::de::DeserializeOwned + Default>(
    marketplace: &'static str,
    endpoint: &str,
    cursor: Option<&str>,
) -> Result<C, ConnectorError> {
    match cursor {
        Some(text) if !text.trim().is_empty() => {
            serde_json::from_str(text).map_err(|e| ConnectorError::Malformed {
                marketplace,
                endpoint: endpoint.into(),
                message: format!("stored cursor unreadable: {e}"),
            })
        }
        _ => Ok(C::default()),
    }
}

/// One item a connector could not parse: skipped, with the reason recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub external_id: Option<String>,
    pub reason: String,
}

/// What one `pull` step returned.
#[derive(Debug, Clone, Default)]
pub struct Pull {
    pub items: Vec<NewInteraction>,
    pub skipped: Vec<Skipped>,
    /// The position after these items; persist it together with them.
    pub cursor: String,
    /// More is waiting right now: call `pull` again before sleeping.
    pub more: bool,
    /// HTTP requests this step made (retries included).
    pub requests: u32,
}

/// How to address a reply to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTarget {
    pub external_id: String,
    /// WB chats answer by `replySign`, not by id.
    pub reply_handle: Option<String>,
    pub product_external_id: Option<String>,
}

/// An answer as the marketplace shows it on an item: its text and, where the marketplace
/// moderates answers, the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedAnswer {
    pub text: String,
    pub moderation: ModerationState,
    /// Whether the marketplace still allows editing it, where it says (WB feedbacks).
    pub editable: Option<bool>,
}

#[async_trait]
pub trait Connector: Send + Sync {
    /// Stable name used for cursors and sync records, e.g. `wb_feedbacks`.
    fn id(&self) -> &'static str;
    fn marketplace(&self) -> Marketplace;
    fn channel(&self) -> Channel;

    /// One step of sync from `cursor` (`None` on the very first run).
    async fn pull(&self, cursor: Option<&str>) -> Result<Pull, ConnectorError>;

    /// Delivers an answer. A success only means the marketplace accepted the call.
    async fn send_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError>;

    /// Replaces an answer already published with `text` (WB feedbacks allow this once,
    /// within 60 days). A success only means the marketplace accepted the call: reading
    /// the item back shows whether the new text took. Connectors whose marketplace has
    /// no such method refuse without a request.
    async fn edit_answer(&self, target: &ReplyTarget, text: &str) -> Result<(), ConnectorError> {
        let _ = text;
        Err(ConnectorError::Rejected {
            marketplace: self.marketplace().as_str(),
            endpoint: self.id().to_string(),
            status: 0,
            message: format!(
                "{} {}: a sent answer cannot be edited here (item {})",
                self.marketplace().as_str(),
                self.channel().as_str(),
                target.external_id
            ),
        })
    }

    /// Re-reads the item and returns the answer it carries, if any: how delivery is
    /// confirmed and how a reply interrupted by a crash is checked before resending.
    async fn current_answer(&self, target: &ReplyTarget) -> Result<Option<String>, ConnectorError>;

    /// Like [`Connector::current_answer`], with the marketplace's moderation verdict where
    /// it has one (WB moderates review answers). Without one, a shown answer is published.
    async fn answer_status(
        &self,
        target: &ReplyTarget,
    ) -> Result<Option<PostedAnswer>, ConnectorError> {
        Ok(self.current_answer(target).await?.map(|text| PostedAnswer {
            text,
            moderation: ModerationState::Published,
            editable: None,
        }))
    }

    /// External ids of every item the marketplace still lists as waiting for an answer,
    /// read in full (not incrementally). Sync compares it with the local open items to
    /// find those answered elsewhere. `None`: this connector cannot list them.
    async fn open_ids(&self) -> Result<Option<Vec<String>>, ConnectorError> {
        Ok(None)
    }

    /// How many items a full read finds, from the marketplace's count methods, and the
    /// requests that took: the total a first sync's progress is shown against. `None`:
    /// this connector has no count method.
    async fn total(&self) -> Result<Option<(u64, u32)>, ConnectorError> {
        Ok(None)
    }

    /// Re-reads one item by id; `None` when the marketplace no longer has it.
    async fn fetch_item(
        &self,
        external_id: &str,
    ) -> Result<Option<NewInteraction>, ConnectorError> {
        let _ = external_id;
        Ok(None)
    }
}
