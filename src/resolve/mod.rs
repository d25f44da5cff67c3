//! Works out what a configured DLL path really is. For now: what the path alone says of its bitness.

pub mod addr;
pub mod deps;
pub mod drive;
pub mod fastcgi;
pub mod fsys;
pub mod hive;
pub mod images;
pub mod loader;
pub mod loader_facts;
pub mod pe;
pub mod resolver;
pub mod upcase;
