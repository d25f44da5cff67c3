//! Server-wide settings and lists that rules read: isolation mode, edit-while-running and history,
//! Web Service Extension restrictions, application dependencies, application pools and the pool of
//! each application.

use super::model::{AttrId, KeyId, Metabase};
use super::props::{self, Prop, parse_bool};
use super::source::Span;
use super::values::{Dependency, Restriction, ValueError};

/// A property's value as read, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub key: KeyId,
    pub attr: AttrId,
    /// `None` when the text does not parse as the property's type.
    pub value: Option<T>,
}

/// One parsed line of a multi-string list, or what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry<T> {
    pub span: Span,
    pub entry: Result<T, ValueError>,
}

/// An application: a key with its own `AppRoot`, and the pool it runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub key: KeyId,
    /// The effective `AppPoolId` (key and property holding it), if any.
    pub app_pool: Option<(KeyId, AttrId)>,
}

#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// `IIs5IsolationModeEnabled` at `/LM/W3SVC`.
    pub iis5_isolation: Option<Setting<bool>>,
    /// `EnableEditWhileRunning`, `EnableHistory`, `MaxHistoryFiles` at `/LM`.
    pub edit_while_running: Option<Setting<bool>>,
    pub enable_history: Option<Setting<bool>>,
    pub max_history_files: Option<Setting<u32>>,
    /// `WebSvcExtRestrictionList` at `/LM/W3SVC`.
    pub restrictions: Vec<ListEntry<Restriction>>,
    /// `ApplicationDependencies` at `/LM/W3SVC`.
    pub dependencies: Vec<ListEntry<Dependency>>,
    /// `IIsApplicationPool` keys under `/LM/W3SVC/AppPools`.
    pub app_pools: Vec<KeyId>,
    /// The same, by normalised Location: one lookup per `AppPoolId`, however many pools there are.
    pools_by_path: std::collections::HashMap<String, KeyId>,
    /// Every key that is an application root, with its effective pool.
    pub applications: Vec<Application>,
}

fn setting<T>(mb: &Metabase, location: &str, prop: Prop, parse: impl Fn(&str) -> Option<T>) -> Option<Setting<T>> {
    let (key, attr) = mb.effective_at(location, prop)?;
    Some(Setting {
        key,
        attr,
        value: parse(mb.attr_value(attr).trim()),
    })
}

