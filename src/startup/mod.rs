//! `/agents/{id}/startup`: how the agent came up, as a timeline of its connection and scripts
//! drawn from the build's timings. `chart` lays the timings out (pure); `view` draws them.
pub mod chart;
mod feed;
pub mod scripts_list;
mod svg;
mod view;

pub use view::StartupView;

pub use scripts_list::ScriptsList;
