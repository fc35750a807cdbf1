//! Activations: a resource used for a case. A booking holds its places at once (the hold lapses
//! by itself if not confirmed in time), then is confirmed, started and ended, or cancelled;
//! ending or cancelling gives the places back. The cost is places × nights (or units) × tariff.

use crate::codes;

codes!(
    /// Where an activation stands.
    ActivationStatus {
        Held = "held",
        Confirmed = "confirmed",
        Started = "started",
        Ended = "ended",
        Cancelled = "cancelled",
    }
);

impl ActivationStatus {
    /// The statuses an activation may move to from this one.
    pub fn next(self) -> &'static [ActivationStatus] {
        use ActivationStatus as S;
        match self {
            S::Held => &[S::Confirmed, S::Cancelled],
            S::Confirmed => &[S::Started, S::Cancelled],
            S::Started => &[S::Ended],
            S::Ended | S::Cancelled => &[],
        }
    }

    /// Whether the activation still occupies its places.
    pub fn holds_places(self) -> bool {
        matches!(self, Self::Held | Self::Confirmed | Self::Started)
    }
}

/// How long a hold lasts by default while the operator travels.
pub const DEFAULT_HOLD_MINUTES: i64 = 90;

/// The cost in cents, saturating.
pub fn cost_cents(places: u32, nights: u32, tariff_cents: i64) -> i64 {
    i64::from(places)
        .saturating_mul(i64::from(nights))
        .saturating_mul(tariff_cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_returns_places_only_at_its_end() {
        use ActivationStatus as S;
        assert_eq!(S::Held.next(), &[S::Confirmed, S::Cancelled]);
        assert!(S::Ended.next().is_empty() && S::Cancelled.next().is_empty());
        assert!(S::Started.holds_places() && !S::Ended.holds_places());
        assert!(
            !S::Started.next().contains(&S::Cancelled),
            "a started stay ends"
        );
        assert_eq!(cost_cents(2, 3, 3550), 21_300);
        assert_eq!(cost_cents(u32::MAX, u32::MAX, i64::MAX), i64::MAX);
    }
}
