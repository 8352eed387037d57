//! App-wide state, below every view: how the page was opened (embed, theme), why the user was
//! last signed out, and the agent of the current page. Resolved once by the shell and the agent
//! frame and provided as context; views read it and never import the shell.
mod agent;
mod shell;
mod workspace;

pub use agent::{use_agent, AgentContext};
pub use shell::{initial_query_param, use_shell, Shell, Theme};
pub use workspace::{agent_workspace, use_agent_workspace};
