//! Managing members: only an owner touches an owner or makes one, nobody changes their own
//! membership, a removed member's session stops reaching the workspace at once, and someone
//! added from the members page chooses their password through a single-use welcome link.

mod common;

use chrono::TimeDelta;
use common::{
    add_person, location, person, person_in_new_workspace, sign_in_as, spawn_app, Backend, TestApp,
    OWNER_PASSWORD,
};
use engine::domain::Role;
use reqwest::StatusCode;
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
    assert!(app
        .engine
        .remove_member(&bo, ada.user_id, false)
        .await
        .is_err());
    assert!(app.engine.change_role(&bo, cy, Role::Owner).await.is_err());
    assert_eq!(role_of(ada.user_id).await.as_deref(), Some("owner"));
    assert_eq!(role_of(cy).await.as_deref(), Some("editor"));
    // Nobody changes their own membership, so the last owner cannot step down by mistake.
    assert!(app
        .engine
        .change_role(&ada, ada.user_id, Role::Viewer)
        .await
        .is_err());
    assert!(app
        .engine
        .remove_member(&ada, ada.user_id, false)
        .await
        .is_err());
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
    app.engine
        .remove_member(&ada, bo.user_id, false)
        .await
        .unwrap();
    assert_eq!(role_of(bo.user_id).await, None);
    let page = bo_browser.page("/").await;
    assert!(page.contains("Sign in"), "{page}");
}

/// Adds someone with the members form; returns the page after it.
async fn add_with_form(app: &TestApp, name: &str, email: &str, role: &str) -> String {
    let response = app
        .post_form(
            "/settings/members",
            &[("display_name", name), ("email", email), ("role", role)],
        )
        .await;
    assert_eq!(location(&response), "/settings/members");
    app.page("/settings/members").await
}

fn shown_welcome_link(page: &str) -> String {
    let document = scraper::Html::parse_document(page);
    let selector = scraper::Selector::parse("input#welcome-link").unwrap();
    let link = document
        .select(&selector)
        .next()
        .expect("the welcome link is shown once")
        .value()
        .attr("value")
        .unwrap();
    url::Url::parse(link).unwrap().path().to_owned()
}

