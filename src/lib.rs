//! mblint: a linter for the IIS 6.0 metabase (MetaBase.xml) that finds ISAPI filters and extensions
//! a worker process cannot load.
//!
//! Data flows one way: bytes -> [`metabase::SourceFile`] -> [`metabase::Metabase`] ->
//! [`metabase::isapi::IsapiSet`] -> [`diagnostic::Diagnostic`]s -> [`report`].

pub mod baseline;
pub mod bitness;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod host;
pub mod lint;
pub mod metabase;
pub mod platform;
pub mod report;
pub mod resolve;
pub mod rules;
