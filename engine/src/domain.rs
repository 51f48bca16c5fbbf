//! Validated inputs. Each type can only be built through `parse`, so a value that reaches
//! the store has been checked once, at the edge, with a message a person can act on.

use crate::crypto::Secret;
use crate::error::Error;
use std::fmt;

fn clean_text(field: &str, raw: &str, max_chars: usize) -> Result<String, Error> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Error::Invalid(format!("{field} must not be empty.")));
    }
    if value.chars().count() > max_chars {
        return Err(Error::Invalid(format!(
            "{field} must be at most {max_chars} characters."
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "{field} must not contain control characters."
        )));
    }
    Ok(value.to_owned())
}

macro_rules! text_newtype {
    ($name:ident, $field:literal, $max:literal) => {
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, Error> {
                clean_text($field, raw, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(DisplayName, "Your name", 80);
text_newtype!(WorkspaceName, "The workspace name", 80);
text_newtype!(ChannelName, "The channel name", 80);
text_newtype!(ApiKeyName, "The key name", 80);

/// An email address, lower-cased so sign-in is not case sensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let value = clean_text("The email address", raw, 254)?.to_lowercase();
        let invalid =
            || Error::Invalid("The email address must look like name@example.com.".into());
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || value.chars().any(char::is_whitespace)
        {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash in bounded time.
pub struct NewPassword(Secret);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, Error> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(Error::Invalid(format!(
                "The password must be at least {} characters.",
                Self::MIN_CHARS
            )));
        }
        if chars > Self::MAX_CHARS {
            return Err(Error::Invalid(format!(
                "The password must be at most {} characters.",
                Self::MAX_CHARS
            )));
        }
        Ok(Self(Secret::new(raw)))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

/// A member's role in a workspace. The full permission matrix grows with invites and API
/// keys; today it answers who may connect channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Error> {
        match raw {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            other => Err(Error::Invalid(format!(
                "{other:?} is not a role; use owner, admin, editor or viewer."
            ))),
        }
    }

    pub fn may_connect_channels(self) -> bool {
        !matches!(self, Role::Viewer)
    }

    /// Deleting wipes a channel and its tokens for good: owners and admins only.
    pub fn may_delete_channels(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// An API key hands out every channel's tokens: owners and admins only.
    pub fn may_manage_api_keys(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn names_reject_empty_long_and_control_characters() {
        assert_eq!(ChannelName::parse(" Studio ").unwrap().as_str(), "Studio");
        assert!(ChannelName::parse("   ").is_err());
        assert!(ChannelName::parse(&"x".repeat(81)).is_err());
        assert!(ChannelName::parse(&"é".repeat(80)).is_ok());
        assert!(ChannelName::parse("line\nbreak").is_err());
    }

    #[test]
    fn passwords_have_bounds() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough pw").is_ok());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
    }

    #[test]
    fn roles_round_trip_and_viewers_cannot_connect() {
        for role in [Role::Owner, Role::Admin, Role::Editor, Role::Viewer] {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
        assert!(!Role::Viewer.may_connect_channels());
        assert!(Role::Editor.may_connect_channels());
    }
}
