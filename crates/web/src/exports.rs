//! Heavy exports (CSV, XLSX, PDF of a period) are limited per user: at most
//! [`PER_USER`] at once, so a burst of clicks or a script cannot hold the server's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Exports one user may run at the same time.
pub const PER_USER: u32 = 2;

/// Who is exporting now, and how many at once.
#[derive(Debug, Default)]
pub struct Exports(Mutex<HashMap<i64, u32>>);

/// One export in progress; ends when dropped.
#[derive(Debug)]
pub struct Slot {
    exports: Arc<Exports>,
    user: i64,
}

impl Exports {
    /// A slot for `user`, or `None` when they already run [`PER_USER`] exports.
    pub fn enter(self: &Arc<Self>, user: i64) -> Option<Slot> {
        let mut running = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = running.entry(user).or_default();
        if *count >= PER_USER {
            return None;
        }
        *count += 1;
        Some(Slot {
            exports: self.clone(),
            user,
        })
    }
}

/// A slot for the signed-in user's export, or a 429 when they already run [`PER_USER`].
pub fn slot(
    state: &crate::AppState,
    visitor: &crate::auth::Visitor,
) -> Result<Slot, crate::error::PageError> {
    let user = visitor.principal().map_or(0, |p| p.user_id);
    state
        .exports
        .enter(user)
        .ok_or(crate::error::PageError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_exports",
        ))
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self
            .exports
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = running.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_exports_at_once_per_user_and_the_slot_comes_back() {
        let exports = Arc::new(Exports::default());
        let a = exports.enter(1).unwrap();
        let _b = exports.enter(1).unwrap();
        assert!(exports.enter(1).is_none());
        assert!(exports.enter(2).is_some(), "another user is not held up");
        drop(a);
        assert!(exports.enter(1).is_some());
    }
}
