//! Port-forward host labels (`{port}[s]--{agent}--{workspace}--{user}`), wildcard host matching
//! and coderd's ignored listening ports.
use coder_api::*;

#[test]
fn build_and_parse() {
    assert_eq!(
        port_forward_subdomain(8080, false, "main", "ws", "alice"),
        "8080--main--ws--alice"
    );
    assert_eq!(
        port_forward_subdomain(3000, true, "a", "w", "u"),
        "3000s--a--w--u"
    );
    let label = PortForwardLabel::try_parse("8080--main--ws--alice").unwrap();
    assert_eq!(
        label,
        PortForwardLabel {
            prefix: None,
            port: 8080,
            https: false,
            agent: "main".into(),
            workspace: "ws".into(),
            user: "alice".into()
        }
    );
    assert_eq!(label.render(), "8080--main--ws--alice");
    let tls = PortForwardLabel::parse("8443S--Main--Dev-Box--Alice").unwrap();
    assert!(tls.https);
    assert_eq!(
        (
            tls.agent.as_str(),
            tls.workspace.as_str(),
            tls.user.as_str()
        ),
        ("main", "dev-box", "alice")
    );
    assert_eq!(PortForwardLabel::parse("9--a--w--u").unwrap().port, 9);
    assert_eq!(
        PortForwardLabel::parse("65535s--a--w--u").unwrap().port,
        65535
    );
    assert_eq!(
        PortForwardLabel::parse("08080--a--w--u").unwrap().port,
        8080,
        "Go's ParseUint takes leading zeros"
    );
}

#[test]
fn invalid_labels() {
    use PortForwardError::*;
    let cases = [
        ("8--main--dev--alice", ReservedPort(8)),
        ("0--a--w--u", ReservedPort(0)),
        ("70000--a--w--u", NotAPort),
        ("x80--a--w--u", NotAPort),
        ("s--a--w--u", NotAPort),
        ("80ss--a--w--u", NotAPort),
        ("code-server--w--u", NotAPort),
        ("80--a--w", NotAPort),
        ("80--a--w--u--x", Malformed),
        ("--a--w--u", Malformed),
        ("80----w--u", Malformed),
        ("80--a-", Malformed),
        ("80--a--w--u-", Malformed),
        ("80--a_b--w--u", Malformed),
        ("80--a.b--w--u", Malformed),
        ("80--ä--w--u", Malformed),
        ("", Malformed),
    ];
    for (label, want) in cases {
        assert_eq!(
            PortForwardLabel::try_parse(label),
            Err(want.clone()),
            "{label}"
        );
        assert!(PortForwardLabel::parse(label).is_none());
    }
    assert_eq!(
        ReservedPort(8).to_string(),
        "Application port 8 is not permitted. Coder reserves ports less than 9 for internal use."
    );
}

#[test]
fn from_request_host() {
    let l = PortForwardLabel::from_host("*.localhost", "8080--main--ws--alice.localhost").unwrap();
    assert_eq!((l.port, l.agent.as_str()), (8080, "main"));
    let l =
        PortForwardLabel::from_host("*.localhost:7080", "3000s--main--ws--alice.LOCALHOST:7080")
            .unwrap();
    assert!(l.https);
    let l = PortForwardLabel::from_host(
        "*--apps.example.com",
        "5173--main--ws--alice--apps.example.com",
    )
    .unwrap();
    assert_eq!((l.port, l.user.as_str()), (5173, "alice"));
    assert_eq!(
        PortForwardLabel::from_host("*.localhost", "localhost:7080"),
        Err(PortForwardError::NotWildcardHost)
    );
    assert_eq!(
        PortForwardLabel::from_host("*.localhost", "127.0.0.1:7080"),
        Err(PortForwardError::NotWildcardHost)
    );
    assert_eq!(
        PortForwardLabel::from_host("", "8080--a--w--u.localhost"),
        Err(PortForwardError::NotWildcardHost)
    );
    assert_eq!(
        PortForwardLabel::from_host("*.localhost", "app--w--u.localhost"),
        Err(PortForwardError::NotAPort)
    );
    let prefixed =
        PortForwardLabel::from_host("*.localhost", "v2---8080--a--w--u.localhost").unwrap();
    assert_eq!(prefixed.prefix.as_deref(), Some("v2"));
}

#[test]
fn ignored_ports_match_coderd() {
    for p in [
        0, 1, 8, 20, 21, 22, 23, 25, 53, 110, 143, 179, 389, 465, 587, 636, 989, 990, 993, 995,
        3306, 3389, 5432, 27017, 27018, 27019, 28017,
    ] {
        assert!(is_ignored_port(p), "{p}");
    }
    for p in [
        9, 19, 24, 80, 443, 991, 3000, 5433, 8080, 27016, 27020, 28018, 65535,
    ] {
        assert!(!is_ignored_port(p), "{p}");
    }
    assert_eq!(MIN_APP_PORT, 9);
    assert!(
        is_allowed_app_port(5432),
        "ignored ports can still be forwarded by hand"
    );
}
