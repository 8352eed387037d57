//! The agent overview: every field of the agent, refreshed live by the agent page.
mod sections;
pub mod version;

pub use sections::Overview;
