//! The containers view (`/agents/:id/containers`): the agent's dev containers as cards (status,
//! workspace folder, sub-agent, "outdated", ports, rebuild and delete), its other containers
//! below, live from the watch socket (polling the list when the socket is refused).
mod feed;
mod model;
mod view;

pub use view::ContainersView;
