//! The permission matrix, in one place: every endpoint names the [`Permission`] it needs and
//! [`Role::allows`] / [`Scope::allows`] decide.

use std::fmt;

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including users, API keys of everyone and the audit log.
    Admin,
    /// Searches, leads, exports, analytics and their own API keys.
    Manager,
    /// Views leads and works them (status, notes).
    Agent,
    /// Reads leads, searches and analytics; changes nothing.
    Viewer,
}

/// What an API key may do; it never exceeds what its creator's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Read leads, searches, analytics and exports.
    Read,
    /// Also start searches and work leads.
    Write,
}

/// An action an endpoint performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// List and open leads.
    LeadsRead,
    /// Change a lead's status, notes or assignee.
    LeadsWork,
    /// Follow searches: status and live progress.
    SearchesRead,
    /// Start searches.
    SearchesRun,
    /// Export leads as CSV.
    Export,
    /// Read analytics.
    Analytics,
    /// Create, list and revoke API keys.
    ApiKeysManage,
    /// Create, list, change and disable users.
    UsersManage,
    /// Read the audit log.
    AuditRead,
    /// Export and erase a person's data; manage the suppression list.
    PrivacyManage,
}

impl Permission {
    /// Every permission, for documentation and tests.
    pub const ALL: [Permission; 10] = [
        Permission::LeadsRead,
        Permission::LeadsWork,
        Permission::SearchesRead,
        Permission::SearchesRun,
        Permission::Export,
        Permission::Analytics,
        Permission::ApiKeysManage,
        Permission::UsersManage,
        Permission::AuditRead,
        Permission::PrivacyManage,
    ];

    /// Its name in error messages and documentation.
    pub fn name(self) -> &'static str {
        match self {
            Permission::LeadsRead => "leads:read",
            Permission::LeadsWork => "leads:work",
            Permission::SearchesRead => "searches:read",
            Permission::SearchesRun => "searches:run",
            Permission::Export => "export",
            Permission::Analytics => "analytics",
            Permission::ApiKeysManage => "api_keys:manage",
            Permission::UsersManage => "users:manage",
            Permission::AuditRead => "audit:read",
            Permission::PrivacyManage => "privacy:manage",
        }
    }
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Agent, Role::Viewer];

    /// Whether this role may perform `p`.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Manager => matches!(
                p,
                LeadsRead
                    | LeadsWork
                    | SearchesRead
                    | SearchesRun
                    | Export
                    | Analytics
                    | ApiKeysManage
            ),
            Role::Agent => matches!(p, LeadsRead | LeadsWork),
            Role::Viewer => matches!(p, LeadsRead | SearchesRead | Analytics),
        }
    }

    /// The name stored and sent in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    /// Reads a stored or requested role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl Scope {
    /// Whether a key of this scope may perform `p` (before its creator's role is considered).
    /// Keys never manage users, keys or read the audit log: those need a person.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Scope::Read => matches!(p, LeadsRead | SearchesRead | Export | Analytics),
            Scope::Write => matches!(
                p,
                LeadsRead | LeadsWork | SearchesRead | SearchesRun | Export | Analytics
            ),
        }
    }

    /// The name stored and sent in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    /// Reads a stored or requested scope name.
    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Read, Scope::Write]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest_from_viewer_to_admin_except_where_documented() {
        for p in Permission::ALL {
            assert!(Role::Admin.allows(p));
            if Role::Viewer.allows(p) && p != Permission::SearchesRead && p != Permission::Analytics
            {
                assert!(Role::Agent.allows(p), "{p:?}");
            }
            if Role::Agent.allows(p) || Role::Viewer.allows(p) {
                assert!(Role::Manager.allows(p), "{p:?}");
            }
        }
        assert!(!Role::Manager.allows(Permission::UsersManage));
        assert!(!Role::Viewer.allows(Permission::LeadsWork));
        assert!(!Role::Agent.allows(Permission::Export));
    }

    #[test]
    fn keys_never_administer() {
        for s in [Scope::Read, Scope::Write] {
            assert!(!s.allows(Permission::UsersManage));
            assert!(!s.allows(Permission::ApiKeysManage));
            assert!(!s.allows(Permission::AuditRead));
            assert!(!s.allows(Permission::PrivacyManage));
        }
        assert!(!Scope::Read.allows(Permission::SearchesRun));
        assert!(Scope::Write.allows(Permission::SearchesRun));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Scope::parse("write"), Some(Scope::Write));
        assert_eq!(Role::parse("root"), None);
    }
}
