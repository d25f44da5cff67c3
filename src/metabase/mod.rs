//! The metabase: decoding (`source`), the lossless model (`model`), the parser (`parse`), the
//! schema's property table (`props`), parsed values (`values`) and the worker's ISAPI set (`isapi`).

pub mod isapi;
pub mod model;
pub mod parse;
pub mod props;
pub mod schema;
pub mod schema_table;
pub mod server;
pub mod source;
pub mod values;

pub use model::{Attr, AttrId, AttrKind, Key, KeyId, Metabase, NameReading};
pub use parse::{Malformed, ParseFailure, parse};
pub use source::{SourceFile, Span};
