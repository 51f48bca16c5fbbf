//! The permission matrix, enforced: every role tries every action that has a route, through
//! the routes a browser uses; what the matrix refuses is refused with the same clear words
//! and changes nothing. (Invites and member management arrive with their own pages.)

mod common;

use common::{add_person, location, sign_in_as, spawn_app, Backend, Landing, TestApp};
use engine::domain::{Permission, Role};
use reqwest::StatusCode;
use sqlx::Row;

const REFUSED: &str = "Your role in this workspace does not allow that.";

/// A fresh Tether with one connected sandbox channel and a viewer to manage, and a browser
/// signed in with `role`; with the channel's and the viewer's ids.
async fn workspace_with(backend: Backend, role: Role) -> (TestApp, TestApp, i64, i64) {
    let owner = spawn_app(backend).await;
    owner.set_up_owner().await;
    let consent = owner.start_connect("Studio").await;
    let callback = owner.consent(&consent, "approve").await;
    owner.finish(&callback).await;
    let channel_id: i64 = sqlx::query("SELECT id FROM channels")
        .fetch_one(owner.engine.db().pool())
        .await
        .unwrap()
        .get("id");
    let target = add_person(&owner, "target@example.com", "Target", Role::Viewer).await;
    let member = match role {
        // The person who set Tether up is an owner already.
        Role::Owner => owner.clone(),
        _ => {
            let email = format!("{}@example.com", role.as_str());
            add_person(&owner, &email, "Member", role).await;
            sign_in_as(&owner, &email).await
        }
    };
    (owner, member, channel_id, target)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get(0)
}

