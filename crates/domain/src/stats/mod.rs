//! Statistics for zonal planning, from the reports: the activity table the service publishes
//! (domain.md §4), for any period.

pub mod activity;
pub mod dashboard;
pub mod persons;
