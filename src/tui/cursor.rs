//! A selected row and a scroll offset for a list longer than its pane, kept so the selection stays
//! visible: lists draw only the rows in view.

use std::ops::Range;

/// Selection and scroll position of one list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves the selection by `delta` rows within `len` rows, `height` of which are visible.
    pub fn step(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.select(target as usize, len, height);
    }

    /// Selects row `index` (clamped) and scrolls it into view.
    pub fn select(&mut self, index: usize, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        self.selected = index.min(len - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    /// Scrolls the view by `delta` rows without moving past the ends; the selection follows when
    /// it would leave the view.
    pub fn scroll(&mut self, delta: isize, len: usize, height: usize) {
        let max = len.saturating_sub(height.max(1)) as isize;
        self.offset = (self.offset as isize + delta).clamp(0, max.max(0)) as usize;
        let end = self.offset + height.max(1);
        if self.selected < self.offset || self.selected >= end {
            let selected = self
                .selected
                .clamp(self.offset, end.min(len).saturating_sub(1));
            self.selected = selected;
        }
    }

    /// The rows in view.
    pub fn visible(&self, len: usize, height: usize) -> Range<usize> {
        let start = self.offset.min(len);
        start..(start + height).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_stays_in_view() {
        let mut c = Cursor::default();
        c.step(15, 100, 10);
        assert_eq!((c.selected, c.offset), (15, 6));
        c.step(-12, 100, 10);
        assert_eq!((c.selected, c.offset), (3, 3));
        c.step(1000, 100, 10);
        assert_eq!((c.selected, c.offset), (99, 90));
        assert_eq!(c.visible(100, 10), 90..100);
        c.scroll(-50, 100, 10);
        assert_eq!((c.selected, c.offset), (49, 40));
        c.step(5, 0, 10);
        assert_eq!(c, Cursor::default());
    }
}
