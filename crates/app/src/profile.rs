//! One's own account: the profile (sessions, second factor, address for alerts), the password
//! change and signing out, here or everywhere.

use presidio_domain::access::Principal;
use presidio_domain::audit::Action;
use presidio_domain::outbox::{Channel, Kind, unchosen};
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

/// What the profile shows of the account.
#[derive(Debug)]
pub struct Profile {
    /// Sessions open, this one included.
    pub sessions: i64,
    pub second_factor: bool,
    /// Empty when none is set.
    pub alert_email: String,
    /// The mobile number for SMS alerts; empty when none is set.
    pub mobile: String,
    /// Whether an SMS gateway is configured.
    pub sms: bool,
    /// The devices subscribed to push, newest first.
    pub devices: Vec<presidio_db::StoredSubscription>,
    /// The key a device subscribes with (base64url).
    pub push_key: String,
    /// The channels chosen for each kind of message that is not a safety message.
    pub channels: Vec<ChannelChoice>,
}

/// The channels a kind of message takes to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelChoice {
    pub kind: Kind,
    pub email: bool,
    pub push: bool,
    pub sms: bool,
}

impl ChannelChoice {
    fn takes(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email,
            Channel::Push => self.push,
            Channel::Sms => self.sms,
        }
    }
}

/// A choice as given: the kind's code and the channels.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChannelInput<'a> {
    pub kind: &'a str,
    pub email: bool,
    pub push: bool,
    pub sms: bool,
}

/// The profile of the signed-in user.
pub async fn profile(app: &App, who: &Principal) -> Result<Profile, AppError> {
    Ok(Profile {
        sessions: app.db.session_count(who.user_id).await?,
        second_factor: app.db.second_factor(who.user_id).await?.is_some(),
        alert_email: app.db.alert_email(who.user_id).await?.unwrap_or_default(),
        mobile: app.db.mobile(who.user_id).await?.unwrap_or_default(),
        sms: app.field.sms.is_some(),
        devices: app.db.subscriptions_of(who.user_id).await?,
        push_key: crate::push::ensure_key(app).await?,
        channels: channels(app, who).await?,
    })
}

/// The channels the signed-in user takes for each kind of message they choose for, in the
/// domain's order; a kind never chosen shows the default (e-mail only).
pub async fn channels(app: &App, who: &Principal) -> Result<Vec<ChannelChoice>, AppError> {
    let stored = app.db.channel_choices(who.user_id).await?;
    let take = |kind: Kind, channel: Channel| {
        stored
            .iter()
            .find(|(k, c, _)| *k == kind.code() && *c == channel.code())
            .map_or(unchosen(kind, channel), |(_, _, on)| *on)
    };
    Ok(Kind::CHOSEN
        .iter()
        .map(|&kind| ChannelChoice {
            kind,
            email: take(kind, Channel::Email),
            push: take(kind, Channel::Push),
            sms: take(kind, Channel::Sms),
        })
        .collect())
}

/// Sets the channels of the kinds `given` names (the others keep theirs), audited. Refused on
/// `channels[i].kind` (unknown, a safety message's, or twice) with nothing changed.
pub async fn set_channels(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    given: &[ChannelInput<'_>],
) -> Result<Vec<ChannelChoice>, AppError> {
    let mut choices = channels(app, who).await?;
    let mut refused = Invalid::default();
    let mut seen = Vec::new();
    for (i, input) in given.iter().enumerate() {
        let field = presidio_domain::validation::field_name(&format!("channels[{i}].kind"));
        let kind = Kind::parse(input.kind).filter(|k| Kind::CHOSEN.contains(k));
        let Some(kind) = kind else {
            refused.push(field, Problem::InvalidCode);
            continue;
        };
        if seen.contains(&kind) {
            refused.push(field, Problem::Duplicate);
            continue;
        }
        seen.push(kind);
        if let Some(c) = choices.iter_mut().find(|c| c.kind == kind) {
            *c = ChannelChoice {
                kind,
                email: input.email,
                push: input.push,
                sms: input.sms,
            };
        }
    }
    if !refused.is_empty() {
        return Err(refused.into());
    }
    let rows: Vec<(Kind, Channel, bool)> = choices
        .iter()
        .flat_map(|c| {
            Channel::ALL
                .iter()
                .map(move |&ch| (c.kind, ch, c.takes(ch)))
        })
        .collect();
    app.db
        .set_channel_choices(who.user_id, &rows, &app.entry(caller, Action::Write))
        .await?;
    Ok(choices)
}

/// Sets (or, empty, clears) one's own address for alerts and alarms; refused on `alert_email`.
pub async fn set_alert_email(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    raw: &str,
) -> Result<(), AppError> {
    let email = presidio_domain::validation::optional_email(raw)
        .map_err(|problem| Invalid::one("alert_email", problem))?;
    app.db
        .set_alert_email(
            who.user_id,
            email.as_deref(),
            &app.entry(caller, Action::Write),
        )
        .await?;
    Ok(())
}

/// Sets (or, empty, clears) one's own mobile number for SMS alerts; refused on `mobile`.
pub async fn set_mobile(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    raw: &str,
) -> Result<(), AppError> {
    let mobile = presidio_domain::validation::optional_mobile(raw)
        .map_err(|problem| Invalid::one("mobile", problem))?;
    app.db
        .set_mobile(
            who.user_id,
            mobile.as_deref(),
            &app.entry(caller, Action::Write),
        )
        .await?;
    Ok(())
}

/// A password change as typed.
#[derive(Debug, Default)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes one's own password, the current one asked again; every session but `keep` ends.
/// Refused on `current_password`, `password` (weak or unchanged) and `password_confirm`.
pub async fn change_password(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    change: PasswordChange,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = Invalid::default();
    let stored = app
        .db
        .credentials(&who.username)
        .await?
        .map(|c| c.password_hash);
    if !crate::password::verify(change.current.clone(), stored).await {
        errors.push("current_password", Problem::WrongPassword);
    }
    if let Err(problem) = presidio_domain::password::check(&change.new, &who.username) {
        errors.push("password", problem);
    } else if change.new == change.current {
        errors.push("password", Problem::PasswordUnchanged);
    }
    if change.new != change.confirm {
        errors.push("password_confirm", Problem::PasswordMismatch);
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hash = crate::password::hash(change.new).await;
    app.db
        .set_password(
            who.user_id,
            &hash,
            keep,
            &app.entry(caller, Action::PasswordChanged),
        )
        .await?;
    Ok(())
}

/// Ends the session whose secret hashes to `id_hash`.
pub async fn sign_out(app: &App, caller: Caller<'_>, id_hash: &str) -> Result<(), AppError> {
    app.db
        .end_session(id_hash, &app.entry(caller, Action::Logout))
        .await?;
    Ok(())
}

/// Ends every session of the user, on every device, and the API tokens they got by signing in.
pub async fn sign_out_everywhere(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
) -> Result<(), AppError> {
    let entry = app
        .entry(caller, Action::LogoutEverywhere)
        .record("user", who.user_id);
    app.db.end_sessions_of(who.user_id, &entry).await?;
    Ok(())
}
