//! The one integration test binary. Every test runs against the backend chosen by the
//! environment: SQLite (a fresh file per test) by default, PostgreSQL (a fresh database per test)
//! when `PRESIDIO_TEST_POSTGRES_URL` points at a server, as `.ci/run` does.

pub mod access;
mod api;
mod calendar;
mod channels;
mod cli;
mod conferences;
mod dashboard;
mod durability;
mod escalation;
pub mod handovers;
mod households;
mod idempotency;
mod interventions;
mod network;
mod offline;
mod outbox;
mod pages;
mod partners;
mod pdf;
mod person_stats;
mod person_teams;
mod persons;
mod portal;
mod privacy;
mod protocols;
mod push;
mod reports;
mod reports_api;
mod resources;
mod roster;
mod second_factor;
mod siuss;
mod sms;
pub mod stats;
mod storage;
mod structure;
mod subject_access;
mod support;
mod teams;
mod training;
mod waas;
