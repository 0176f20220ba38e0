//! Users and roles (DESIGN §4). A user's roles come from directory groups mapped
//! in the configuration; the mapping itself lives in `directory`.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::space::UnionSlug;

/// A directory login (`sAMAccountName`, `uid`…), compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Login(String);

impl Login {
    pub fn new(raw: &str) -> Self {
        Self(raw.trim().to_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user may do beyond reading (DESIGN §4). Every signed-in user is an agent.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    Agent,
    Publisher,
    Manager,
    Webmaster,
    Admin,
    UnionEditor(UnionSlug),
}

/// A person of the directory, as cached in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub login: Login,
    pub given_name: String,
    pub surname: String,
    #[serde(default)]
    pub mail: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub function: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub disabled: bool,
    /// The directory photo, re-encoded and stored as a blob.
    #[serde(default)]
    pub photo: Option<super::item::BlobHash>,
    /// The agent's manager, for the org chart.
    #[serde(default)]
    pub manager: Option<Login>,
}

/// For tests: an agent with a login (also their given name), `roles` and
/// nothing else; a test sets what it needs with `User { …, ..for_tests() }`.
#[cfg(test)]
impl User {
    pub fn for_tests(login: &str, roles: &[Role]) -> User {
        User {
            login: Login::new(login),
            given_name: login.into(),
            surname: String::new(),
            mail: String::new(),
            service: String::new(),
            direction: String::new(),
            function: String::new(),
            phone: String::new(),
            roles: roles.to_vec(),
            disabled: false,
            photo: None,
            manager: None,
        }
    }
}

impl User {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.surname)
    }

    /// Whether the user holds any of these roles.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(r))
    }

    pub fn has(&self, role: &Role) -> bool {
        *role == Role::Agent || self.roles.contains(role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_fold_case_and_spaces() {
        assert_eq!(Login::new(" CLefevre "), Login::new("clefevre"));
    }
}
