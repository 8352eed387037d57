//! The application shell renders its frame, and the shared widgets render every state.
use super::support::{mount, text_of, tick};
use agent_console_app::api::ApiError;
use agent_console_app::ui::{AgentStateBadge, ErrorView};
use coder_api::{Response, WorkspaceAgentLifecycle as L, WorkspaceAgentStatus as S};
use leptos::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn app_renders_its_frame() {
    let root = mount(agent_console_app::App);
    tick().await;
    assert_eq!(
        text_of(&root, ".brand-name").as_deref(),
        Some("Agent Console")
    );
    assert!(
        root.query_selector("main#main").unwrap().is_some(),
        "main landmark"
    );
}

#[wasm_bindgen_test]
fn every_lifecycle_and_an_unknown_one_gets_a_labelled_badge() {
    let mut lifecycles: Vec<L> = L::KNOWN.to_vec();
    lifecycles.push(L::Unknown("hibernating".into()));
    let mut seen = std::collections::HashSet::new();
    for lifecycle in lifecycles {
        let expected_unknown = !lifecycle.is_known();
        let root = mount(
            move || view! { <AgentStateBadge status=S::Connected lifecycle=lifecycle.clone() /> },
        );
        let label = text_of(&root, ".badge-label").unwrap();
        let symbol = text_of(&root, ".badge-symbol").unwrap();
        assert!(
            !label.is_empty() && !symbol.is_empty(),
            "label and symbol, not colour alone"
        );
        let class = root.query_selector(".badge").unwrap().unwrap().class_name();
        assert!(class.contains("tone-"), "{class}");
        if expected_unknown {
            assert_eq!(label, "hibernating", "unknown values are shown as they are");
        }
        assert!(seen.insert(label), "labels are distinct");
    }
}

#[wasm_bindgen_test]
fn every_status_and_an_unknown_one_gets_a_labelled_badge() {
    let mut statuses: Vec<S> = S::KNOWN.to_vec();
    statuses.push(S::Unknown("teleporting".into()));
    let mut labels = Vec::new();
    for status in statuses {
        let root =
            mount(move || view! { <AgentStateBadge status=status.clone() lifecycle=L::Ready /> });
        labels.push(text_of(&root, ".badge-label").unwrap());
    }
    // Connected shows the lifecycle (Ready); the others show the connection problem.
    assert_eq!(
        labels,
        [
            "Connecting",
            "Ready",
            "Disconnected",
            "Connection slow",
            "teleporting"
        ]
    );
}

#[wasm_bindgen_test]
fn error_view_shows_message_validations_and_hint_as_text() {
    let error = ApiError::Status {
        status: 400,
        body: Response::bad_after().with_detail("<img src=x onerror=alert(1)>"),
    };
    let root = mount(move || view! { <ErrorView error=error.clone() /> });
    assert_eq!(
        text_of(&root, "h2").as_deref(),
        Some("Request refused (400)")
    );
    assert!(text_of(&root, ".error-message")
        .unwrap()
        .contains("must be an integer"));
    assert!(text_of(&root, ".error-validations")
        .unwrap()
        .contains("after"));
    assert!(
        root.query_selector("img").unwrap().is_none(),
        "detail is text, never markup"
    );
    assert!(text_of(&root, ".error-detail pre")
        .unwrap()
        .contains("<img"));
}
