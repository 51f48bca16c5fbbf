//! Invite links: created by owners and admins only, stored as a hash, opened without an
//! account, refused with clear words when unknown, expired, used or withdrawn; a creator
//! follows one through the network's consent and the channel appears in the workspace.

mod common;

use chrono::TimeDelta;
use common::{
    add_person, location, person, person_in_new_workspace, spawn_app, Backend, TestApp,
    OWNER_PASSWORD, PASSWORD,
};
use engine::domain::{ChannelName, Email, Role};
use engine::invites::{InviteRefused, InviteState, NewInvite, DEFAULT_DAYS};
use engine::networks::Access;
use reqwest::StatusCode;
use sqlx::Row;
use url::Url;

fn creator_invite() -> NewInvite {
    NewInvite {
        network: "sandbox".into(),
        kind: "profile".into(),
        channel_id: None,
        channel_name: Some(ChannelName::parse("Lena's channel").unwrap()),
        expected_account: Some("@lena".into()),
        access: Access::Metrics,
        expires_in_days: DEFAULT_DAYS,
        message: "Hi Lena, this lets us read your stats.".into(),
        recipient: Some(Email::parse("lena@example.com").unwrap()),
    }
}

async fn invite_count(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM invites")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("n")
}

async fn an_invite_is_created_opened_and_withdrawn(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    let created = app
        .engine
        .create_invite(&ada, creator_invite())
        .await
        .unwrap();
    let token = created.token.expose().to_owned();
    assert_eq!(token.len(), 43, "256 random bits, base64url");
    let stored: String = sqlx::query("SELECT token_hash FROM invites")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("token_hash");
    assert_ne!(stored, token, "only the hash is kept");

    let listed = app.engine.invites(&ada).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, InviteState::Sent);
    assert_eq!(listed[0].expected_account.as_deref(), Some("lena"));
    assert_eq!(listed[0].created_by.as_deref(), Some("Ada Owner"));
    assert_eq!(
        listed[0].expires_at - listed[0].created_at,
        DEFAULT_DAYS * 86_400
    );

    let opened = app.engine.open_invite(&token).await.unwrap().unwrap();
    assert_eq!(opened.workspace_name, "Acme Social");
    assert_eq!(opened.invite.created_by.as_deref(), Some("Ada Owner"));
    assert_eq!(opened.invite.channel_name, "Lena's channel");
    assert_eq!(opened.invite.access, Access::Metrics);
    assert_eq!(
        app.engine.invites(&ada).await.unwrap()[0].state,
        InviteState::Opened
    );
    // Opening again is fine until it is used; the first opening is what counts.
    assert!(app.engine.open_invite(&token).await.unwrap().is_ok());

    app.engine.revoke_invite(&ada, created.id).await.unwrap();
    assert_eq!(
        app.engine.invites(&ada).await.unwrap()[0].state,
        InviteState::Revoked
    );
    assert_eq!(
        app.engine.open_invite(&token).await.unwrap().unwrap_err(),
        InviteRefused::Revoked
    );
    assert!(app.engine.revoke_invite(&ada, created.id).await.is_err());
}

async fn expired_and_forged_links_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    let short = NewInvite {
        expires_in_days: 1,
        ..creator_invite()
    };
    let created = app.engine.create_invite(&ada, short).await.unwrap();
    app.advance(TimeDelta::days(1) - TimeDelta::seconds(1));
    assert!(app
        .engine
        .open_invite(created.token.expose())
        .await
        .unwrap()
        .is_ok());
    app.advance(TimeDelta::seconds(1));
    assert_eq!(
        app.engine
            .open_invite(created.token.expose())
            .await
            .unwrap()
            .unwrap_err(),
        InviteRefused::Expired
    );
    assert_eq!(
        app.engine.invites(&ada).await.unwrap()[0].state,
        InviteState::Expired
    );

    let forged = engine::crypto::random_token();
    for token in [forged.expose(), "", "not a token", &"a".repeat(500)] {
        assert_eq!(
            app.engine.open_invite(token).await.unwrap().unwrap_err(),
            InviteRefused::Unknown,
            "{token:?}"
        );
    }
    // A one-character change to a real link is a forged link.
    let mut altered = created.token.expose().to_owned();
    let last = if altered.ends_with('A') { "B" } else { "A" };
    altered.replace_range(42.., last);
    assert_eq!(
        app.engine.open_invite(&altered).await.unwrap().unwrap_err(),
        InviteRefused::Unknown
    );
}

