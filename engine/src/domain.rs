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

/// The passwords of at least 12 characters among the million most common ones in leaked
/// password lists (SecLists, `10-million-password-list-top-1000000.txt`, MIT licence), one
/// per line; shorter ones are refused by length alone.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    static COMMON: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    COMMON
        .get_or_init(|| COMMON_PASSWORDS.lines().map(str::to_lowercase).collect())
        .contains(&password.to_lowercase())
}

impl NewPassword {
    /// NIST SP 800-63B and OWASP ASVS 2.1.1: at least 12 characters.
    pub const MIN_CHARS: usize = 12;
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
        if is_common(raw) {
            return Err(Error::Invalid(
                "That password is on lists of common passwords that attackers try first; choose another.".into(),
            ));
        }
        Ok(Self(Secret::new(raw)))
    }

    pub fn secret(&self) -> &Secret {
        &self.0
    }
}

/// Something a member may or may not do in a workspace. [`Role::may`] is the whole
/// permission matrix; the README prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Add a channel.
    Connect,
    /// Reauthorize a channel with the same account, grant missing permissions, refresh or
    /// check it now.
    Reauthorize,
    /// Hand a channel to another account, or move it between workspaces.
    Transfer,
    /// Unlink a channel: revoke its token and keep its history.
    Unlink,
    /// Delete a channel and its tokens for good.
    Delete,
    /// Create and revoke invite links for creators and page admins.
    Invite,
    /// Add and remove members and change their roles.
    ManageMembers,
    /// See a channel's token metadata: granted scopes, who connected it and when, its
    /// history. Never the token itself.
    SeeTokenMetadata,
    /// Create and revoke API keys, which hand out every channel's tokens.
    ManageApiKeys,
    /// Use the controls of the emulated networks (demo and test instances only).
    ControlSandbox,
    /// Create workspaces, rename and delete the one acted in: owners only, as a workspace's
    /// end takes everyone's access with it.
    ManageWorkspace,
}

impl Permission {
    pub const ALL: [Permission; 11] = [
        Permission::Connect,
        Permission::Reauthorize,
        Permission::Transfer,
        Permission::Unlink,
        Permission::Delete,
        Permission::Invite,
        Permission::ManageMembers,
        Permission::SeeTokenMetadata,
        Permission::ManageApiKeys,
        Permission::ControlSandbox,
        Permission::ManageWorkspace,
    ];
}

/// A member's role in a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

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

    /// The permission matrix. Viewers watch; editors keep channels connected; owners and
    /// admins also do what cannot be undone or reaches beyond one channel (delete, transfer,
    /// invite people, manage members, API keys).
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Admin => permission != ManageWorkspace,
            Role::Editor => matches!(
                permission,
                Connect | Reauthorize | Unlink | SeeTokenMetadata
            ),
            Role::Viewer => false,
        }
    }
}

/// Refuses unless `role` may do `permission`.
pub fn require(role: Role, permission: Permission) -> Result<(), Error> {
    if role.may(permission) {
        Ok(())
    } else {
        Err(Error::Forbidden)
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
        assert!(NewPassword::parse("elevenchars").is_err());
        assert!(NewPassword::parse("long enough pw").is_ok());
        // Common passwords are refused whatever their case.
        for common in [
            "qwertyuiopasdfghjkl",
            "1234567890qwerty",
            "QwertyUiopAsdfGhjkl",
        ] {
            let refused = NewPassword::parse(common).err().map(|e| e.to_string());
            assert!(
                refused.is_some_and(|words| words.contains("common passwords")),
                "{common}"
            );
        }
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
    }

    /// The matrix as the README writes it, cell by cell.
    #[test]
    fn the_permission_matrix_is_the_written_one() {
        use Permission::*;
        let written: [(Permission, [bool; 4]); 11] = [
            //                  owner  admin  editor viewer
            (Connect, [true, true, true, false]),
            (Reauthorize, [true, true, true, false]),
            (Transfer, [true, true, false, false]),
            (Unlink, [true, true, true, false]),
            (Delete, [true, true, false, false]),
            (Invite, [true, true, false, false]),
            (ManageMembers, [true, true, false, false]),
            (SeeTokenMetadata, [true, true, true, false]),
            (ManageApiKeys, [true, true, false, false]),
            (ControlSandbox, [true, true, false, false]),
            (ManageWorkspace, [true, false, false, false]),
        ];
        assert_eq!(written.map(|(p, _)| p), Permission::ALL);
        for (permission, allowed) in written {
            for (role, allowed) in Role::ALL.into_iter().zip(allowed) {
                assert_eq!(role.may(permission), allowed, "{role:?} × {permission:?}");
                assert_eq!(require(role, permission).is_ok(), allowed);
            }
        }
    }
}
