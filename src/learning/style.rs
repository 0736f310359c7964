//! The learnt style that applies to one item, from an account's learnt phrases and
//! lengths as the store keeps them.

use crate::ai::style::Style;
use crate::store::learning::{LearntLength, LearntPhrase};

/// Replies the usual length needs before it is used.
pub const MIN_LENGTH_SAMPLES: i64 = 5;

/// The learnt style for an item: the entries of `phrases` and `lengths` that apply to a
/// reply in `channel` about `product` (an external id).
pub fn for_item(
    phrases: &[LearntPhrase],
    lengths: &[LearntLength],
    channel: &str,
    product: Option<&str>,
) -> Style {
    let mut style = Style::default();
    for p in phrases {
        if !(p.channel.is_empty() || p.channel == channel) {
            continue;
        }
        match p.kind.as_str() {
            "avoid" => style.avoid.push(p.phrase.clone()),
            "opening" => style.openings.push(p.phrase.clone()),
            "closing" => style.closings.push(p.phrase.clone()),
            "body" if Some(p.product_external_id.as_str()) == product => {
                style.bodies.push(p.phrase.clone())
            }
            _ => {}
        }
    }
    style.preferred_chars = lengths
        .iter()
        .find(|l| l.channel == channel && l.samples >= MIN_LENGTH_SAMPLES)
        .map(|l| l.mean_chars);
    style
}