async fn only_owners_and_admins_invite_and_bad_requests_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    for role in Role::ALL {
        let email = format!("{}@example.com", role.as_str());
        add_person(&app, &email, "Member", role).await;
        let member = person(&app, &email, PASSWORD).await;
        let before = invite_count(&app).await;
        let created = app.engine.create_invite(&member, creator_invite()).await;
        let listed = app.engine.invites(&member).await;
        let may = matches!(role, Role::Owner | Role::Admin);
        assert_eq!(created.is_ok(), may, "{role:?} creates");
        assert_eq!(listed.is_ok(), may, "{role:?} lists");
        assert_eq!(invite_count(&app).await, before + i64::from(may));
    }
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    let before = invite_count(&app).await;
    let refused = [
        NewInvite {
            network: "myspace".into(),
            ..creator_invite()
        },
        NewInvite {
            kind: "company_page".into(),
            ..creator_invite()
        },
        NewInvite {
            expires_in_days: 31,
            ..creator_invite()
        },
        NewInvite {
            channel_id: Some(9999),
            ..creator_invite()
        },
        NewInvite {
            expected_account: Some("two words".into()),
            ..creator_invite()
        },
    ];
    for invite in refused {
        let shown = format!("{invite:?}");
        assert!(
            app.engine.create_invite(&ada, invite).await.is_err(),
            "{shown}"
        );
    }
    assert_eq!(invite_count(&app).await, before, "nothing stored");

    // An invite to reauthorize takes its network, kind and name from the channel.
    let consent = app.start_connect("Studio").await;
    let callback = app.consent(&consent, "approve").await;
    app.finish(&callback).await;
    let channel_id: i64 = sqlx::query("SELECT id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("id");
    let reauthorize = NewInvite {
        channel_id: Some(channel_id),
        network: "x".into(),
        kind: "whatever".into(),
        ..creator_invite()
    };
    app.engine.create_invite(&ada, reauthorize).await.unwrap();
    let newest = &app.engine.invites(&ada).await.unwrap()[0];
    assert_eq!(
        (
            newest.network.as_str(),
            newest.kind.as_str(),
            newest.channel_name.as_str()
        ),
        ("sandbox", "profile", "Studio")
    );
}

/// Creates an invite with the admin's form; returns the link's path, read from the page
/// that shows it once.
async fn invite_by_form(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let mut form = vec![
        ("target", "new:sandbox:profile"),
        ("name", "Studio channel"),
        ("access", "metrics"),
        ("expires_in_days", "7"),
        ("message", "Hi! This lets us read your stats."),
    ];
    for (name, value) in fields {
        form.retain(|(n, _)| n != name);
        form.push((name, value));
    }
    let response = app.post_form("/settings/invites", &form).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/settings/invites");
    let html = app.page("/settings/invites").await;
    let document = scraper::Html::parse_document(&html);
    let selector = scraper::Selector::parse("input#new-link").unwrap();
    let link = document
        .select(&selector)
        .next()
        .expect("the new link is shown once")
        .value()
        .attr("value")
        .unwrap()
        .to_owned();
    assert!(
        !app.page("/settings/invites").await.contains(&link),
        "shown only once"
    );
    Url::parse(&link).unwrap().path().to_owned()
}

