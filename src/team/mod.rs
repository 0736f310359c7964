//! Team mode: several people on one shop's inbox through a shared PostgreSQL store
//! (`store::pg`). This layer joins it to the sync engine; see docs/team.md.

mod sync;

pub use sync::{sync_once, SyncLine};
