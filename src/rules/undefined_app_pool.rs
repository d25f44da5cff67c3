//! MB502 undefined-app-pool: AppPoolId names a pool that does not exist.

use std::collections::HashMap;

use super::{Context, FixAvailability, Rule, rule_doc};
use crate::diagnostic::Severity;
use crate::metabase::Metabase;
use crate::metabase::props;
use crate::metabase::server::ServerConfig;

pub static RULE: Rule = Rule {
    code: "MB502",
    name: "undefined-app-pool",
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "AppPoolId names an application pool that has no IIsApplicationPool key",
    doc: rule_doc!("MB502"),
    check: Some(check),
};

/// The pools by name, as `AppPoolId` names them: each pool key's last Location segment (lower
/// case, as the model keeps Locations). A name is looked up by its borrowed text when it is ASCII
/// (folded on the stack); anything else goes through [`ServerConfig::pool_named`], which folds as
/// the model does.
///
/// [`ServerConfig::pool_named`]: crate::metabase::server::ServerConfig::pool_named
struct Pools<'a> {
    by_name: HashMap<&'a str, ()>,
}

impl<'a> Pools<'a> {
    fn of(mb: &'a Metabase, server: &ServerConfig) -> Pools<'a> {
        let by_name = server
            .app_pools
            .iter()
            .filter_map(|&k| mb.key(k).path.strip_prefix("/lm/w3svc/apppools/"))
            .map(|name| (name, ()))
            .collect();
        Pools { by_name }
    }

    /// Whether `name` (an AppPoolId as written, references resolved) names a pool.
    fn has(&self, server: &ServerConfig, name: &str) -> bool {
        // As the model normalises `/LM/W3SVC/AppPools/<name>`: trimmed, then trailing `/` dropped.
        let wanted = name.trim().trim_end_matches('/');
        let mut folded = [0u8; 64];
        if !wanted.is_ascii() || wanted.len() > folded.len() {
            return server.pool_named(name).is_some();
        }
        let folded = &mut folded[..wanted.len()];
        folded.copy_from_slice(wanted.as_bytes());
        folded.make_ascii_lowercase();
        std::str::from_utf8(folded).is_ok_and(|folded| self.by_name.contains_key(folded))
    }
}

fn check(ctx: &Context<'_>, out: &mut super::Findings) {
    let mb = ctx.metabase;
    if ctx.server.iis5_isolation_on() {
        return; // AppPoolId is ignored in IIS 5.0 isolation mode.
    }
    let pools = Pools::of(mb, ctx.server);
    for (key, attr) in mb.keys_with(props::APP_POOL_ID) {
        let path = &*mb.key(key).path;
        let served = path == "/lm/w3svc"
            || (path.starts_with("/lm/w3svc/")
                && !path.starts_with("/lm/w3svc/info")
                && !path.starts_with("/lm/w3svc/apppools"));
        if !served {
            continue;
        }
        let name = mb.attr_value(attr);
        if name.trim().is_empty() || pools.has(ctx.server, &name) {
            continue;
        }
        out.push(
            RULE.diagnostic(mb.attr(attr).value,
                format!(
                    "AppPoolId=\"{name}\" at {} names no application pool (no key /LM/W3SVC/AppPools/{name}): requests to the applications there get 503 Service Unavailable",
                    mb.location(key)
                ),
            )
            .label("no such pool")
            .at(mb, key, Some(attr))
            .help("create the IIsApplicationPool key, or name an existing pool"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metabase::{SourceFile, parse};

    /// The rule's lookup answers as the model's `pool_named` does, for every spelling.
    #[test]
    fn pools_by_name_agree_with_the_model() {
        let text = concat!(
            "<configuration>\n<MBProperty>\n",
            "<IIsApplicationPools Location =\"/LM/W3SVC/AppPools\">\n</IIsApplicationPools>\n",
            "<IIsApplicationPool Location =\"/LM/W3SVC/AppPools/DefaultAppPool\">\n</IIsApplicationPool>\n",
            "<IIsApplicationPool Location =\"/LM/W3SVC/AppPools/Caf\u{e9} Pool/\">\n</IIsApplicationPool>\n",
            "<IIsApplicationPool Location =\"/LM/W3SVC/AppPools/\u{212a}elvin\">\n</IIsApplicationPool>\n",
            "<IIsApplicationPool Location =\"/LM/W3SVC/AppPools/Nested/Deeper\">\n</IIsApplicationPool>\n",
            "</MBProperty>\n</configuration>\n"
        );
        let mb = parse(SourceFile::from_text("t.xml", text)).unwrap();
        let server = ServerConfig::of(&mb);
        let pools = Pools::of(&mb, &server);
        let long = "a".repeat(100);
        let names = [
            "DefaultAppPool",
            "defaultapppool",
            " DEFAULTAPPPOOL ",
            "DefaultAppPool/",
            "DefaultAppPool //",
            "DefaultAppPool2",
            "Default",
            "",
            "/",
            "caf\u{e9} pool",
            "CAF\u{c9} POOL",
            "kelvin",
            "KELVIN",
            "\u{212a}elvin",
            "Nested/Deeper",
            "Nested",
            long.as_str(),
        ];
        for name in names {
            assert_eq!(pools.has(&server, name), server.pool_named(name).is_some(), "{name:?}");
        }
        assert!(pools.has(&server, " defaultAPPpool/"));
        assert!(!pools.has(&server, "Nested/Deeper"));
    }
}

#[cfg(test)]
mod rule_tests {
    use crate::lint::{Options, lint_metabase};
    use crate::metabase::{SourceFile, parse};
    use crate::platform::Platform;
    use crate::rules::testing;

    /// MB502 is said where IIS serves requests, /LM/W3SVC itself and the sites under it, and not
    /// for the templates under /LM/W3SVC/Info nor for a key under /LM/W3SVC/AppPools.
    #[test]
    fn an_undefined_pool_is_said_only_where_requests_are_served() {
        let keys = concat!(
            "<IIsApplicationPool\tLocation =\"/LM/W3SVC/AppPools/Pool1\"\r\n\t\tAppPoolId=\"Nowhere\"\r\n\t>\r\n</IIsApplicationPool>\r\n",
            "<IIsWebVirtualDir\tLocation =\"/LM/W3SVC/Info/Templates/Public Web Site/Root\"\r\n\t\tAppPoolId=\"Nowhere\"\r\n\t>\r\n</IIsWebVirtualDir>\r\n",
        );
        let keys = format!(
            "{keys}{}{}",
            testing::root(1, r"D:\Sites\one", "\t\tAppPoolId=\"Pool1\"\r\n"),
            testing::root(2, r"D:\Sites\two", "\t\tAppPoolId=\"Gone\"\r\n")
        );
        let text = testing::server(true, "\t\tAppPoolId=\"Nowhere\"\r\n", &keys);
        let mb = parse(SourceFile::from_text("m.xml", text)).unwrap();
        let options = Options {
            platform: Some(Platform::X86),
            ..Options::default()
        };
        let found: Vec<(Option<String>, String)> = lint_metabase(&mb, &options)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "MB502")
            .map(|d| (d.location, d.message))
            .collect();
        let locations: Vec<&str> = found.iter().filter_map(|(l, _)| l.as_deref()).collect();
        assert_eq!(locations, ["/LM/W3SVC", "/LM/W3SVC/2/ROOT"], "{found:#?}");
        assert!(
            found[1]
                .1
                .starts_with("AppPoolId=\"Gone\" at /LM/W3SVC/2/ROOT names no application pool"),
            "{found:#?}"
        );
    }
}