/// Someone without an account opens the link and presses “Continue”; returns the
/// network's consent URL.
async fn start_invited_consent(creator: &TestApp, link: &str) -> Url {
    let html = creator.page(link).await;
    assert!(html.contains("Ada Owner asks you to connect"), "{html}");
    let response = creator.post_form(&format!("{link}/consent"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    Url::parse(&location(&response)).unwrap()
}

/// Gives consent as `who` and follows the network back to Tether; returns where the
/// creator's browser was sent.
async fn consent_and_return(creator: &TestApp, consent: &Url, who: &str) -> String {
    let callback = creator.consent_as(consent, who, "approve", &[]).await;
    let response = creator.browser.get(callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

/// The page of a link that can no longer be used: 410 Gone, with the reason.
async fn gone(browser: &TestApp, link: &str) -> String {
    let response = browser.get(link).await;
    assert_eq!(response.status(), StatusCode::GONE);
    response.text().await.unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("n")
}

async fn a_creator_connects_through_an_invite_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let link = invite_by_form(&app, &[("expected_account", "@sandbox.studio")]).await;
    let creator = app.other_browser();
    let page = creator.page(&link).await;
    for words in [
        "Acme Social",
        "Studio channel",
        "Hi! This lets us read your stats.",
        "It cannot post",
        "remove Tether from the connected apps",
        "@sandbox.studio",
    ] {
        assert!(page.contains(words), "{words}");
    }
    let consent = start_invited_consent(&creator, &link).await;
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1001").await,
        "/invited"
    );
    let done = creator.page("/invited").await;
    assert!(
        done.contains("You&#x27;re connected") || done.contains("You're connected"),
        "{done}"
    );
    assert!(done.contains("@sandbox.studio"), "{done}");
    assert!(done.contains("it cannot post"), "{done}");
    // The confirmation is said once; a reload shows nothing.
    assert!(creator
        .page("/invited")
        .await
        .contains("Nothing to confirm here"));

    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    let channels = app.engine.channels(&ada).await.unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].name, "Studio channel");
    assert_eq!(channels[0].handle, "@sandbox.studio");
    assert_eq!(channels[0].access, Access::Metrics);
    assert_eq!(channels[0].connected_by.as_deref(), Some("Ada Owner"));
    let invite = &app.engine.invites(&ada).await.unwrap()[0];
    assert_eq!(invite.state, InviteState::Completed);
    assert_eq!(invite.completed_handle.as_deref(), Some("@sandbox.studio"));
    assert_eq!(invite.completed_channel_id, Some(channels[0].id));
    let detail: String = sqlx::query("SELECT detail FROM events WHERE kind = 'connected'")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("detail");
    assert!(
        detail.contains(&format!("\"invite_id\":{}", invite.id)),
        "{detail}"
    );
    let dashboard = app.page("/").await;
    assert!(dashboard.contains("Studio channel"));
    // The account holder consented, not the admin who sent the link; she is the one told.
    assert!(channels[0].through_invite);
    assert!(
        dashboard
            .contains("Consented by the account holder through an invite · Reminders to Ada Owner"),
        "{dashboard}"
    );
    assert!(!dashboard.contains("Connected by Ada Owner"), "{dashboard}");
    // The admin who sent it is told, once.
    let told = app.engine.notifications(&ada).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0].title,
        "@sandbox.studio connected “Studio channel” (Sandbox) through your invite"
    );
    assert!(app.page("/settings/invites").await.contains("Completed"));

    // Used once: 410, and the account holder opening it again is told it did its job.
    let used = gone(&creator, &link).await;
    assert!(used.contains("This link has done its job"), "{used}");
    assert!(
        used.contains("@sandbox.studio was connected on Sandbox"),
        "{used}"
    );
    assert!(!used.contains("Nothing was connected"), "{used}");
    let response = creator.post_form(&format!("{link}/consent"), &[]).await;
    assert_eq!(location(&response), link);
    assert_eq!(count(&app, "oauth_states").await, 0);
    assert_eq!(app.channel_count().await, 1);
}

