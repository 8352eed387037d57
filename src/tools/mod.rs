//! Agent-token tools: act as the agent (with its token) to post a log source, send log lines
//! (they appear in the log viewer), read the git SSH key, query external auth, report an app's
//! status, and exchange cloud instance identities for an agent token.
mod forms;
mod view;

pub use view::ToolsView;
