//! The Ambito's budget for a period and the forecast of spending at its end.

use jiff::civil::Date;

use super::parse_euro;
use crate::validation::{Invalid, Problem};

/// A budget for the days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub amount_cents: i64,
    pub from: Date,
    pub to: Date,
}

/// Spending at the end of the period if it goes on as from `from` to `today`: the spending so
/// far, spread over the days gone, times all the days. Before the period: what is spent; after
/// it: what was spent.
pub fn forecast_cents(budget: &Budget, spent_cents: i64, today: Date) -> i64 {
    let days = |a: Date, b: Date| i64::from((b - a).get_days()) + 1;
    let total = days(budget.from, budget.to).max(1);
    if today < budget.from || today >= budget.to {
        return spent_cents;
    }
    let gone = days(budget.from, today).clamp(1, total);
    spent_cents.saturating_mul(total) / gone
}

/// A budget as typed: euro (`89.572,80`), and the first and last day (from 2000 to ten years
/// after `today`).
pub fn validate(amount: &str, from: &str, to: &str, today: Date) -> Result<Budget, Invalid> {
    let mut errors = Invalid::default();
    // With a comma, points group thousands (89.572,80); without, a point is the decimal mark.
    let amount = amount.replace(' ', "");
    let amount = if amount.contains(',') {
        amount.replace('.', "")
    } else {
        amount
    };
    let amount_cents = parse_euro(&amount);
    if amount_cents.is_none() {
        errors.push("amount", Problem::OutOfRange);
    }
    let date = |errors: &mut Invalid, field: &'static str, raw: &str| {
        let d = crate::time::parse_date(raw);
        if d.is_none() {
            errors.push(field, Problem::InvalidDate);
        }
        d
    };
    let from = date(&mut errors, "from", from);
    let to = date(&mut errors, "to", to);
    if let (Some(a), Some(b)) = (from, to) {
        crate::validation::check_period(&mut errors, a, b, today);
    }
    match (amount_cents, from, to) {
        (Some(amount_cents), Some(from), Some(to)) => errors.into_result(Budget {
            amount_cents,
            from,
            to,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_rhodense_budget_and_its_forecast() {
        let b = validate("89.572,80", "2026-01-01", "2027-12-31", date(2026, 1, 1)).unwrap();
        assert_eq!(b.amount_cents, 8_957_280);
        let plain = validate("89572.80", "2026-01-01", "2027-12-31", date(2026, 1, 1)).unwrap();
        assert_eq!(plain.amount_cents, 8_957_280);
        // 730 days; after 73 days, 10% of the time, 10,000 euro spent: 100,000 at the end.
        let today = date(2026, 3, 14);
        assert_eq!(forecast_cents(&b, 1_000_000, today), 10_000_000);
        assert_eq!(
            forecast_cents(&b, 500, date(2025, 6, 1)),
            500,
            "before the period"
        );
        assert_eq!(forecast_cents(&b, 500, date(2028, 1, 1)), 500, "after it");
        let fields: Vec<_> = validate("tanti", "2027-01-01", "2026-01-01", date(2026, 1, 1))
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["amount", "to"]);
    }
}