/// From the list, each ticked channel's consent giver is mailed a reconnect invite: the
/// account holder an earlier invite was mailed to, or the member who connected it. A
/// channel with no one to send it to is named with the reason; a viewer is refused whole.
async fn reconnect_invites_go_to_whoever_gave_each_consent(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let pool = app.engine.db().pool().clone();
    let id_of = |name: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM channels WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    // Ada connects one herself.
    let consent = app
        .start_connect_on("sandbox", "Ada's own", "metrics")
        .await;
    let callback = app.consent_as(&consent, "sbx-1002", "approve", &[]).await;
    app.land(&callback).await;
    // Lena consents through an invite mailed to her.
    let link = invite_by_form(&app, &[("recipient", "lena@example.com")]).await;
    let lena = app.other_browser();
    let consent = start_invited_consent(&lena, &link).await;
    consent_and_return(&lena, &consent, "sbx-1001").await;
    // Omar, through a link Ada copied: no address is known.
    let link = invite_by_form(&app, &[("target", "new:x:profile"), ("name", "Omar on X")]).await;
    let omar = app.other_browser();
    let consent = start_invited_consent(&omar, &link).await;
    consent_and_return(&omar, &consent, "1460000000000000002").await;
    // One imported: no member connected it.
    let imported = serde_json::from_value::<engine::import::ImportedToken>(serde_json::json!({
        "network": "x", "kind": "profile", "account_id": "1460000000000000001",
        "handle": "@lindbakery", "name": "Imported bakery", "access_token": "imported-access",
    }))
    .unwrap();
    app.engine.import_tokens(1, &[imported], 1).await.unwrap();
    let invites_before = invite_count(&app).await;

    let ticked = [
        id_of("Ada's own").await,
        id_of("Studio channel").await,
        id_of("Omar on X").await,
        id_of("Imported bakery").await,
    ];
    let mut form = vec![
        ("which".to_owned(), "ticked".to_owned()),
        ("action".to_owned(), "invite".to_owned()),
        ("from".to_owned(), "/?show=all".to_owned()),
    ];
    form.extend(
        ticked
            .iter()
            .map(|id| ("channel".to_owned(), id.to_string())),
    );
    // Ticked twice (two tabs, a double submit): asked once.
    form.push(("channel".to_owned(), ticked[0].to_string()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // A viewer may not send invites: nothing is sent.
    add_person(&app, "vic@example.com", "Vic Viewer", Role::Viewer).await;
    let viewer = common::sign_in_as(&app, "vic@example.com").await;
    let refused = viewer.post_form("/channels/bulk", &form).await;
    assert!(viewer
        .page(&location(&refused))
        .await
        .contains("does not allow"));
    assert_eq!(invite_count(&app).await, invites_before);

    let response = app.post_form("/channels/bulk", &form).await;
    assert_eq!(location(&response), "/?show=all");
    let html = app.page("/?show=all").await;
    assert!(
        html.contains(
            "Reconnect invites mailed for 2 channels (to ada@example.com, lena@example.com)."
        ),
        "{html}"
    );
    assert!(
        html.contains("Not “Omar on X”: Its account holder consented through a link that was copied, not mailed"),
        "{html}"
    );
    assert!(
        html.contains("Not “Imported bakery”: No member of this workspace connected it"),
        "{html}"
    );
    assert_eq!(invite_count(&app).await, invites_before + 2);
    let reconnects: Vec<(Option<i64>, Option<String>)> = sqlx::query(
        "SELECT channel_id, recipient FROM invites WHERE channel_id IS NOT NULL ORDER BY id",
    )
    .fetch_all(app.engine.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get("channel_id"), row.get("recipient")))
    .collect();
    assert_eq!(
        reconnects,
        [
            (Some(ticked[0]), Some("ada@example.com".to_owned())),
            (Some(ticked[1]), Some("lena@example.com".to_owned())),
        ]
    );
    let mailed: Vec<String> = engine::mail::read_outbox(&app.data_dir.path().join("outbox"), 1)
        .into_iter()
        .filter(|m| m.to == "lena@example.com")
        .map(|m| m.subject)
        .collect();
    assert!(
        mailed
            .iter()
            .any(|subject| subject == "Ada Owner asks you to reconnect your Sandbox Profile"),
        "{mailed:?}"
    );
}

async fn links_withdrawn_expired_or_replayed_during_consent_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;

    // Withdrawn while the creator is at the network.
    let link = invite_by_form(&app, &[]).await;
    let creator = app.other_browser();
    let consent = start_invited_consent(&creator, &link).await;
    let id = app.engine.invites(&ada).await.unwrap()[0].id;
    app.engine.revoke_invite(&ada, id).await.unwrap();
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1001").await,
        link
    );
    assert!(gone(&creator, &link).await.contains("withdrawn"));
    assert_eq!(app.channel_count().await, 0);

    // Expired while the creator is at the network.
    let link = invite_by_form(&app, &[("expires_in_days", "1")]).await;
    app.advance(TimeDelta::days(1) - TimeDelta::minutes(1));
    let creator = app.other_browser();
    let consent = start_invited_consent(&creator, &link).await;
    app.advance(TimeDelta::minutes(2));
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1001").await,
        link
    );
    assert!(gone(&creator, &link).await.contains("expired"));
    assert_eq!(app.channel_count().await, 0);

    // The network's redirect replayed in a browser that did not start the consent.
    let link = invite_by_form(&app, &[]).await;
    let creator = app.other_browser();
    let consent = start_invited_consent(&creator, &link).await;
    let callback = creator
        .consent_as(&consent, "sbx-1001", "approve", &[])
        .await;
    let stranger = app.other_browser();
    let response = stranger.browser.get(callback.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.channel_count().await, 0);
    // The handshake is spent: not even the right browser can use it now.
    let response = creator.browser.get(callback).send().await.unwrap();
    assert_eq!(location(&response), link);
    assert!(creator
        .page(&link)
        .await
        .contains("cannot be completed any more"));
    assert_eq!(app.channel_count().await, 0);

    // Cancelled at the network: the link still works afterwards.
    let consent = start_invited_consent(&creator, &link).await;
    let callback = creator.consent_as(&consent, "sbx-1001", "deny", &[]).await;
    let response = creator.browser.get(callback).send().await.unwrap();
    assert_eq!(location(&response), link);
    assert!(creator.page(&link).await.contains("cancelled"));
    let consent = start_invited_consent(&creator, &link).await;
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1001").await,
        "/invited"
    );
    assert_eq!(app.channel_count().await, 1);
}

