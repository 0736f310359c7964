//! Product cards are fetched beside sync, a few per cycle; a missing card or a failing
//! catalog never holds sync up.

use chrono::{DateTime, Utc};

use crate::connectors::catalog::Catalog;
use crate::store::{self, Writer};

/// Cards read per cycle at most.
pub const CARDS_PER_CYCLE: usize = 50;

/// What one refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CardRefresh {
    /// Products asked for (0 when nothing was due or the catalog failed).
    pub asked: usize,
    /// Cards found and stored.
    pub stored: usize,
}

/// Fetches cards for products that have none or an old one.
pub async fn refresh_cards(
    writer: &Writer,
    account_id: i64,
    catalog: &dyn Catalog,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> CardRefresh {
    let none = CardRefresh::default();
    let now = clock();
    let due = writer
        .call(move |conn| {
            store::products_needing_cards(
                conn,
                account_id,
                now,
                store::CARD_REFRESH_AFTER,
                CARDS_PER_CYCLE,
            )
        })
        .await;
    let ids = match due {
        Ok(ids) if !ids.is_empty() => ids,
        Ok(_) => return none,
        Err(err) => {
            tracing::warn!(error = %format!("{err:#}"), "listing products for cards");
            return none;
        }
    };
    let cards = match catalog.cards(&ids).await {
        Ok(cards) => cards,
        Err(err) => {
            tracing::warn!(error = %err, "product cards unavailable; sync goes on");
            return none;
        }
    };
    let refresh = CardRefresh {
        asked: ids.len(),
        stored: cards.len(),
    };
    let now = clock();
    if let Err(err) = writer
        .call(move |conn| store::save_cards(conn, account_id, &ids, &cards, now))
        .await
    {
        tracing::warn!(error = %format!("{err:#}"), "saving product cards");
        return none;
    }
    refresh
}
