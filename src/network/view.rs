//! The network view's components.
use super::derp_stream::use_derp_stream;
use crate::api::{get_json, probe, use_fetch, Probe, WsUrlAuth};
use crate::state::use_agent;
use crate::ui::status::Tone;
use crate::ui::{Badge, ErrorBanner, Skeleton};
use coder_api::{AgentConnectionInfo, DerpMap, DerpRegionLatency};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// `/agents/{id}/network`.
#[component]
pub fn NetworkView() -> impl IntoView {
    let agent = use_agent();
    let conn_path = coder_api::routes::connection(&agent.id);
    let info = use_fetch(move || get_json::<AgentConnectionInfo>(conn_path.clone()));
    let stream = use_derp_stream();
    let reach = probe(
        &coder_api::routes::coordinate(&agent.id),
        WsUrlAuth::SessionToken,
    );
    let latency = Memo::new(move |_| {
        agent.agent.with(|l| {
            l.value
                .as_ref()
                .and_then(|a| a.latency.clone())
                .unwrap_or_default()
        })
    });
    // The live stream wins over the map of the connection info once it has delivered one.
    let map = Memo::new(move |_| {
        stream
            .with(|s| s.map.clone())
            .or_else(|| info.with(|i| i.value.as_ref().map(|i| i.derp_map.clone())))
    });

    view! {
        <div class="network grid">
            <section class="card" aria-labelledby="net-conn">
                <h2 id="net-conn">"Connection"</h2>
                {move || {
                    info.with(|i| match (&i.value, &i.error) {
                        (Some(c), _) => connection_facts(c).into_any(),
                        (None, Some(e)) => view! { <ErrorBanner error=e.clone() /> }.into_any(),
                        (None, None) => view! { <Skeleton lines=3 /> }.into_any(),
                    })
                }}
            </section>
            <section class="card" aria-labelledby="net-coord">
                <h2 id="net-coord">"Coordination"</h2>
                {move || reachability(reach.get())}
            </section>
        </div>
        <section class="card" aria-labelledby="net-derp">
            <div class="section-head">
                <h2 id="net-derp">"Relay regions (DERP)"</h2>
                {move || {
                    stream
                        .with(|s| {
                            let (tone, label) = if s.live {
                                (
                                    Tone::Ok,
                                    format!(
                                        "Live · {} update{}",
                                        s.updates,
                                        if s.updates == 1 { "" } else { "s" },
                                    ),
                                )
                            } else {
                                (Tone::Neutral, "Not live".to_string())
                            };
                            view! { <Badge tone label /> }
                        })
                }}
            </div>
            {move || {
                stream
                    .with(|s| s.problem.clone())
                    .map(|p| {
                        view! {
                            <p class="muted" role="status">
                                {p}
                            </p>
                        }
                    })
            }}
            {move || match map.get() {
                Some(m) => regions(&m, &latency.get()).into_any(),
                None => view! { <Skeleton lines=4 /> }.into_any(),
            }}
        </section>
    }
}

fn yes_no(flag: bool, yes: &str, no: &str) -> String {
    if flag {
        yes.to_string()
    } else {
        no.to_string()
    }
}

fn connection_facts(c: &AgentConnectionInfo) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Direct connections"</dt>
            <dd>
                {if c.disable_direct_connections {
                    view! {
                        <Badge
                            tone=Tone::Warning
                            label="Disabled: traffic always goes through a relay".to_string()
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <Badge
                            tone=Tone::Ok
                            label="Allowed (peer to peer when possible)".to_string()
                        />
                    }
                        .into_any()
                }}
            </dd>
            <dt>"Relay transport"</dt>
            <dd>
                {yes_no(
                    c.derp_force_websockets,
                    "WebSockets only (forced)",
                    "DERP over HTTP, WebSocket fallback",
                )}
            </dd>
            <dt>"Host name suffix"</dt>
            <dd>
                {c
                    .hostname_suffix
                    .clone()
                    .filter(|s| !s.is_empty())
                    .map(|s| format!(".{s}"))
                    .unwrap_or_else(|| "—".into())}
            </dd>
        </dl>
    }
}

