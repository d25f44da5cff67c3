//! The metabase properties mblint reads, as IIS 6.0's MBSchema.xml declares them.
//!
//! Values checked against a real MBSchema.xml by `tests/real_metabase.rs` (when `../shared/real/` exists).
//! A property can appear as an attribute named after it, or as a `<Custom Name=".." ID="..">` child
//! whose ID is the property's ID: both are found through [`Prop`].

/// The schema type of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PropType {
    String,
    ExpandSz,
    MultiSz,
    Dword,
    Bool,
    /// Hexadecimal bytes (`SessionKey`, `SSLCertHash`).
    Binary,
    /// A security descriptor, as hexadecimal bytes (`AdminACL`).
    NtAcl,
    /// An IP restriction list, as hexadecimal bytes (`IPSecurity`).
    IpSecList,
    /// `.ext,type` lines (`MimeMap`).
    MimeMap,
    /// A type name mblint does not know (a drive's schema may say anything): never judged.
    Other,
}

impl PropType {
    /// The type as MBSchema.xml names it (`DWORD`); `None` for a name mblint does not know.
    pub fn parse(name: &str) -> Option<PropType> {
        Some(match name.trim() {
            "STRING" => PropType::String,
            "EXPANDSZ" => PropType::ExpandSz,
            "MULTISZ" => PropType::MultiSz,
            "DWORD" => PropType::Dword,
            "BOOL" => PropType::Bool,
            "BINARY" => PropType::Binary,
            "NTACL" => PropType::NtAcl,
            "IPSECLIST" => PropType::IpSecList,
            "MIMEMAP" => PropType::MimeMap,
            _ => return None,
        })
    }

    /// The type as MBSchema.xml names it.
    pub fn name(self) -> &'static str {
        match self {
            PropType::String => "STRING",
            PropType::ExpandSz => "EXPANDSZ",
            PropType::MultiSz => "MULTISZ",
            PropType::Dword => "DWORD",
            PropType::Bool => "BOOL",
            PropType::Binary => "BINARY",
            PropType::NtAcl => "NTACL",
            PropType::IpSecList => "IPSECLIST",
            PropType::MimeMap => "MIMEMAP",
            PropType::Other => "another type",
        }
    }
}

/// A metabase property: its schema name, ID, type, and whether it inherits down the Location tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prop {
    pub name: &'static str,
    pub id: u32,
    pub ty: PropType,
    pub inherit: bool,
}

macro_rules! props {
    ($($ident:ident = $name:literal, $id:literal, $ty:ident, $inherit:literal;)*) => {
        $(pub const $ident: Prop = Prop { name: $name, id: $id, ty: PropType::$ty, inherit: $inherit };)*
        /// Every property in this table (at most 64: the model keeps a bit per property).
        pub const ALL: &[Prop] = &[$($ident),*];
        const _: () = assert!(ALL.len() <= 64);
    };
}

props! {
    SCRIPT_MAPS = "ScriptMaps", 6014, MultiSz, true;
    APP_POOL_ID = "AppPoolId", 9101, String, true;
    ENABLE_32BIT_APP_ON_WIN64 = "Enable32BitAppOnWin64", 9040, Bool, true;
    FILTER_PATH = "FilterPath", 2041, String, false;
    FILTER_LOAD_ORDER = "FilterLoadOrder", 2040, String, false;
    FILTER_ENABLED = "FilterEnabled", 2043, Bool, false;
    FILTER_STATE = "FilterState", 2042, Dword, false;
    FILTER_FLAGS = "FilterFlags", 2044, Dword, false;
    WEB_SVC_EXT_RESTRICTION_LIST = "WebSvcExtRestrictionList", 2168, MultiSz, false;
    APPLICATION_DEPENDENCIES = "ApplicationDependencies", 2167, MultiSz, false;
    IIS5_ISOLATION_MODE_ENABLED = "IIs5IsolationModeEnabled", 9203, Bool, false;
    ENABLE_EDIT_WHILE_RUNNING = "EnableEditWhileRunning", 9998, Dword, false;
    ENABLE_HISTORY = "EnableHistory", 9996, Dword, false;
    MAX_HISTORY_FILES = "MaxHistoryFiles", 9995, Dword, false;
    IN_PROCESS_ISAPI_APPS = "InProcessIsapiApps", 2073, MultiSz, true;
    HC_COMPRESSION_DLL = "HcCompressionDll", 2237, ExpandSz, false;
    APP_ROOT = "AppRoot", 2103, String, true;
    APP_ISOLATED = "AppIsolated", 2104, Dword, true;
    PATH = "Path", 3001, String, true;
    ACCESS_FLAGS = "AccessFlags", 6016, Dword, true;
}

/// The table entry for a property name (case-insensitive, as IIS matches them).
pub fn by_name(name: &str) -> Option<Prop> {
    ALL.iter().copied().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// A metabase boolean as IIS reads it: BOOL is case-insensitive in the schema, and IIS also
/// accepts a DWORD written in its place. `None`: neither TRUE/FALSE nor a decimal number.
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("TRUE") {
        Some(true)
    } else if v.eq_ignore_ascii_case("FALSE") {
        Some(false)
    } else {
        v.parse::<u32>().ok().map(|n| n != 0)
    }
}

/// `SF_NOTIFY_READ_RAW_DATA` in `FilterFlags` (MBSchema's flag `NotifyReadRawData`, 0x8000).
const NOTIFY_READ_RAW_DATA: u32 = 0x8000;

/// Whether a `FilterFlags` value, written as flag names joined by `|` or as a number, includes
/// `NotifyReadRawData`.
pub fn reads_raw_data(value: &str) -> bool {
    value.split('|').map(str::trim).any(|flag| {
        flag.eq_ignore_ascii_case("NotifyReadRawData")
            || flag.parse::<u32>().is_ok_and(|n| n & NOTIFY_READ_RAW_DATA != 0)
            || flag
                .strip_prefix("0x")
                .or_else(|| flag.strip_prefix("0X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .is_some_and(|n| n & NOTIFY_READ_RAW_DATA != 0)
    })
}

/// Whether a boolean is written in one of the spellings IIS documents: TRUE, FALSE, 1 or 0.
pub fn is_canonical_bool(value: &str) -> bool {
    let v = value.trim();
    v.eq_ignore_ascii_case("TRUE") || v.eq_ignore_ascii_case("FALSE") || v == "1" || v == "0"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_are_unique() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert!(!a.name.eq_ignore_ascii_case(b.name), "{}", a.name);
                assert_ne!(a.id, b.id, "{}", a.name);
            }
        }
    }

    #[test]
    fn lookup_ignores_case() {
        assert_eq!(by_name("enable32bitapponwin64"), Some(ENABLE_32BIT_APP_ON_WIN64));
        assert_eq!(by_name("Nope"), None);
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("2"), Some(true));
        assert_eq!(parse_bool("yes"), None);
        assert!(is_canonical_bool("True"));
        assert!(!is_canonical_bool("2"));
    }

    #[test]
    fn raw_data_filter_flags() {
        assert!(reads_raw_data("NotifyReadRawData | NotifyOrderMedium"));
        assert!(reads_raw_data("notifyreadrawdata"));
        assert!(reads_raw_data("32768"));
        assert!(reads_raw_data("0x8002"));
        assert!(!reads_raw_data("NotifyPreProcHeaders | NotifyOrderHigh"));
        assert!(!reads_raw_data("16384"));
    }
}
