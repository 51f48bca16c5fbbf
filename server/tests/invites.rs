//! Invite links in the engine: created by owners and admins only, stored as a hash, opened
//! without an account, refused with clear words when unknown, expired or withdrawn.

mod common;

use chrono::TimeDelta;
use common::{add_person, person, spawn_app, Backend, TestApp, OWNER_PASSWORD, PASSWORD};
use engine::domain::{ChannelName, Email, Role};
use engine::invites::{InviteRefused, InviteState, NewInvite, DEFAULT_DAYS};
use engine::networks::Access;
use sqlx::Row;

fn creator_invite() -> NewInvite {
    NewInvite {
        network: "sandbox".into(),
        kind: "profile".into(),
        channel_id: None,
        channel_name: ChannelName::parse("Lena's channel").unwrap(),
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

on_both_backends!(
    an_invite_is_created_opened_and_withdrawn,
    expired_and_forged_links_are_refused,
    only_owners_and_admins_invite_and_bad_requests_store_nothing,
);
