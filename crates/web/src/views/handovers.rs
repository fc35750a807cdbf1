//! The report page's handover section: the handovers sent, whether one can be sent, and the
//! thread with the social service.

use presidio_domain::access::Principal;
use presidio_domain::time::UtcMillis;

use crate::i18n::Tr;
use presidio_app::cache::CachedReport;
use presidio_app::handovers::HandoverLine;

/// The report page's handover section.
#[derive(Default)]
pub struct ReportHandover {
    pub lines: Vec<HandoverLine>,
    /// "Invia al servizio sociale di Rho", when the viewer may send it now.
    pub send: String,
    /// (when, who, text) of the thread.
    pub messages: Vec<(String, String, String)>,
}

pub fn for_report(
    t: Tr<'_>,
    who: &Principal,
    cached: &CachedReport,
    can_write: bool,
    now: UtcMillis,
) -> ReportHandover {
    let report = &cached.report;
    let send = if can_write && presidio_app::handovers::can_send(report) {
        t.t1(
            "handover-send",
            "municipality",
            cached.municipality.as_deref().unwrap_or_default(),
        )
    } else {
        String::new()
    };
    ReportHandover {
        lines: cached
            .handovers
            .iter()
            .map(|h| presidio_app::handovers::line(t, who, h, now))
            .collect(),
        send,
        messages: cached
            .messages
            .iter()
            .map(|m| {
                (
                    t.date_time(UtcMillis(m.at)),
                    m.author.clone().unwrap_or_default(),
                    m.text.clone(),
                )
            })
            .collect(),
    }
}
