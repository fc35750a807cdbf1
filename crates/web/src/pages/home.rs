//! The home page of the Centrale Operativa.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use presidio_db::now;

use super::{Layout, PageError};
use crate::AppState;
use crate::i18n::Arg;

pub struct AmbitoCard {
    pub name: String,
    pub href: String,
    pub count: String,
    pub open_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    page: Layout,
    today: String,
    ambiti: Vec<AmbitoCard>,
}

/// The board for users who read cases; for the others, the Ambiti served.
pub async fn page(
    State(state): State<AppState>,
    axum::Extension(visitor): axum::Extension<crate::auth::Visitor>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    // A trusted reporter's home is its portal, not the Centrale's board.
    if visitor
        .principal()
        .is_some_and(presidio_app::cases::reporter_only)
    {
        return Ok(
            super::portal::page(&state, &visitor, super::portal::ListQuery::default())
                .await?
                .into_response(),
        );
    }
    if let Some(who) = visitor.principal().filter(|p| {
        use presidio_domain::access::Permission;
        p.may(Permission::ReadCases)
    }) {
        return Ok(super::board::page(&state, &visitor, who)
            .await?
            .into_response());
    }
    // A partner's home is its list of cases and invitations.
    if visitor.principal().is_some_and(|p| {
        p.may(presidio_domain::access::Permission::ReadTeamCases)
            && !p.may(presidio_domain::access::Permission::ReadCases)
    }) {
        return Ok(super::teams::page(&state, &visitor).await?.into_response());
    }
    Ok(ambiti_page(&state, &visitor).await?.into_response())
}

async fn ambiti_page(
    state: &AppState,
    visitor: &crate::auth::Visitor,
) -> Result<HomePage, PageError> {
    let page = Layout::new(visitor, "home-title", "home");
    let t = page.t;
    let mut ambiti = Vec::new();
    for (ambito, count) in presidio_app::reference::ambiti_with_counts(state).await? {
        ambiti.push(AmbitoCard {
            href: format!("/ambiti/{}", ambito.code),
            count: t.t_args(
                "municipalities-count",
                &[("count", Arg::Num(i64::try_from(count).unwrap_or(0)))],
            ),
            open_label: t.t1("home-open-ambito", "name", &ambito.name),
            name: ambito.name,
        });
    }
    let local = now().in_rome();
    let today = t.t_args(
        "home-now",
        &[
            ("date", Arg::Str(&t.date_long(local.date()))),
            (
                "time",
                Arg::Str(&format!("{:02}:{:02}", local.hour(), local.minute())),
            ),
        ],
    );
    Ok(HomePage {
        page,
        today,
        ambiti,
    })
}