async fn admins_add_people_who_choose_their_password(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let page = add_with_form(&app, "Nina Editor", "nina@example.com", "editor").await;
    assert!(page.contains("A mail went to nina@example.com"), "{page}");
    let link = shown_welcome_link(&page);
    assert!(
        !app.page("/settings/members").await.contains(&link),
        "shown once"
    );
    let outbox = app.data_dir.path().join("outbox");
    let mails = engine::mail::read_outbox(&outbox, 1);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "nina@example.com");
    assert_eq!(
        mails[0].subject,
        "Ada Owner added you to Acme Social on Tether"
    );
    // The link signs its holder in: the recipient's copy has it, the outbox page does not.
    assert_eq!(mails[0].text, None);
    let delivered = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|file| std::fs::read(file.unwrap().path()).unwrap())
        .find_map(|bytes| {
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            Some(message.body_text(0)?.into_owned())
        })
        .unwrap();
    assert!(delivered.contains(&link));
    let shown = app.page("/settings/outbox").await;
    assert!(shown.contains("only they may read it"), "{shown}");
    assert!(!shown.contains(&link));
    // Until the link is used, nobody knows a password for the new account.
    assert!(app.engine.sign_in("nina@example.com", "").await.is_err());

    let nina = app.other_browser();
    let welcome = nina.page(&link).await;
    assert!(welcome.contains("Welcome, Nina Editor"), "{welcome}");
    assert!(welcome.contains("Ada Owner added you to “Acme Social”"));
    let short = nina.post_form(&link, &[("password", "short")]).await;
    assert_eq!(location(&short), link);
    assert!(nina.page(&link).await.contains("at least 12 characters"));
    let chosen = nina
        .post_form(&link, &[("password", "a long new password")])
        .await;
    assert_eq!(location(&chosen), "/");
    let dashboard = nina.page("/").await;
    assert!(dashboard.contains("Acme Social") && dashboard.contains("Nina Editor"));
    assert!(app
        .engine
        .sign_in("nina@example.com", "a long new password")
        .await
        .is_ok());
    let again = nina.get(&link).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already been used"));

    // Twice is refused; an admin makes no owner.
    let page = add_with_form(&app, "Nina Editor", "nina@example.com", "viewer").await;
    assert!(page.contains("already a member here (editor)"), "{page}");
    add_person(&app, "ann@example.com", "Ann Admin", Role::Admin).await;
    let ann = sign_in_as(&app, "ann@example.com").await;
    let page = add_with_form(&ann, "Otto", "otto@example.com", "owner").await;
    assert!(
        page.contains("Only an owner can make someone an owner."),
        "{page}"
    );

    // Someone with an account elsewhere joined silently, and whoever could sign in as them
    // was let in: now they join only once they accept, on their own account page.
    let (bo, ..) = person_in_new_workspace(&app, Role::Admin).await;
    let page = add_with_form(&app, "Bo", "bo@example.com", "viewer").await;
    assert!(
        page.contains("already has an account: they join once they accept"),
        "{page}"
    );
    assert!(!page.contains("welcome-link"));
    let memberships_of_bo = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'bo@example.com'")
            .fetch_one(app.engine.db().pool())
            .await
            .unwrap()
    };
    assert_eq!(
        memberships_of_bo().await,
        1,
        "not a member before accepting"
    );
    let acme: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = 'Acme Social'")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    let switched = bo
        .post_form("/workspace/switch", &[("workspace_id", &acme.to_string())])
        .await;
    assert!(
        !bo.page("/").await.contains("Acme Social"),
        "{}",
        location(&switched)
    );
    let account = bo.page("/account").await;
    assert!(
        account.contains("Ada Owner invites you as viewer"),
        "{account}"
    );
    // Declined: still not a member; asked again, they accept.
    let declined = bo
        .post_form(&format!("/account/offers/{acme}/decline"), &[])
        .await;
    assert_eq!(location(&declined), "/account");
    assert!(bo
        .page("/account")
        .await
        .contains("You declined to join “Acme Social”."));
    assert_eq!(memberships_of_bo().await, 1);
    add_with_form(&app, "Bo", "bo@example.com", "viewer").await;
    let accepted = bo
        .post_form(&format!("/account/offers/{acme}/accept"), &[])
        .await;
    assert_eq!(location(&accepted), "/account");
    assert!(bo
        .page("/account")
        .await
        .contains("You joined “Acme Social”"));
    assert_eq!(memberships_of_bo().await, 2);
    // Answered once: the offer is gone.
    let again = bo
        .post_form(&format!("/account/offers/{acme}/accept"), &[])
        .await;
    assert_eq!(location(&again), "/account");
    assert!(bo.page("/account").await.contains("no longer open"));

    // A welcome link lasts 7 days.
    let page = add_with_form(&app, "Late Larry", "larry@example.com", "viewer").await;
    let late = shown_welcome_link(&page);
    app.advance(TimeDelta::days(7));
    let expired = app.other_browser().get(&late).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired.text().await.unwrap().contains("expired"));
    let forged = format!("/welcome/{}", engine::crypto::random_token().expose());
    assert_eq!(
        app.other_browser().get(&forged).await.status(),
        StatusCode::GONE
    );
}

