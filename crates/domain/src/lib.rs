//! The Presidio domain: the vocabulary and the rules of the Pronto Intervento Sociale.
//!
//! Pure code only: no IO, no async, no SQL. Storage and web crates depend on this one, never the
//! other way round. Every module is named after a concept of the service; the README's
//! "Architettura" maps them, and the guides in `docs/` tell what each means to its users.

pub mod access;
pub mod account;
pub mod audit;
pub mod calendar;
pub mod codes;
pub mod conference;
pub mod follow_up;
pub mod handover;
pub mod intervention;
pub mod network;
pub mod outbox;
pub mod password;
pub mod person;
pub mod privacy;
pub mod protocol;
pub mod reference;
pub mod report;
pub mod resources;
pub mod roster;
pub mod second_factor;
pub mod siuss;
pub mod stats;
pub mod team;
pub mod throttle;
pub mod time;
pub mod training;
pub mod validation;
