//! Where each part of the screen goes. Shared by the views and by the reducer (which needs
//! to know how many queue rows fit to page through them).

use ratatui::layout::Rect;

/// Narrower than this, the queue and the detail pane take turns instead of sharing.
pub const SIDE_BY_SIDE_MIN_WIDTH: u16 = 80;

/// The rows of the whole screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    pub tabs: Option<Rect>,
    pub body: Rect,
    pub status: Option<Rect>,
    pub hints: Option<Rect>,
}

/// How many terminal rows the tab bar, status line and hint line take at `height`.
fn chrome(height: u16) -> (bool, bool, bool) {
    match height {
        8.. => (true, true, true),
        5..=7 => (true, false, true),
        4 => (false, false, true),
        _ => (false, false, false),
    }
}

pub fn frame(area: Rect) -> Frame {
    let (tabs, status, hints) = chrome(area.height);
    let (tabs_h, status_h) = (u16::from(tabs), u16::from(status));
    let body_h = area
        .height
        .saturating_sub(tabs_h + status_h + u16::from(hints));
    let row = |y: u16, h: u16| Rect::new(area.x, y, area.width, h);
    let body_y = area.y + tabs_h;
    Frame {
        tabs: tabs.then(|| row(area.y, 1)),
        body: row(body_y, body_h),
        status: status.then(|| row(body_y + body_h, 1)),
        hints: hints.then(|| row(body_y + body_h + status_h, 1)),
    }
}

/// Height of the body (queue and detail panes) at terminal height `height`.
fn body_height(height: u16) -> u16 {
    frame(Rect::new(0, 0, 1, height)).body.height
}

/// Terminal rows per queue item: two (header and text) when there is room, else one.
pub fn rows_per_item(height: u16) -> u16 {
    if body_height(height).saturating_sub(2) >= 12 {
        2
    } else {
        1
    }
}

/// Queue items visible at terminal height `height`; at least one.
pub fn queue_capacity(height: u16) -> usize {
    let inner = body_height(height).saturating_sub(2);
    usize::from((inner / rows_per_item(height)).max(1))
}

/// The parts of a full screen (sync health, audit log) inside its border: a header row,
/// the list, and under it a few rows for the selected entry when there is room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenList {
    pub header: Rect,
    pub list: Rect,
    pub footer: Option<Rect>,
}

/// Rows of the footer that shows the selected entry in full.
const SCREEN_FOOTER: u16 = 4;

pub fn screen_list(body: Rect) -> ScreenList {
    let inner = Rect::new(
        body.x.saturating_add(1),
        body.y.saturating_add(1),
        body.width.saturating_sub(2),
        body.height.saturating_sub(2),
    );
    let footer_h = if inner.height >= 12 { SCREEN_FOOTER } else { 0 };
    let header_h = inner.height.min(1);
    let list_h = inner.height.saturating_sub(header_h + footer_h);
    ScreenList {
        header: Rect::new(inner.x, inner.y, inner.width, header_h),
        list: Rect::new(inner.x, inner.y + header_h, inner.width, list_h),
        footer: (footer_h > 0)
            .then(|| Rect::new(inner.x, inner.y + header_h + list_h, inner.width, footer_h)),
    }
}

/// Rows of a full screen's list at terminal height `height`; at least one.
pub fn screen_capacity(height: u16) -> usize {
    let body = frame(Rect::new(0, 0, 1, height)).body;
    usize::from(screen_list(body).list.height.max(1))
}

/// Which panes the body shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    pub queue: Option<Rect>,
    pub right: Option<Rect>,
}

/// Splits the body; on narrow terminals only one pane shows, the detail pane when
/// `detail_in_front`.
pub fn body(area: Rect, detail_in_front: bool) -> Body {
    if area.width < SIDE_BY_SIDE_MIN_WIDTH {
        return if detail_in_front {
            Body {
                queue: None,
                right: Some(area),
            }
        } else {
            Body {
                queue: Some(area),
                right: None,
            }
        };
    }
    let percent: u32 = if area.width >= 100 { 55 } else { 50 };
    let queue_width = (u32::from(area.width) * percent / 100) as u16;
    Body {
        queue: Some(Rect::new(area.x, area.y, queue_width, area.height)),
        right: Some(Rect::new(
            area.x + queue_width,
            area.y,
            area.width - queue_width,
            area.height,
        )),
    }
}

/// Splits the right pane into the detail (top) and the editor (bottom) when it is open.
pub fn right(area: Rect, editor_open: bool) -> (Rect, Option<Rect>) {
    if !editor_open {
        return (area, None);
    }
    let editor_height = (area.height * 45 / 100).max(8).min(area.height);
    let detail_height = area.height - editor_height;
    (
        Rect::new(area.x, area.y, area.width, detail_height),
        Some(Rect::new(
            area.x,
            area.y + detail_height,
            area.width,
            editor_height,
        )),
    )
}

/// A `width` × `height` rectangle centred in `area`, shrunk to fit.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rows_add_up() {
        for h in 0..50 {
            let f = frame(Rect::new(0, 0, 80, h));
            let sum = f.tabs.map_or(0, |r| r.height)
                + f.body.height
                + f.status.map_or(0, |r| r.height)
                + f.hints.map_or(0, |r| r.height);
            assert_eq!(sum, h, "height {h}");
        }
    }

    #[test]
    fn capacity_at_common_sizes() {
        // 40 rows: 37 body, 35 inside the border, two rows per item.
        assert_eq!(queue_capacity(40), 17);
        assert_eq!(queue_capacity(24), 9);
        assert_eq!(queue_capacity(5), 1);
        assert_eq!(queue_capacity(0), 1);
    }

    #[test]
    fn screen_lists_leave_room_for_header_and_footer() {
        let l = screen_list(Rect::new(0, 1, 120, 37));
        assert_eq!(l.header, Rect::new(1, 2, 118, 1));
        assert_eq!(l.list.height, 30);
        assert_eq!(l.footer.map(|f| f.height), Some(4));
        assert_eq!(screen_capacity(40), 30);
        assert_eq!(screen_capacity(20), 10);
        let small = screen_list(Rect::new(0, 1, 60, 8));
        assert_eq!((small.list.height, small.footer), (5, None));
        assert_eq!(screen_capacity(0), 1);
    }

    #[test]
    fn narrow_terminals_show_one_pane() {
        let b = body(Rect::new(0, 0, 40, 10), false);
        assert!(b.queue.is_some() && b.right.is_none());
        let b = body(Rect::new(0, 0, 40, 10), true);
        assert!(b.queue.is_none() && b.right.is_some());
        let b = body(Rect::new(0, 0, 120, 10), false);
        assert_eq!(b.queue.map(|r| r.width), Some(66));
    }
}