/// Posts a form and tells whether the matrix let it through: a refusal sends the person
/// back to the dashboard, which then names the refusal.
async fn allowed(member: &TestApp, path: &str, form: &[(&str, &str)]) -> bool {
    let response = member.post_form(path, form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    let to = location(&response);
    // The page it leads back to may itself be one the role cannot see (403).
    let landing = member
        .get(if to.starts_with('/') { &to } else { "/" })
        .await
        .text()
        .await
        .unwrap();
    !landing.contains(REFUSED)
}

/// The sandbox consent page is where connecting and reauthorizing lead.
async fn leads_to_consent(member: &TestApp, path: &str, form: &[(&str, &str)]) -> bool {
    let response = member.post_form(path, form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
    let to = location(&response);
    if to.contains("/sandbox/sandbox/authorize") {
        return true;
    }
    assert_eq!(to, "/", "{path}: neither consent nor the dashboard");
    assert!(
        member.page("/").await.contains(REFUSED),
        "{path}: refused without words"
    );
    false
}

async fn every_role_tries_every_action(backend: Backend) {
    for role in Role::ALL {
        let (owner, member, id, target) = workspace_with(backend, role).await;
        let cell = |permission: Permission, got: bool| {
            assert_eq!(got, role.may(permission), "{role:?} × {permission:?}");
        };
        let channel = format!("/channels/{id}");

        // Everyone sees the channel's state; its history (who did what, with which
        // scopes) only with the permission, and the page says so.
        let page = member.page(&channel).await;
        assert!(page.contains("Authenticated"), "{role:?} sees the state");
        cell(
            Permission::SeeTokenMetadata,
            page.contains(r#"data-testid="history""#),
        );
        if !role.may(Permission::SeeTokenMetadata) {
            assert!(page.contains("Your role does not show who did what"));
        }
        // Who connected it is token metadata too, on the channel page and the dashboard.
        let dashboard = member.page("/").await;
        cell(
            Permission::SeeTokenMetadata,
            page.contains("by Ada Owner") && dashboard.contains("Connected by Ada Owner"),
        );
        if !role.may(Permission::SeeTokenMetadata) {
            assert!(!dashboard.contains("Connected by"), "{role:?}");
        }

        let form = [
            ("network", "sandbox"),
            ("name", "Second"),
            ("access", "metrics"),
        ];
        cell(
            Permission::Connect,
            leads_to_consent(&member, "/channels/connect", &form).await,
        );
        cell(
            Permission::Reauthorize,
            leads_to_consent(&member, &format!("{channel}/reauthorize"), &[]).await,
        );
        let refreshes = |state: serde_json::Value| state["counters"]["refreshes"].as_u64();
        let before = refreshes(owner.sandbox_state("sandbox").await);
        let refreshed = allowed(&member, &format!("{channel}/refresh"), &[]).await;
        cell(Permission::Reauthorize, refreshed);
        let after = refreshes(owner.sandbox_state("sandbox").await);
        assert_eq!(
            after != before,
            refreshed,
            "the network saw a refresh only if allowed"
        );
        cell(
            Permission::Transfer,
            leads_to_consent(
                &member,
                &format!("{channel}/reauthorize"),
                &[("handover", "true")],
            )
            .await,
        );

        // Refused with 403 and its page; allowed with the list.
        let members_page = member.get("/settings/members").await.text().await.unwrap();
        cell(
            Permission::ManageMembers,
            members_page.contains("target@example.com"),
        );
        let promoted = allowed(
            &member,
            &format!("/settings/members/{target}/role"),
            &[("role", "editor")],
        )
        .await;
        cell(Permission::ManageMembers, promoted);
        let editors = "SELECT COUNT(*) FROM memberships WHERE role = 'editor'";
        let expected_editors = i64::from(role == Role::Editor) + i64::from(promoted);
        assert_eq!(count(&owner, editors).await, expected_editors);

        let added = allowed(
            &member,
            "/settings/members",
            &[
                ("display_name", "New Person"),
                ("email", "new@example.com"),
                ("role", "viewer"),
            ],
        )
        .await;
        cell(Permission::ManageMembers, added);
        let newcomers = "SELECT COUNT(*) FROM users WHERE email = 'new@example.com'";
        assert_eq!(count(&owner, newcomers).await, i64::from(added));

        let keys = "SELECT COUNT(*) FROM api_keys";
        let made = allowed(&member, "/settings/api-keys", &[("name", "Reporting")]).await;
        cell(Permission::ManageApiKeys, made);
        assert_eq!(count(&owner, keys).await, i64::from(made));

        let hooks = "SELECT COUNT(*) FROM webhooks";
        let hooked = allowed(
            &member,
            "/settings/webhooks",
            &[("url", "https://hooks.example.com/in"), ("format", "json")],
        )
        .await;
        cell(Permission::ManageApiKeys, hooked);
        assert_eq!(count(&owner, hooks).await, i64::from(hooked));

        let invites = "SELECT COUNT(*) FROM invites";
        let invited = allowed(
            &member,
            "/settings/invites",
            &[
                ("target", "new:sandbox:profile"),
                ("name", "Creator"),
                ("access", "metrics"),
                ("expires_in_days", "7"),
            ],
        )
        .await;
        cell(Permission::Invite, invited);
        assert_eq!(count(&owner, invites).await, i64::from(invited));

        // Reminder days are the workspace's: those who manage members set them.
        let reminders = allowed(&member, "/settings/reminders", &[("days", "9")]).await;
        cell(Permission::ManageMembers, reminders);
        let days = "SELECT COUNT(*) FROM workspaces WHERE reminder_days = '9'";
        assert_eq!(count(&owner, days).await, i64::from(reminders));

        // Anyone may watch a channel; naming a back-up admin is a transfer of duty.
        assert!(
            allowed(
                &member,
                &format!("{channel}/followers"),
                &[("role", "watcher")]
            )
            .await
        );
        let backup = allowed(
            &member,
            &format!("{channel}/followers"),
            &[("role", "backup"), ("user_id", "1")],
        )
        .await;
        cell(Permission::Transfer, backup);
        let backups = "SELECT COUNT(*) FROM channel_followers WHERE role = 'backup'";
        assert_eq!(count(&owner, backups).await, i64::from(backup));

        let credentials = "SELECT COUNT(*) FROM credentials";
        let unlinked = allowed(&member, &format!("{channel}/unlink"), &[]).await;
        cell(Permission::Unlink, unlinked);
        assert_eq!(count(&owner, credentials).await, i64::from(!unlinked));

        let renamed = allowed(
            &member,
            &format!("{channel}/rename"),
            &[("name", "Renamed")],
        )
        .await;
        cell(Permission::Connect, renamed);
        let named = "SELECT COUNT(*) FROM channels WHERE name = 'Renamed'";
        assert_eq!(count(&owner, named).await, i64::from(renamed));

        let channels = "SELECT COUNT(*) FROM channels";
        let deleted = allowed(&member, &format!("{channel}/delete"), &[]).await;
        cell(Permission::Delete, deleted);
        assert_eq!(count(&owner, channels).await, i64::from(!deleted));

        // Last: creating a workspace moves the creator's session into it.
        let created = allowed(&member, "/workspaces", &[("name", "Client B")]).await;
        cell(Permission::ManageWorkspace, created);
        let workspaces = "SELECT COUNT(*) FROM workspaces";
        assert_eq!(count(&owner, workspaces).await, 1 + i64::from(created));
    }
}

/// A page someone may not see, one that does not exist and a picker link already used
/// answer as pages: the right status, a title, a heading, the top bar and a way back, and
/// the reason in words without "error running server function".
async fn refused_missing_and_spent_pages_are_pages(backend: Backend) {
    let (owner, viewer, channel, _) = workspace_with(backend, Role::Viewer).await;
    let check = |response: reqwest::Response, status: u16, heading: &'static str| async move {
        assert_eq!(response.status().as_u16(), status, "{heading}");
        let html = response.text().await.unwrap();
        for part in [
            format!("<h1>{heading}</h1>"),
            format!("<title>{heading} · Tether</title>"),
            "class=\"topbar\"".to_owned(),
            "href=\"/\"".to_owned(),
        ] {
            assert!(html.contains(&part), "{part}: {html}");
        }
        assert!(!html.contains("error running server function"), "{html}");
        html
    };
    let html = check(
        viewer.get("/settings/members").await,
        403,
        "Not for your role",
    )
    .await;
    assert!(html.contains(REFUSED), "{html}");
    check(
        viewer.get("/settings/webhooks").await,
        403,
        "Not for your role",
    )
    .await;
    check(owner.get("/channels/987654").await, 404, "Not found").await;
    assert_ne!(channel, 987654);

    // A picker link used once is gone.
    let consent = owner.start_connect_on("facebook", "Pages", "metrics").await;
    let callback = owner.consent_as(&consent, "fb-501", "approve", &[]).await;
    let Landing::Pick(path) = owner.land(&callback).await else {
        panic!("two pages: a picker");
    };
    owner.pick(&path, None).await;
    check(owner.get(&path).await, 410, "No longer available").await;
}

on_both_backends!(
    every_role_tries_every_action,
    refused_missing_and_spent_pages_are_pages,
);
