//! The live boards' event streams (Server-Sent Events), shared by the pages and the API.

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::auth::Visitor;

/// Server-Sent Events: `board` each time a report of the user's Ambiti changes, with
/// `{"ambito_id","report_id"}`; a comment every 15 s keeps proxies from closing the stream.
pub async fn board_events(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let ambiti: Vec<i64> = visitor
        .principal()
        .map(|who| {
            presidio_app::cases::readable_ambiti(who)
                .iter()
                .map(|a| a.0)
                .collect()
        })
        .unwrap_or_default();
    let receiver = state.board.subscribe();
    let stream = stream::unfold((receiver, ambiti), |(mut rx, ambiti)| async move {
        loop {
            match rx.recv().await {
                Ok(event) if ambiti.contains(&event.ambito_id) => {
                    let data = serde_json::to_string(&event).unwrap_or_default();
                    let sse = Event::default().event("board").data(data);
                    return Some((Ok(sse), (rx, ambiti)));
                }
                Ok(_) => {}
                // Fell behind: one refresh covers whatever was missed.
                Err(RecvError::Lagged(_)) => {
                    let sse = Event::default().event("board").data("{}");
                    return Some((Ok(sse), (rx, ambiti)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
