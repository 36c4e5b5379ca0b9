//! `letgo watch`: samples a live `/debug/pprof/` endpoint over time and
//! finds what keeps growing.
//!
//! The pieces are kept apart so that each can be used without the others
//! (DESIGN.md: "keep the sampler and the analyses separable"):
//! - [`folder`]: the run folder on disk, the only thing the sampler and the
//!   analysis share; a run can be re-analysed offline from it alone.
//! - [`fetch`] and [`sampler`]: talking to the target, one request at a
//!   time, and writing each sample as it arrives.
//! - [`series`]: the decoded snapshots of a run and the analyses over them
//!   (from `letgo_runtime`), one process lifetime at a time.
//! - [`thin`]: keeps a long run's snapshots bounded and evenly spaced.
//! - [`settings`]: thresholds from `letgo.toml`'s `[watch]` table.
//! - [`html`] and [`svg`]: the self-contained report page.
//! - [`live`]: the terminal view while sampling.
//! - [`report`]: the findings of a run, its summary, `report.json` and
//!   the HTML page.

pub mod fetch;
pub mod folder;
pub mod html;
pub mod live;
pub mod report;
pub mod sampler;
pub mod series;
pub mod settings;
pub mod svg;
pub mod thin;