fn list<T>(
    mb: &Metabase,
    location: &str,
    prop: Prop,
    parse: impl Fn(&super::model::ValueLine<'_>) -> Option<Result<T, ValueError>>,
) -> Vec<ListEntry<T>> {
    let Some((_, attr)) = mb.effective_at(location, prop) else {
        return Vec::new();
    };
    mb.attr_lines(attr)
        .filter_map(|line| parse(&line).map(|entry| ListEntry { span: line.span, entry }))
        .collect()
}

impl ServerConfig {
    pub fn of(mb: &Metabase) -> ServerConfig {
        let app_pools: Vec<KeyId> = (0..mb.keys.len() as KeyId)
            .filter(|&k| {
                let path = &*mb.key(k).path;
                path.strip_prefix("/lm/w3svc/apppools/")
                    .is_some_and(|name| !name.contains('/'))
            })
            .collect();
        let applications = mb
            .keys_with(props::APP_ROOT)
            .filter(|&(k, _)| mb.key(k).path.starts_with("/lm/w3svc/") && !mb.key(k).path.starts_with("/lm/w3svc/info"))
            .map(|(key, _)| Application {
                key,
                app_pool: mb.effective(key, props::APP_POOL_ID),
            })
            .collect();
        let pools_by_path = app_pools
            .iter()
            .map(|&k: &KeyId| (mb.key(k).path.to_string(), k))
            .collect();
        ServerConfig {
            pools_by_path,
            iis5_isolation: setting(mb, "/LM/W3SVC", props::IIS5_ISOLATION_MODE_ENABLED, parse_bool),
            edit_while_running: setting(mb, "/LM", props::ENABLE_EDIT_WHILE_RUNNING, parse_bool),
            enable_history: setting(mb, "/LM", props::ENABLE_HISTORY, parse_bool),
            max_history_files: setting(mb, "/LM", props::MAX_HISTORY_FILES, |v| v.parse().ok()),
            restrictions: list(mb, "/LM/W3SVC", props::WEB_SVC_EXT_RESTRICTION_LIST, Restriction::parse),
            dependencies: list(mb, "/LM/W3SVC", props::APPLICATION_DEPENDENCIES, Dependency::parse),
            app_pools,
            applications,
        }
    }

    /// Whether IIS runs in IIS 5.0 isolation mode (no application pools).
    pub fn iis5_isolation_on(&self) -> bool {
        self.iis5_isolation.as_ref().is_some_and(|s| s.value == Some(true))
    }

    /// The pool key an `AppPoolId` value names (case-insensitive), if it exists.
    pub fn pool_named(&self, name: &str) -> Option<KeyId> {
        let wanted = super::model::normalise_location(&format!("/LM/W3SVC/AppPools/{}", name.trim()));
        self.pools_by_path.get(&*wanted).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::{SourceFile, parse};

    #[test]
    fn reads_settings_lists_pools_and_applications() {
        let text = concat!(
            "<configuration>\n<MBProperty>\n",
            "<IIsComputer Location =\"/LM\" EnableEditWhileRunning=\"1\" EnableHistory=\"0\" MaxHistoryFiles=\"5\">\n</IIsComputer>\n",
            "<IIsWebService Location =\"/LM/W3SVC\" AppPoolId=\"DefaultAppPool\" IIs5IsolationModeEnabled=\"TRUE\"\n",
            "\t\tApplicationDependencies=\"Active Server Pages;ASP\n\t\t\tbroken\"\n",
            "\t\tWebSvcExtRestrictionList=\"0,*.dll\n\t\t\t1,C:\\a.dll,0,ASP,Active Server Pages\">\n</IIsWebService>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT\" AppRoot=\"/LM/W3SVC/1/ROOT\">\n</IIsWebVirtualDir>\n",
            "<IIsWebVirtualDir Location =\"/LM/W3SVC/1/ROOT/app\" AppPoolId=\"Other\" AppRoot=\"/LM/W3SVC/1/ROOT/app\">\n</IIsWebVirtualDir>\n",
            "<IIsApplicationPools Location =\"/LM/W3SVC/AppPools\">\n</IIsApplicationPools>\n",
            "<IIsApplicationPool Location =\"/LM/W3SVC/AppPools/DefaultAppPool\">\n</IIsApplicationPool>\n",
            "</MBProperty>\n</configuration>\n"
        );
        let mb = parse(SourceFile::from_text("t.xml", text)).unwrap();
        let cfg = ServerConfig::of(&mb);
        assert_eq!(cfg.iis5_isolation.as_ref().unwrap().value, Some(true));
        assert_eq!(cfg.edit_while_running.as_ref().unwrap().value, Some(true));
        assert_eq!(cfg.enable_history.as_ref().unwrap().value, Some(false));
        assert_eq!(cfg.max_history_files.as_ref().unwrap().value, Some(5));
        assert_eq!(cfg.restrictions.len(), 2);
        assert!(cfg.restrictions[1].entry.as_ref().unwrap().allowed);
        assert_eq!(cfg.dependencies.len(), 2);
        assert!(cfg.dependencies[1].entry.is_err());
        assert_eq!(cfg.app_pools.len(), 1);
        assert_eq!(cfg.pool_named("defaultapppool"), Some(cfg.app_pools[0]));
        assert_eq!(cfg.pool_named("Other"), None);
        let pools: Vec<String> = cfg
            .applications
            .iter()
            .map(|a| {
                a.app_pool
                    .map(|(_, attr)| mb.attr_value(attr).into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(pools, ["DefaultAppPool", "Other"]);
    }
}