async fn the_wrong_account_or_one_linked_elsewhere_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let link = invite_by_form(&app, &[("expected_account", "sandbox.studio")]).await;
    let creator = app.other_browser();
    let consent = start_invited_consent(&creator, &link).await;
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1002").await,
        link
    );
    let page = creator.page(&link).await;
    assert!(page.contains("@sandbox.studio"), "{page}");
    assert!(page.contains("@other.creator"), "{page}");
    assert_eq!(app.channel_count().await, 0);

    // Bo's agency holds the other account; the creator is told so without its name.
    let (bo, _, _) = person_in_new_workspace(&app, Role::Admin).await;
    let consent = bo.start_connect("Other at Bo's").await;
    let callback = bo.consent_as(&consent, "sbx-1002", "approve", &[]).await;
    bo.finish(&callback).await;
    let link = invite_by_form(&app, &[]).await;
    let consent = start_invited_consent(&creator, &link).await;
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1002").await,
        link
    );
    let page = creator.page(&link).await;
    assert!(page.contains("another Tether workspace"), "{page}");
    assert!(!page.contains("Bo&#x27;s Agency") && !page.contains("Bo's Agency"));
    assert_eq!(app.channel_count().await, 1, "only Bo's channel");
}

async fn an_invite_reconnects_an_existing_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    // An editor connected it and gets its reminders.
    common::add_person(
        &app,
        "ed@example.com",
        "Ed Editor",
        engine::domain::Role::Editor,
    )
    .await;
    let ed = common::sign_in_as(&app, "ed@example.com").await;
    let consent = ed.start_connect("Studio").await;
    let callback = ed.consent(&consent, "approve").await;
    ed.finish(&callback).await;
    let before = app.only_access_token().await;
    let channel_id: i64 = sqlx::query("SELECT id FROM channels")
        .fetch_one(app.engine.db().pool())
        .await
        .unwrap()
        .get("id");
    let link = invite_by_form(
        &app,
        &[("target", &format!("channel:{channel_id}")), ("name", "")],
    )
    .await;
    let creator = app.other_browser();
    let page = creator.page(&link).await;
    assert!(page.contains("Ada Owner asks you to reconnect"), "{page}");
    let response = creator.post_form(&format!("{link}/consent"), &[]).await;
    let consent = Url::parse(&location(&response)).unwrap();
    // Another account cannot take the channel over through an invite.
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1002").await,
        link
    );
    assert_eq!(app.only_access_token().await.expose(), before.expose());
    let response = creator.post_form(&format!("{link}/consent"), &[]).await;
    let consent = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1001").await,
        "/invited"
    );
    assert!(creator.page("/invited").await.contains("You reconnected"));
    assert_ne!(app.only_access_token().await.expose(), before.expose());
    assert_eq!(app.channel_count().await, 1);
    let kinds: Vec<String> = sqlx::query("SELECT kind FROM events ORDER BY id")
        .fetch_all(app.engine.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get("kind"))
        .collect();
    // The other account's try is on record, then the reconnect that worked.
    assert_eq!(kinds, ["connected", "reconnect_failed", "reauthorized"]);
    // The creator's reconnect leaves the channel's responsible person as it was.
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    let channel = &app.engine.channels(&ada).await.unwrap()[0];
    assert_eq!(channel.connected_by.as_deref(), Some("Ed Editor"));
    assert!(channel.through_invite);
    let page = app.page(&format!("/channels/{channel_id}")).await;
    assert!(
        page.contains("by the account holder, through an invite"),
        "{page}"
    );
    assert!(page.contains("Reminders go to"), "{page}");
}

