//! Edits of published answers in the shared outbox: rows of kind `edit`, written only
//! through the database's `agentiq_enqueue_edit` (migration 006), which makes the SQLite
//! store's checks (a WB review, answered, its one edit not spent) on an item of the
//! connected person's shops. The owner's daemon sends them like replies.

use anyhow::Result;
use postgres::GenericClient;

use super::outbox::{refusal, NewReply, Refusal};

/// Writes an edit through `agentiq_enqueue_edit`; the same idempotency key again returns
/// the same row. The draft fields of `edit` are not used: an edit starts from the answer.
pub fn enqueue_edit(
    client: &mut impl GenericClient,
    edit: &NewReply<'_>,
) -> Result<std::result::Result<i64, Refusal>> {
    let result = client.query_one(
        "SELECT agentiq_enqueue_edit($1, $2, $3, $4, $5, $6)",
        &[
            &edit.item,
            &edit.text,
            &edit.idempotency_key,
            &edit.verdict,
            &edit.findings,
            &edit.overridden,
        ],
    );
    match result {
        Ok(row) => Ok(Ok(row.get(0))),
        Err(err) => refusal(err, "queueing the edit").map(Err),
    }
}

/// What WB said of editing a reply it shows (its `editable`), kept on the item: the list
/// sync may not read that item again for a long time. Edits are left alone: theirs is
/// spent.
pub fn note_reply_editable(
    client: &mut impl GenericClient,
    outbox_id: i64,
    editable: bool,
) -> Result<()> {
    client.execute(
        "UPDATE interactions SET answer_editable = $2
         WHERE id = (SELECT interaction_id FROM outbox WHERE id = $1 AND kind = 'reply')",
        &[&outbox_id, &editable],
    )?;
    Ok(())
}
