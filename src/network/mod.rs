//! The network view: how clients reach the agent — connection flags, the DERP relay map (live
//! from the `/derp-map` stream), latency per region, and whether coordination answers.
mod derp_stream;
mod view;

pub use view::NetworkView;
