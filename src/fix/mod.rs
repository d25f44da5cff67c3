//! Building fixes: edits in IIS's own layout (`edit`), and composing the edits of several passes into
//! one change set to the original text, rendered as bytes of the file or as a unified diff
//! (`changes`). What a fix is ([`Fix`](crate::diagnostic::Fix), its edits and metabase operations)
//! is finding data, in [`crate::diagnostic`]; choosing the worker bitness is the rules' planner
//! ([`crate::rules::plan`]); applying fixes to a verified fixed point, writing and scripting them is
//! [`crate::fixer`].

pub mod changes;
pub mod edit;
