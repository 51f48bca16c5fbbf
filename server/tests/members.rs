//! Managing members: only an owner touches an owner or makes one, nobody changes their own
//! membership, and a removed member's session stops reaching the workspace at once.

mod common;

use common::{add_person, person, sign_in_as, spawn_app, Backend, OWNER_PASSWORD};
use engine::domain::Role;
use sqlx::Row;

async fn owners_stay_in_charge_and_removal_takes_effect_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    add_person(&app, "bo@example.com", "Bo Admin", Role::Admin).await;
    let cy = add_person(&app, "cy@example.com", "Cy Editor", Role::Editor).await;
    let bo = person(&app, "bo@example.com", common::PASSWORD).await;
    let role_of = |user_id: i64| {
        let pool = app.engine.db().pool().clone();
        async move {
            sqlx::query("SELECT role FROM memberships WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&pool)
                .await
                .unwrap()
                .map(|row| row.get::<String, _>("role"))
        }
    };

    let listed = app.engine.members(&bo).await.unwrap();
    let order: Vec<Role> = listed.iter().map(|m| m.role).collect();
    assert_eq!(order, [Role::Owner, Role::Admin, Role::Editor]);

    // An admin neither touches the owner nor makes owners.
    assert!(app
        .engine
        .change_role(&bo, ada.user_id, Role::Viewer)
        .await
        .is_err());
    assert!(app.engine.remove_member(&bo, ada.user_id).await.is_err());
    assert!(app.engine.change_role(&bo, cy, Role::Owner).await.is_err());
    assert_eq!(role_of(ada.user_id).await.as_deref(), Some("owner"));
    assert_eq!(role_of(cy).await.as_deref(), Some("editor"));
    // Nobody changes their own membership, so the last owner cannot step down by mistake.
    assert!(app
        .engine
        .change_role(&ada, ada.user_id, Role::Viewer)
        .await
        .is_err());
    assert!(app.engine.remove_member(&ada, ada.user_id).await.is_err());
    assert!(app
        .engine
        .change_role(&bo, bo.user_id, Role::Owner)
        .await
        .is_err());
    // Someone of another workspace, or nobody, is not found here.
    assert!(app
        .engine
        .change_role(&ada, 9999, Role::Viewer)
        .await
        .is_err());

    // An admin manages editors; an owner makes owners.
    app.engine.change_role(&bo, cy, Role::Viewer).await.unwrap();
    assert_eq!(role_of(cy).await.as_deref(), Some("viewer"));
    app.engine.change_role(&ada, cy, Role::Owner).await.unwrap();
    assert_eq!(role_of(cy).await.as_deref(), Some("owner"));
    let changes: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM events WHERE kind = 'member_role_changed'")
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap()
            .get("n");
    assert_eq!(changes, 2);

    // Removing Bo: his signed-in browser is sent to sign in on its next page.
    let bo_browser = sign_in_as(&app, "bo@example.com").await;
    assert!(bo_browser.page("/").await.contains("Bo Admin"));
    app.engine.remove_member(&ada, bo.user_id).await.unwrap();
    assert_eq!(role_of(bo.user_id).await, None);
    let page = bo_browser.page("/").await;
    assert!(page.contains("Sign in"), "{page}");
}

on_both_backends!(owners_stay_in_charge_and_removal_takes_effect_at_once);
