//! The request checks of a server on a designer's laptop: a `Host` that names the server
//! (against DNS rebinding) and, on state-changing requests, an `Origin` that is the page's own.

/// The `Host` values the server answers to: `localhost`, `127.0.0.1` and `[::1]` with the
/// bound port, and the bound address itself when it is a specific one.
pub fn allowed_hosts(bound: std::net::SocketAddr) -> Vec<String> {
    let port = bound.port();
    let mut hosts: Vec<String> =
        ["localhost", "127.0.0.1", "[::1]"].iter().map(|h| format!("{h}:{port}")).collect();
    if !bound.ip().is_unspecified() {
        let own = bound.to_string();
        if !hosts.contains(&own) {
            hosts.push(own);
        }
    }
    hosts
}

/// Why a request is refused, or `None` when it may go on. `host` and `origin` are the
/// headers' values (`None` when absent or not text); `state_changing` is true for anything
/// but GET and HEAD. A request without `Origin` is allowed (a browser sends it on every
/// cross-origin and every POST request; command-line clients do not).
pub fn refusal(
    allowed: &[String],
    host: Option<&str>,
    origin: Option<&str>,
    state_changing: bool,
) -> Option<String> {
    let Some(host) = host else {
        return Some("the request has no Host header".into());
    };
    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
        return Some(format!(
            "Host `{host}` is not this server (expected one of {}): refused against DNS \
             rebinding",
            allowed.join(", ")
        ));
    }
    match origin {
        Some(origin) if state_changing => {
            let same = allowed.iter().any(|a| origin.eq_ignore_ascii_case(&format!("http://{a}")));
            (!same).then(|| {
                format!("Origin `{origin}` is not this server's page: cross-origin request refused")
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn check(host: Option<&str>, origin: Option<&str>, post: bool) -> String {
        let allowed = allowed_hosts("127.0.0.1:8765".parse().unwrap());
        refusal(&allowed, host, origin, post).map_or("ok".into(), |r| r)
    }

    #[rstest]
    #[case(Some("127.0.0.1:8765"), None, true, "ok")]
    #[case(Some("LOCALHOST:8765"), Some("http://localhost:8765"), true, "ok")]
    #[case(Some("[::1]:8765"), Some("http://evil.example"), false, "ok")]
    #[case(
        Some("evil.example:8765"),
        None,
        false,
        "Host `evil.example:8765` is not this server (expected one of localhost:8765, \
         127.0.0.1:8765, [::1]:8765): refused against DNS rebinding"
    )]
    #[case(
        Some("localhost:8765"),
        Some("http://evil.example"),
        true,
        "Origin `http://evil.example` is not this server's page: cross-origin request refused"
    )]
    #[case(
        Some("localhost:9999"),
        None,
        false,
        "Host `localhost:9999` is not this server \
        (expected one of localhost:8765, 127.0.0.1:8765, [::1]:8765): refused against DNS \
        rebinding"
    )]
    #[case(None, None, false, "the request has no Host header")]
    fn requests_are_checked(
        #[case] host: Option<&str>,
        #[case] origin: Option<&str>,
        #[case] post: bool,
        #[case] expected: &str,
    ) {
        assert_eq!(check(host, origin, post), expected);
    }
}
