//! Links from data (troubleshooting URLs, app URLs) are only followed when they are http(s):
//! a `javascript:` or `data:` URL from a server or a log must never become a clickable link.

/// The URL when it is an absolute http or https URL, else None.
pub fn safe_http_url(url: &str) -> Option<String> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let ok = (lower.starts_with("http://") || lower.starts_with("https://"))
        && !trimmed.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::safe_http_url;

    #[test]
    fn only_http_and_https_pass() {
        assert_eq!(
            safe_http_url("https://coder.com/docs").as_deref(),
            Some("https://coder.com/docs")
        );
        assert_eq!(
            safe_http_url(" http://localhost:3000/ ").as_deref(),
            Some("http://localhost:3000/")
        );
        assert_eq!(safe_http_url("javascript:alert(1)"), None);
        assert_eq!(safe_http_url("JaVaScRiPt:alert(1)"), None);
        assert_eq!(safe_http_url("data:text/html,<script>"), None);
        assert_eq!(safe_http_url("http://a b"), None);
        assert_eq!(safe_http_url("/relative"), None);
        assert_eq!(safe_http_url(""), None);
    }
}
