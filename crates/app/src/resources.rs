//! The resource directory of an Ambito (dormitories, shelters, hotels, meal services) with its
//! free places, shared by the resources page, the API and the report page's booking.

use presidio_db::StoredResource;
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::resources::{Resource, may_read_address};

use crate::{App, AppError, Caller};

/// The Ambito whose directory `who` reads (the first where they may), when they also hold
/// `needs` there; forbidden otherwise.
pub fn directory(who: &Principal, needs: Permission) -> Result<AmbitoId, AppError> {
    who.ambiti_with(Permission::ReadResources)
        .first()
        .copied()
        .filter(|a| who.may_in(needs, *a))
        .ok_or(AppError::Forbidden)
}

/// A resource as the user may see it.
#[derive(Debug)]
pub struct Listed {
    /// With the address and the notes emptied when the user may not read them (a protected
    /// shelter's notes can say where it is).
    pub stored: StoredResource,
    pub readable: bool,
}

impl Listed {
    fn of(who: &Principal, ambito: AmbitoId, mut stored: StoredResource) -> Self {
        let readable = may_read_address(who, ambito, stored.resource.confidentiality);
        if !readable {
            stored.resource.address.clear();
            stored.resource.notes.clear();
        }
        Self { stored, readable }
    }
}

/// The resources of the user's Ambito with their free places.
pub async fn list(app: &App, who: &Principal) -> Result<(AmbitoId, Vec<Listed>), AppError> {
    let ambito = directory(who, Permission::ReadResources)?;
    let listed = app
        .db
        .resources(ambito)
        .await?
        .into_iter()
        .map(|stored| Listed::of(who, ambito, stored))
        .collect();
    Ok((ambito, listed))
}

/// Records a validated resource in the user's Ambito (coordinators); all its places free.
pub async fn create(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    resource: &Resource,
) -> Result<i64, AppError> {
    let ambito = directory(who, Permission::ManageResources)?;
    let id = app
        .db
        .create_resource(ambito, resource, &app.entry(caller, Action::Write))
        .await?;
    app.caches.invalidate();
    Ok(id)
}

/// Sets the free places of a resource (operators and coordinators) if `version` is the one
/// read (conflict otherwise); more than the capacity is refused on `free`. The new version.
pub async fn set_free(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    free: u32,
    version: i64,
) -> Result<i64, AppError> {
    let ambito = directory(who, Permission::WriteCases)?;
    let version = app
        .db
        .set_free_places(ambito, id, free, version, &app.entry(caller, Action::Write))
        .await?;
    app.caches.invalidate();
    Ok(version)
}

/// The resources of `ambito` with free places (for a user who reads that Ambito's directory:
/// the field operator of one of its cases).
pub async fn free_in(
    app: &App,
    who: &Principal,
    ambito: AmbitoId,
) -> Result<Vec<Listed>, AppError> {
    if !who.may_in(Permission::ReadResources, ambito) {
        return Err(AppError::Forbidden);
    }
    Ok(app
        .db
        .resources(ambito)
        .await?
        .into_iter()
        .filter(|r| r.free > 0)
        .map(|stored| Listed::of(who, ambito, stored))
        .collect())
}