/// A creator who gives only part of what was asked is told what is missing and may give it
/// through the same link; the admin hears "without every permission", not "keeps it alive".
async fn a_partial_consent_through_an_invite_says_so_and_can_be_completed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.set_up_owner().await;
    let link = invite_by_form(&app, &[("name", "Studio channel")]).await;
    let creator = app.other_browser();
    let consent = start_invited_consent(&creator, &link).await;
    let callback = creator
        .consent_as(&consent, "sbx-1001", "approve", &["metrics.read"])
        .await;
    let response = creator.browser.get(callback).send().await.unwrap();
    assert_eq!(
        location(&response),
        link,
        "back to the link, not to “You're connected”"
    );
    let page = creator.page(&link).await;
    for words in [
        "Connected, but not with everything asked for",
        "@sandbox.studio is connected",
        "Read your post and audience metrics",
        "Grant the missing permissions",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    let ada = person(&app, "ada@example.com", OWNER_PASSWORD).await;
    let invite = &app.engine.invites(&ada).await.unwrap()[0];
    assert_eq!(invite.state, InviteState::Partial);
    assert!(app
        .page("/settings/invites")
        .await
        .contains("Completed, missing permissions"));
    let told = app.engine.notifications(&ada).await.unwrap();
    assert_eq!(told.len(), 1);
    assert!(told[0]
        .title
        .ends_with("through your invite, without every permission"));
    assert!(!told[0].body.contains("keeps it alive"), "{}", told[0].body);

    // The rest, through the same link: the channel is whole, the link spent, Ada told.
    let response = creator.post_form(&format!("{link}/consent"), &[]).await;
    let consent = Url::parse(&location(&response)).unwrap();
    assert_eq!(
        consent_and_return(&creator, &consent, "sbx-1001").await,
        "/invited"
    );
    assert_eq!(app.channel_count().await, 1);
    let channel = &app.engine.channels(&ada).await.unwrap()[0];
    assert!(
        channel.missing_scopes.is_empty(),
        "{:?}",
        channel.missing_scopes
    );
    let invite = &app.engine.invites(&ada).await.unwrap()[0];
    assert_eq!(invite.state, InviteState::Completed);
    let told = app.engine.notifications(&ada).await.unwrap();
    assert_eq!(told.len(), 2);
    assert!(told.iter().any(|n| n.body.contains("keeps it alive")));
}

on_both_backends!(
    reconnect_invites_go_to_whoever_gave_each_consent,
    a_partial_consent_through_an_invite_says_so_and_can_be_completed,
    an_invite_is_created_opened_and_withdrawn,
    expired_and_forged_links_are_refused,
    only_owners_and_admins_invite_and_bad_requests_store_nothing,
    a_creator_connects_through_an_invite_once,
    links_withdrawn_expired_or_replayed_during_consent_store_nothing,
    the_wrong_account_or_one_linked_elsewhere_is_refused,
    an_invite_reconnects_an_existing_channel,
);