async fn people_in_two_workspaces_switch_between_them(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let consent = app.start_connect("Acme studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    // Bo runs his own agency and joins Acme as a viewer.
    let (bo, _, agency) = person_in_new_workspace(&app, Role::Admin).await;
    app.advance(TimeDelta::minutes(1));
    add_with_form(&app, "Bo", "bo@example.com", "viewer").await;
    let acme: i64 = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = 'Acme Social'")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    bo.post_form(&format!("/account/offers/{acme}/accept"), &[])
        .await;
    // Joining another workspace does not move his session: the first joined stays.
    let first = bo.page("/").await;
    assert!(first.contains("Bo&#x27;s Agency") || first.contains("Bo's Agency"));
    assert!(!first.contains("Acme studio"));

    let response = bo
        .post_form("/workspace/switch", &[("workspace_id", &acme.to_string())])
        .await;
    assert_eq!(location(&response), "/");
    let acme_view = bo.page("/").await;
    assert!(acme_view.contains("Acme studio"), "{acme_view}");
    assert!(acme_view.contains("viewer") && !acme_view.contains(r#"href="/settings/members""#));

    // Only to workspaces of one's own; the session stays where it was.
    let stranger: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (name, created_at) VALUES ('Elsewhere', 0) RETURNING id",
    )
    .fetch_one(app.engine.db().pool())
    .await
    .unwrap();
    let refused = bo
        .post_form(
            "/workspace/switch",
            &[("workspace_id", &stranger.to_string())],
        )
        .await;
    assert!(bo
        .page(&location(&refused))
        .await
        .contains("That was not found."));
    assert!(bo.page("/").await.contains("Acme studio"));
    bo.post_form(
        "/workspace/switch",
        &[("workspace_id", &agency.to_string())],
    )
    .await;
    assert!(!bo.page("/").await.contains("Acme studio"));
}

/// A removed admin's API key kept handing out tokens: removing someone offers to revoke
/// the keys and webhooks they created, and the lists say who created each.
async fn removing_a_member_can_revoke_the_keys_and_webhooks_they_created(backend: Backend) {
    use engine::domain::ApiKeyName;
    use engine::webhooks::WebhookFormat;
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    add_person(&app, "bo@example.com", "Bo Admin", Role::Admin).await;
    add_person(&app, "di@example.com", "Di Admin", Role::Admin).await;
    let bo = person(&app, "bo@example.com", common::PASSWORD).await;
    let di = person(&app, "di@example.com", common::PASSWORD).await;
    let key_of = |who| {
        let app = &app;
        async move {
            app.engine
                .create_api_key(
                    who,
                    &ApiKeyName::parse("their script").unwrap(),
                    &engine::api_keys::KeyTerms::default(),
                )
                .await
                .unwrap()
                .secret
        }
    };
    let (bo_key, di_key) = (key_of(&bo).await, key_of(&di).await);
    app.engine
        .create_webhook(&bo, "http://127.0.0.1:9/bo", WebhookFormat::Json)
        .await
        .unwrap();
    let works = |key: engine::crypto::Secret| {
        let url = app.url("/api/v1/channels");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(key.expose())
                .send()
                .await
                .unwrap()
                .status()
                == StatusCode::OK
        }
    };
    assert!(works(bo_key.clone()).await && works(di_key.clone()).await);

    assert!(app.page("/settings/webhooks").await.contains("by Bo Admin"));
    assert!(app.page("/settings/api-keys").await.contains("by Di Admin"));
    let members = app.page("/settings/members").await;
    assert!(
        members.contains("Also revoke the 1 API key and 1 webhook they created"),
        "{members}"
    );

    let removed = app
        .post_form(
            &format!("/settings/members/{}/remove", bo.user_id),
            &[("revoke_theirs", "yes")],
        )
        .await;
    assert_eq!(location(&removed), "/settings/members");
    assert!(app
        .page("/settings/members")
        .await
        .contains("The 1 API key and 1 webhook they created no longer work."));
    assert!(!works(bo_key).await, "the removed admin's key is revoked");
    let hooks = app.page("/settings/webhooks").await;
    assert!(hooks.contains("removed"), "{hooks}");

    // Left unticked, what they created keeps working, as the person removing them chose.
    let removed = app
        .post_form(&format!("/settings/members/{}/remove", di.user_id), &[])
        .await;
    assert_eq!(location(&removed), "/settings/members");
    assert!(works(di_key).await);
}

/// Only the first set-up made a workspace, so an agency could not keep one per client: an
/// owner creates one and acts in it at once, with nothing of the first one in it; renames
/// it; and deletes it, which is refused while it holds channels or is their only one.
/// Admins do none of it.
async fn owners_keep_a_workspace_per_client(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let flash_of = |response: reqwest::Response| {
        let app = app.clone();
        async move {
            assert_eq!(location(&response), "/account");
            app.page("/account").await
        }
    };
    let alone = flash_of(app.post_form("/settings/workspace/delete", &[]).await).await;
    assert!(
        alone.contains(
            "“Acme Social” is your only workspace; create another before deleting this one."
        ),
        "{alone}"
    );
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    app.post_form("/settings/api-keys", &[("name", "Reporting")])
        .await;

    let created = flash_of(
        app.post_form("/workspaces", &[("name", "  Lind Bakery ")])
            .await,
    )
    .await;
    assert!(
        created.contains("Created “Lind Bakery”: you own it and act in it now"),
        "{created}"
    );
    let dashboard = app.page("/").await;
    assert!(
        dashboard.contains("Lind Bakery") && dashboard.contains("No channels yet"),
        "{dashboard}"
    );
    assert!(
        !dashboard.contains("Studio"),
        "nothing of the first workspace: {dashboard}"
    );
    assert!(!app.page("/settings/api-keys").await.contains("Reporting"));
    let account = app.page("/account").await;
    assert!(account.contains("Acme Social") && account.contains("the one you act in now"));
    // What needs the owner in the other workspace shows here, with the way there.
    sqlx::query("UPDATE credentials SET dead_reason = 'revoked'")
        .execute(app.engine.db().pool())
        .await
        .unwrap();
    let dashboard = app.page("/").await;
    assert!(
        dashboard.contains("Acme Social: 1 channel needs attention"),
        "{dashboard}"
    );
    assert!(dashboard.contains("Switch to Acme Social"));

    let renamed = flash_of(
        app.post_form("/settings/workspace/rename", &[("name", "Lind Bakery EU")])
            .await,
    )
    .await;
    assert!(
        renamed.contains("Renamed “Lind Bakery” to “Lind Bakery EU”."),
        "{renamed}"
    );
    let refused = flash_of(
        app.post_form("/settings/workspace/rename", &[("name", " ")])
            .await,
    )
    .await;
    assert!(
        refused.contains("The workspace name must not be empty."),
        "{refused}"
    );
    let too_long = "w".repeat(81);
    let refused = flash_of(
        app.post_form("/settings/workspace/rename", &[("name", too_long.as_str())])
            .await,
    )
    .await;
    assert!(refused.contains("at most 80 characters"), "{refused}");

    let deleted = flash_of(app.post_form("/settings/workspace/delete", &[]).await).await;
    assert!(
        deleted.contains("Deleted the workspace “Lind Bakery EU”."),
        "{deleted}"
    );
    assert!(
        app.page("/").await.contains("Studio"),
        "back in the first workspace"
    );
    assert!(!app.page("/").await.contains(r#"data-testid="elsewhere""#));
    let holding = flash_of(app.post_form("/settings/workspace/delete", &[]).await).await;
    assert!(
        holding.contains("“Acme Social” still holds 1 channel: delete it first"),
        "{holding}"
    );
    let workspaces: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspaces")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(workspaces, 1);

    add_person(&app, "bo@example.com", "Bo Admin", Role::Admin).await;
    let bo = sign_in_as(&app, "bo@example.com").await;
    assert!(!bo.page("/account").await.contains("Create workspace"));
    for (path, form) in [
        ("/workspaces", vec![("name", "Bo's own")]),
        ("/settings/workspace/rename", vec![("name", "Bo's now")]),
        ("/settings/workspace/delete", vec![]),
    ] {
        let refused = bo.post_form(path, &form).await;
        assert!(
            bo.page(&location(&refused))
                .await
                .contains("Your role in this workspace does not allow that."),
            "{path}"
        );
    }
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM workspaces")
        .fetch_all(app.engine.db().pool())
        .await
        .unwrap();
    assert_eq!(names, ["Acme Social"]);
}

on_both_backends!(
    owners_stay_in_charge_and_removal_takes_effect_at_once,
    admins_add_people_who_choose_their_password,
    people_in_two_workspaces_switch_between_them,
    removing_a_member_can_revoke_the_keys_and_webhooks_they_created,
    owners_keep_a_workspace_per_client,
);
