//! The ports list: one row per port with its forward link, and plain explanations otherwise.
use super::support::{mount, text_of, tick};
use agent_console_app::ports::forward::{ForwardBase, ForwardOwner, Protocol};
use agent_console_app::ports::PortList;
use coder_api::WorkspaceAgentListeningPort as Port;
use leptos::prelude::*;
use wasm_bindgen_test::*;

fn context(host: &str, agent: &str) -> ForwardBase {
    ForwardBase {
        wildcard_host: host.into(),
        owner: ForwardOwner {
            agent: agent.into(),
            workspace: "dev".into(),
            user: "alice".into(),
        },
        workspace_id: "ws-browser-test".into(),
        page_scheme: "http:".into(),
    }
}

fn port(port: u16, name: &str) -> Port {
    Port {
        process_name: name.into(),
        network: "tcp".into(),
        port,
    }
}

#[wasm_bindgen_test]
async fn each_port_gets_a_row_with_its_forward_link() {
    let ports = vec![port(3000, "node"), port(8080, "")];
    let ctx = Signal::stored(Some(context("*.apps.example.com", "main")));
    let root = mount(
        move || view! { <PortList ports=ports.clone() forward=ctx protocol=Signal::stored(Protocol::Https) /> },
    );
    tick().await;
    let rows = root.query_selector_all("li.port-row").unwrap();
    assert_eq!(rows.length(), 2);
    assert_eq!(
        text_of(&root, "li[data-port='3000'] .port-process").as_deref(),
        Some("node")
    );
    assert_eq!(
        text_of(&root, "li[data-port='8080'] .port-process").as_deref(),
        Some("unknown process")
    );
    let scheme = web_sys::window().unwrap().location().protocol().unwrap();
    let scheme = scheme.trim_end_matches(':');
    let href = root
        .query_selector("li[data-port='3000'] a.port-url")
        .unwrap()
        .unwrap()
        .get_attribute("href")
        .unwrap();
    assert_eq!(
        href,
        format!("{scheme}://3000s--main--dev--alice.apps.example.com/")
    );
    let link = root
        .query_selector("li[data-port='3000'] a.port-url")
        .unwrap()
        .unwrap();
    assert_eq!(
        link.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
}

#[wasm_bindgen_test]
async fn an_empty_list_explains_how_ports_appear() {
    let ctx = Signal::stored(Some(context("*.apps.example.com", "main")));
    let root = mount(
        move || view! { <PortList ports=vec![] forward=ctx protocol=Signal::stored(Protocol::Http) /> },
    );
    tick().await;
    assert!(text_of(&root, ".empty-title").unwrap().contains("No ports"));
    assert_eq!(root.query_selector_all("li.port-row").unwrap().length(), 0);
}

#[wasm_bindgen_test]
async fn too_long_host_labels_and_missing_wildcards_are_explained() {
    let long = "a".repeat(50); // 5000--{50}--dev--alice is 68 characters
    let ctx = Signal::stored(Some(context("*.apps.example.com", &long)));
    let root = mount(move || {
        view! {
            <PortList
                ports=vec![port(5000, "py")]
                forward=ctx
                protocol=Signal::stored(Protocol::Http)
            />
        }
    });
    tick().await;
    assert!(
        root.query_selector("a.port-url").unwrap().is_none(),
        "no link that cannot resolve"
    );
    assert!(root
        .text_content()
        .unwrap()
        .contains("DNS allows at most 63"));

    let ctx = Signal::stored(Some(context("", "main")));
    let root = mount(move || {
        view! {
            <PortList
                ports=vec![port(5000, "py")]
                forward=ctx
                protocol=Signal::stored(Protocol::Http)
            />
        }
    });
    tick().await;
    assert!(root
        .text_content()
        .unwrap()
        .contains("no wildcard app host"));
}
