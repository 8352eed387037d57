//! The port policies in the ports view: each row's "when it opens" choice and a form for a
//! range, remembered per workspace in the browser (`ui::storage`).
use super::policy::{policy_key, PolicyRules, PortPolicy, PortRange};
use crate::ui::storage;
use leptos::prelude::*;

/// The remembered policies of the view's workspace (cheap to copy; provided as context).
#[derive(Clone, Copy)]
pub struct Policies {
    rules: RwSignal<PolicyRules>,
    workspace: RwSignal<Option<String>>,
}

impl Policies {
    /// No rules until a workspace's are loaded.
    pub fn new() -> Self {
        Self {
            rules: RwSignal::new(PolicyRules::default()),
            workspace: RwSignal::new(None),
        }
    }

    /// Reads the rules remembered for `workspace_id`. Choices made before the workspace was
    /// known are kept, and remembered with them.
    pub fn load(&self, workspace_id: &str) {
        let stored = storage::load(&policy_key(workspace_id)).unwrap_or_default();
        let mut rules = PolicyRules::parse(&stored);
        let early = match self.workspace.get_untracked() {
            None => self.rules.get_untracked(),
            Some(_) => PolicyRules::default(),
        };
        for rule in early.all() {
            rules.set(rule.range, rule.policy);
        }
        self.workspace.set(Some(workspace_id.to_owned()));
        self.change(|r| *r = rules);
    }

    /// The policy of `port` (tracked).
    pub fn policy_of(&self, port: u16) -> PortPolicy {
        self.rules.with(|r| r.policy_of(port))
    }

    /// The policy of `port`, read without subscribing (for an effect that must not re-run).
    pub fn policy_of_untracked(&self, port: u16) -> PortPolicy {
        self.rules.with_untracked(|r| r.policy_of(port))
    }

    fn change(&self, edit: impl FnOnce(&mut PolicyRules)) {
        self.rules.update(edit);
        if let Some(ws) = self.workspace.get_untracked() {
            storage::save(
                &policy_key(&ws),
                &self.rules.with_untracked(PolicyRules::render),
            );
        }
    }
}

/// The policies of the view, when there are some.
pub fn use_policies() -> Option<Policies> {
    use_context::<Policies>()
}

fn policy_options(current: PortPolicy) -> impl IntoView {
    PortPolicy::ALL
        .into_iter()
        .map(|p| {
            view! {
                <option value=p.as_str() selected=p == current>
                    {p.label()}
                </option>
            }
        })
        .collect_view()
}

/// A row's choice of what happens when its port opens (its own rule, else its range's).
#[component]
pub fn PolicyChoice(port: u16) -> impl IntoView {
    let Some(policies) = use_policies() else {
        return ().into_any();
    };
    view! {
        <label class="port-policy">
            <span class="muted">"When it opens"</span>
            <select
                aria-label=format!("When port {port} opens")
                on:change=move |ev| {
                    if let Some(p) = PortPolicy::parse(&event_target_value(&ev)) {
                        policies.change(|r| r.set(PortRange::one(port), p));
                    }
                }
            >
                {move || policy_options(policies.policy_of(port))}
            </select>
        </label>
    }
    .into_any()
}

/// A policy for a port or a range that is not listening yet (`3000-3010`), and every remembered
/// policy with its removal.
#[component]
pub fn RangePolicies() -> impl IntoView {
    let Some(policies) = use_policies() else {
        return ().into_any();
    };
    let input = RwSignal::new(String::new());
    let choice = RwSignal::new(PortPolicy::Ignore);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match PortRange::parse(&input.get_untracked()) {
            Ok(range) => {
                policies.change(|r| r.set(range, choice.get_untracked()));
                input.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let ranges = move || policies.rules.with(|r| r.all().collect::<Vec<_>>());
    view! {
        <form class="card port-policies form" novalidate on:submit=submit>
            <h3 id="policy-title">"When a port opens"</h3>
            <p class="muted">
                "Notify, open it in a new tab, or ignore it (hidden from the list) — for a port or a range such as 3000-3010."
            </p>
            <div class="inline-form">
                <label for="policy-range" class="visually-hidden">
                    "Port or range"
                </label>
                <input
                    id="policy-range"
                    type="text"
                    inputmode="numeric"
                    placeholder="8080 or 3000-3010"
                    prop:value=input
                    on:input=move |ev| input.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby="policy-error"
                />
                <select
                    aria-label="Policy for the port or range"
                    on:change=move |ev| {
                        if let Some(p) = PortPolicy::parse(&event_target_value(&ev)) {
                            choice.set(p);
                        }
                    }
                >
                    {policy_options(PortPolicy::Ignore)}
                </select>
                <button type="submit" class="btn">
                    "Remember"
                </button>
            </div>
            <p id="policy-error" class="field-error" role="alert">
                {move || error.get()}
            </p>
            <ul class="plain policy-ranges">
                {move || {
                    ranges()
                        .into_iter()
                        .map(|rule| {
                            let range = rule.range;
                            view! {
                                <li>
                                    <span class="mono">{range.to_string()}</span>
                                    ": "
                                    {rule.policy.label()}
                                    <button
                                        type="button"
                                        class="btn btn-small btn-ghost"
                                        aria-label=format!("Forget the policy of {range}")
                                        on:click=move |_| policies.change(|r| r.remove(range))
                                    >
                                        "✕"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </form>
    }
    .into_any()
}
