//! The customer block of the detail pane: how often the linked customer wrote, through
//! which channels, about which products, their ratings and tone over time, and the key
//! that opens their full history.

use std::collections::BTreeSet;

use ratatui::text::{Line, Span};

use crate::domain::{Channel, InteractionId};
use crate::store::{CustomerProfile, HistoryItem};
use crate::tui::action::Action;
use crate::tui::keymap::Layer;
use crate::tui::sanitize;
use crate::tui::theme::Slot;

use super::ViewCtx;

/// How many of the latest items the trends show.
const TREND_ITEMS: usize = 16;

/// One bar per rated item, 1★ lowest to 5★ highest.
pub fn rating_bar(stars: u8) -> char {
    match stars {
        0 | 1 => '▁',
        2 => '▃',
        3 => '▄',
        4 => '▆',
        _ => '█',
    }
}

/// The customer's ratings, oldest first (at most the latest [`TREND_ITEMS`]).
pub fn ratings_oldest_first(items: &[HistoryItem]) -> Vec<u8> {
    let mut stars: Vec<u8> = items
        .iter()
        .filter_map(|i| i.rating.map(|r| r.stars()))
        .take(TREND_ITEMS)
        .collect();
    stars.reverse();
    stars
}

/// The lines under "Покупатель: …" (indented); none when no customer is linked.
pub fn lines(
    profile: Option<&CustomerProfile>,
    current: InteractionId,
    ctx: &ViewCtx<'_>,
) -> Vec<Line<'static>> {
    let Some(profile) = profile else {
        return Vec::new();
    };
    let s = ctx.strings;
    let others = profile.items.iter().filter(|i| i.id != current).count();
    if others == 0 {
        return vec![Line::styled(
            format!("  {}", s.customer_first_time),
            ctx.style(Slot::TextMuted),
        )];
    }
    let items = &profile.items;
    let channels: Vec<String> = Channel::ALL
        .iter()
        .map(|c| (items.iter().filter(|i| i.channel == *c).count(), *c))
        .filter(|(n, _)| *n > 0)
        .map(|(n, c)| format!("{} {n}", (s.channel_name)(c)))
        .collect();
    let mut out = vec![
        head_line(profile, ctx),
        field(s.label_channels, channels.join(", "), ctx),
    ];
    out.extend(products_line(items, ctx));
    out.extend(ratings_line(items, ctx));
    out.extend(tone_line(items, ctx));
    out
}

/// How many items, how many open, whether the link is only by name, and the key to the
/// full history.
fn head_line(profile: &CustomerProfile, ctx: &ViewCtx<'_>) -> Line<'static> {
    let s = ctx.strings;
    let mut head = vec![Span::styled(
        format!(
            "  {}",
            (s.customer_items)(profile.items.len(), profile.open_items)
        ),
        ctx.style(Slot::Text),
    )];
    if !profile.deterministic {
        head.push(Span::styled(
            format!(" · {}", s.customer_by_name),
            ctx.style(Slot::TextMuted),
        ));
    }
    if let Some(key) = ctx
        .keymap
        .first_key(&[Layer::Detail, Layer::Queue], &Action::CustomerHistory)
    {
        head.push(Span::styled(
            format!(" · {}", (s.customer_history_key)(&key)),
            ctx.style(Slot::StatusHint),
        ));
    }
    Line::from(head)
}

/// The first three products the customer wrote about, and how many more.
fn products_line(items: &[HistoryItem], ctx: &ViewCtx<'_>) -> Option<Line<'static>> {
    let products: BTreeSet<String> = items
        .iter()
        .filter_map(|i| i.product_name.as_deref())
        .map(crate::ai::short_product_name)
        .collect();
    if products.is_empty() {
        return None;
    }
    let shown: Vec<String> = products
        .iter()
        .take(3)
        .map(|p| sanitize::line(p).into_owned())
        .collect();
    let more = products.len().saturating_sub(shown.len());
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(" +{more}"));
    }
    Some(field(ctx.strings.label_products, text, ctx))
}

/// The ratings as bars, oldest first, and where they went from and to.
fn ratings_line(items: &[HistoryItem], ctx: &ViewCtx<'_>) -> Option<Line<'static>> {
    let stars = ratings_oldest_first(items);
    let (&first, &last) = (stars.first()?, stars.last()?);
    let bars: String = stars.iter().map(|s| rating_bar(*s)).collect();
    let slot = match last {
        4 | 5 => Slot::SlaOk,
        3 => Slot::SlaAtRisk,
        _ => Slot::SlaBreached,
    };
    let span = if stars.len() > 1 {
        format!(" {first}★ → {last}★")
    } else {
        format!(" {last}★")
    };
    Some(Line::from(vec![
        Span::styled(
            format!("  {}: ", ctx.strings.label_ratings),
            ctx.style(Slot::Label),
        ),
        Span::styled(bars, ctx.style(Slot::Stars)),
        Span::styled(span, ctx.style(slot)),
    ]))
}

/// The tone of the latest items, oldest first: `+` positive, `−` negative, `·` neutral.
fn tone_line(items: &[HistoryItem], ctx: &ViewCtx<'_>) -> Option<Line<'static>> {
    let mut tone: Vec<Span<'static>> = items
        .iter()
        .take(TREND_ITEMS)
        .filter_map(|i| i.sentiment.as_deref())
        .map(|t| match t {
            "positive" => Span::styled("+", ctx.style(Slot::SlaOk)),
            "negative" => Span::styled("−", ctx.style(Slot::SlaBreached)),
            _ => Span::styled("·", ctx.style(Slot::TextMuted)),
        })
        .collect();
    if tone.is_empty() {
        return None;
    }
    tone.reverse();
    let mut line = vec![Span::styled(
        format!("  {}: ", ctx.strings.label_tone),
        ctx.style(Slot::Label),
    )];
    line.extend(tone);
    Some(Line::from(line))
}

fn field(label: &str, value: String, ctx: &ViewCtx<'_>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {label}: "), ctx.style(Slot::Label)),
        Span::styled(value, ctx.style(Slot::Text)),
    ])
}