fn reachability(r: Probe) -> impl IntoView {
    match r {
        Probe::Checking => {
            view! { <Badge tone=Tone::Progress label="Checking…".to_string() /> }.into_any()
        }
        Probe::Opened { close_code, reason } => view! {
            <Badge tone=Tone::Ok label="Reachable".to_string() />
            <p class="muted">
                "The coordination endpoint accepted a connection."
                {close_code
                    .map(|c| {
                        format!(
                            " It then closed it ({c}){}",
                            if reason.is_empty() { ".".to_string() } else { format!(": {reason}") },
                        )
                    })}
            </p>
        }
        .into_any(),
        Probe::Refused { close_code, reason } => view! {
            <Badge tone=Tone::Danger label="Unreachable".to_string() />
            <p class="muted">
                {format!(
                    "The connection was refused (code {close_code}){}",
                    if reason.is_empty() { ".".to_string() } else { format!(": {reason}") },
                )}
            </p>
        }
        .into_any(),
    }
}

/// Region rows: the preferred region first, then by latency, then by id.
fn regions(map: &DerpMap, latency: &BTreeMap<String, DerpRegionLatency>) -> impl IntoView {
    let mut rows: Vec<_> = map.regions.values().cloned().collect();
    let lat = |name: &str| latency.get(name).cloned();
    rows.sort_by(|a, b| {
        let (la, lb) = (lat(&a.region_name), lat(&b.region_name));
        let pa = la.as_ref().is_some_and(|l| l.preferred);
        let pb = lb.as_ref().is_some_and(|l| l.preferred);
        pb.cmp(&pa)
            .then_with(|| {
                let ma = la.map_or(f64::MAX, |l| l.latency_ms);
                let mb = lb.map_or(f64::MAX, |l| l.latency_ms);
                ma.total_cmp(&mb)
            })
            .then(a.region_id.cmp(&b.region_id))
    });
    if rows.is_empty() {
        return view! { <p class="muted">"The map lists no relay region."</p> }.into_any();
    }
    view! {
        <ul class="plain region-list">
            {rows
                .into_iter()
                .map(|r| {
                    let l = lat(&r.region_name);
                    let preferred = l.as_ref().is_some_and(|l| l.preferred);
                    view! {
                        <li class="region card" data-region-id=r.region_id>
                            <div class="region-head">
                                <strong class="region-name">{r.region_name.clone()}</strong>
                                <code class="muted">
                                    {format!("{} · #{}", r.region_code, r.region_id)}
                                </code>
                                {preferred
                                    .then(|| {
                                        view! {
                                            <Badge tone=Tone::Ok label="Preferred".to_string() />
                                        }
                                    })}
                                {r
                                    .embedded_relay
                                    .then(|| {
                                        view! {
                                            <Badge
                                                tone=Tone::Neutral
                                                label="Embedded relay".to_string()
                                            />
                                        }
                                    })}
                                {r
                                    .avoid
                                    .unwrap_or(false)
                                    .then(|| {
                                        view! {
                                            <Badge tone=Tone::Warning label="Avoided".to_string() />
                                        }
                                    })}
                                {l
                                    .map(|l| {
                                        view! {
                                            <span class="latency">
                                                {format!("{:.0} ms", l.latency_ms)}
                                            </span>
                                        }
                                    })}
                            </div>
                            <ul class="plain node-list">
                                {r
                                    .nodes
                                    .iter()
                                    .map(|n| {
                                        let stun = n
                                            .effective_stun_port()
                                            .map_or("STUN off".to_string(), |p| format!("STUN {p}"));
                                        let derp = if n.stun_only.unwrap_or(false) {
                                            "STUN only".to_string()
                                        } else {
                                            format!("DERP {}", n.effective_derp_port())
                                        };
                                        view! {
                                            <li class="node">
                                                <code>{n.name.clone()}</code>
                                                " "
                                                <span class="mono">{n.host_name.clone()}</span>
                                                " "
                                                <span class="muted">{format!("{derp} · {stun}")}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }.into_any()
}
