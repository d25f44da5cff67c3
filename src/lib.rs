//! mblint: a linter for the IIS 6.0 metabase (MetaBase.xml) that finds ISAPI filters and extensions
//! a worker process cannot load.
//!
//! Data flows one way: bytes -> [`metabase::SourceFile`] -> [`metabase::Metabase`] ->
//! [`metabase::isapi::IsapiSet`] -> [`diagnostic::Diagnostic`]s -> [`report`].
//!
//! Modules in pipeline order, each using only those before it: [`bitness`], [`platform`], [`winpath`]
//! (Windows path facts), [`metabase`] (the model), [`diagnostic`] (findings and fixes as data, a
//! leaf), [`fix`] (building edits), [`resolve`] (drives and images), [`host`] (the server model),
//! [`rules`] (with the bitness planner), [`config`], [`lint`] and beside it [`fixer`] (the verified
//! fix loop), [`compare`] (drift between the nodes of a farm), [`baseline`], [`history`] (the change that
//! broke it), [`report`], [`cli`].

pub mod baseline;
pub mod bitness;
pub mod cli;
pub mod compare;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod fixer;
pub mod history;
pub mod host;
pub mod lint;
pub mod metabase;
pub mod platform;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod winpath;
